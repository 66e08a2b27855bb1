"""Desk settings, read from ``DAOFU_*`` variables at start-up (README "Settings")."""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from daofu_core.errors import ConfigurationError
from daofu_core.paths import PROJECT_ROOT
from daofu_core.settings import EnvSettings

_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_WEEKDAYS = re.compile(r"^[1-7](,[1-7])*$")


@dataclass(frozen=True)
class DeskSettings(EnvSettings):
    host: str = field(default="127.0.0.1", metadata={"env": "DAOFU_DESK_HOST", "help": "Address the desk (widget, consoles, API) binds to."})
    port: int = field(default=8000, metadata={"env": "DAOFU_DESK_PORT", "help": "Port of the desk."})
    database_url: str = field(default=f"sqlite:///{PROJECT_ROOT / 'var' / 'desk.sqlite3'}", metadata={
        "env": "DAOFU_DATABASE_URL",
        "help": "SQLAlchemy URL of the conversation store: SQLite by default, e.g. postgresql+psycopg://user:pw@host/daofu."})
    redis_url: str = field(default="", metadata={
        "env": "DAOFU_REDIS_URL", "help": "Redis URL (redis://host:6379/0) shared by several desk replicas: live events, demand and login rate-limit counters, and, with a PostgreSQL store, Rasa's conversation locks; empty: in-process only."})
    rasa_url: str = field(default="http://127.0.0.1:5005", metadata={
        "env": "DAOFU_DESK_RASA_URL", "help": "Base URL of the Rasa server the desk relays to (REST channel and HTTP API); several comma-separated URLs spread conversations over Rasa replicas, each conversation always to the same one (the launcher sets it)."})
    rasa_token: str = field(default="", metadata={
        "env": "DAOFU_RASA_TOKEN", "help": "Secret for Rasa's HTTP API (`rasa run --auth-token`), sent by the desk and the launcher; empty: the launcher makes a random one at each start and gives it to the desk."})
    rasa_timeout: float = field(default=8.0, metadata={
        "env": "DAOFU_RASA_TIMEOUT", "help": "Seconds to wait for the bot's reply before telling the user and offering a person."})
    search_url: str = field(default="", metadata={
        "env": "DAOFU_DESK_SEARCH_URL",
        "help": "Base URL of the action server whose search the desk asks (staff knowledge box, try-it, gaps page, demand topics and department suggestions, record look-ups), e.g. http://127.0.0.1:5055: one copy of the model and index per host, not one per desk (the launcher sets it to its action server); empty: the desk loads its own copy when someone first searches (about 745 MB)."})
    search_token: str = field(default="", metadata={
        "env": "DAOFU_SEARCH_TOKEN",
        "help": "Secret of the action server's knowledge routes (the desk sends it as Authorization: Bearer); empty: the launcher makes a random one at each start and gives it to the action server and the desks."})
    search_timeout: float = field(default=30.0, metadata={
        "env": "DAOFU_DESK_SEARCH_TIMEOUT",
        "help": "Seconds the desk waits for one answer of the action server's knowledge routes (a search, or 256 texts encoded for the gaps page) before answering 503."})
    service_hours: str = field(default="00:00-24:00", metadata={
        "env": "DAOFU_SERVICE_HOURS", "help": "Hours staff answer chats (HH:MM-HH:MM, local time); outside them escalation becomes a message form."})
    service_days: str = field(default="1,2,3,4,5,6,7", metadata={
        "env": "DAOFU_SERVICE_DAYS", "help": "Weekdays with staff service, 1 = Monday ... 7 = Sunday."})
    timezone_offset_hours: float = field(default=8.0, metadata={
        "env": "DAOFU_TZ_OFFSET_HOURS", "help": "Offset from UTC of the service hours (8 = China Standard Time)."})
    wait_warning_seconds: int = field(default=120, metadata={
        "env": "DAOFU_WAIT_WARNING_SECONDS", "help": "Queued chats waiting longer than this are marked in the console."})
    session_hours: float = field(default=12.0, metadata={
        "env": "DAOFU_SESSION_HOURS", "help": "How long a staff login lasts."})
    max_message_chars: int = field(default=2000, metadata={
        "env": "DAOFU_MAX_MESSAGE_CHARS", "help": "Longer widget messages are refused with an error frame."})

    max_upload_mb: int = field(default=20, metadata={
        "env": "DAOFU_MAX_UPLOAD_MB", "help": "Largest policy or catalog file editors may upload, in MB."})
    upload_memory_mb: int = field(default=1024, metadata={
        "env": "DAOFU_UPLOAD_MEMORY_MB", "help": "Address-space limit of the child process that parses one upload, in MB; a file needing more is refused (422)."})
    upload_seconds: int = field(default=60, metadata={
        "env": "DAOFU_UPLOAD_SECONDS", "help": "Time limit of the child process that parses one upload; a slower file is refused (422)."})
    remote_help_dir: str = field(default=str(PROJECT_ROOT / "var" / "remote_help"), metadata={
        "env": "DAOFU_REMOTE_HELP_DIR", "help": "Folder of the files enterprises attach during remote help (cleaned copies, one folder per help); never served as a public path."})
    remote_help_max_file_mb: int = field(default=10, metadata={
        "env": "DAOFU_REMOTE_HELP_MAX_FILE_MB", "help": "Largest photo or PDF an enterprise may attach to a checklist entry during remote help, in MB (413 beyond)."})
    remote_help_upload_limit: str = field(default="10/minute;100/hour", metadata={
        "env": "DAOFU_REMOTE_HELP_UPLOAD_LIMIT", "help": "Remote-help uploads one client (IP address) may send, in the `limits` package's notation; draft edits from the widget get ten times as many, its reads (state, files, PDFs) thirty times."})
    pdf_font: str = field(default="/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc#2", metadata={
        "env": "DAOFU_PDF_FONT", "help": "Font embedded in the remote-help PDFs (draft, pre-check summary): a TrueType/OpenType file with Chinese glyphs, `#N` picks the N-th font of a collection (fonts-noto-cjk's Sans CJK SC by default; `make system-deps` installs it)."})
    cookie_secure: bool = field(default=False, metadata={
        "env": "DAOFU_COOKIE_SECURE", "help": "Mark the staff session cookie Secure (sent over HTTPS only); set true whenever the desk is served over HTTPS."})
    allowed_origins: str = field(default="", metadata={
        "env": "DAOFU_ALLOWED_ORIGINS", "help": "Other browser origins (comma-separated scheme://host[:port]) allowed to open the staff console socket and to send state-changing requests; the desk's own origin always is."})
    retention_days: int = field(default=0, metadata={
        "env": "DAOFU_RETENTION_DAYS", "help": "`python -m desk purge` without --older-than deletes conversations, tickets and closed demands older than this many days; 0: keep everything."})
    widget_message_limit: str = field(default="10/10 seconds;60/minute", metadata={
        "env": "DAOFU_WIDGET_MESSAGE_LIMIT", "help": "Messages (and hand-off, leave-message, rating, end frames) one widget connection may send, in the `limits` package's notation; beyond it an error frame asks the user to slow down."})
    widget_client_message_limit: str = field(default="120/minute", metadata={
        "env": "DAOFU_WIDGET_CLIENT_MESSAGE_LIMIT", "help": "The same for all widget connections of one client (IP address) together; offices behind one address share it."})
    widget_connection_limit: str = field(default="30/minute", metadata={
        "env": "DAOFU_WIDGET_CONNECTION_LIMIT", "help": "New widget connections one client (IP address) may open, in the `limits` package's notation; beyond it the connection gets an error frame and is closed."})
    widget_max_connections: int = field(default=50, metadata={
        "env": "DAOFU_WIDGET_MAX_CONNECTIONS", "help": "Widget connections one client (IP address) may hold open at once on one desk process."})
    login_rate_limit: str = field(default="5/minute;20/hour", metadata={
        "env": "DAOFU_LOGIN_RATE_LIMIT", "help": "Failed logins allowed per account, in the `limits` package's notation; beyond it the account's logins get 429 with Retry-After."})
    login_client_rate_limit: str = field(default="20/minute;100/hour", metadata={
        "env": "DAOFU_LOGIN_CLIENT_RATE_LIMIT", "help": "Failed logins allowed per client (IP address), whatever the account, in the `limits` package's notation."})

    demand_deadlines: str = field(default="咨询=5,求助=10,投诉=15,建议=15,举报=15", metadata={
        "env": "DAOFU_DEMAND_DEADLINES",
        "help": "Time limit of each demand category in working days (official calendar, counted from the next working day), as 类别=天数 pairs."})
    demand_rate_limit: str = field(default="5/minute;30/day", metadata={
        "env": "DAOFU_DEMAND_RATE_LIMIT",
        "help": "How many demands one client (IP address) may file, in the `limits` package's notation; tracking-number lookups and ratings get ten times as many."})
    demand_sweep_seconds: int = field(default=300, metadata={
        "env": "DAOFU_DEMAND_SWEEP_SECONDS",
        "help": "How often the desk sends demand reminders (80% of the time limit), marks overdue demands and delivers the notification outbox; 0: never (tests, or a separate worker)."})
    appointment_rate_limit: str = field(default="5/minute;20/day", metadata={
        "env": "DAOFU_APPOINTMENT_RATE_LIMIT",
        "help": "How many on-site appointments one client (IP address) may book, in the `limits` package's notation; slot lists, look-ups and cancellations get ten times as many. The day-before reminders go out on the demand sweep (DAOFU_DEMAND_SWEEP_SECONDS)."})

    @property
    def demand_deadline_days(self) -> dict[str, int]:
        """Category → working days, from DAOFU_DEMAND_DEADLINES."""
        deadlines: dict[str, int] = {}
        for pair in self.demand_deadlines.replace("，", ",").split(","):
            name, _, days = pair.partition("=")
            if not name.strip() or not days.strip().isdigit() or int(days) < 1:
                raise ConfigurationError(f"DAOFU_DEMAND_DEADLINES must be 类别=天数 pairs like 咨询=5,投诉=15 "
                                         f"(days >= 1), got {self.demand_deadlines!r}")
            deadlines[name.strip()] = int(days)
        return deadlines

    @property
    def rasa_urls(self) -> tuple[str, ...]:
        return tuple(url.strip() for url in self.rasa_url.split(",") if url.strip())

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ConfigurationError(f"DAOFU_DESK_PORT must be 1-65535, got {self.port}")
        if not self.rasa_urls or any(not url.startswith(("http://", "https://")) for url in self.rasa_urls):
            raise ConfigurationError(f"DAOFU_DESK_RASA_URL must be one or more comma-separated http(s) URLs, got {self.rasa_url!r}")
        if self.rasa_timeout <= 0:
            raise ConfigurationError(f"DAOFU_RASA_TIMEOUT must be > 0, got {self.rasa_timeout}")
        if self.search_url.strip() and not self.search_url.strip().startswith(("http://", "https://")):
            raise ConfigurationError(f"DAOFU_DESK_SEARCH_URL must be an http(s) URL (the action server's, e.g. "
                                     f"http://127.0.0.1:5055) or empty, got {self.search_url!r}")
        if self.search_timeout <= 0:
            raise ConfigurationError(f"DAOFU_DESK_SEARCH_TIMEOUT must be > 0, got {self.search_timeout}")
        if not _HOURS.match(self.service_hours):
            raise ConfigurationError(f"DAOFU_SERVICE_HOURS must look like 09:00-17:30, got {self.service_hours!r}")
        if not _WEEKDAYS.match(self.service_days.replace(" ", "")):
            raise ConfigurationError(f"DAOFU_SERVICE_DAYS must list weekdays 1-7 like 1,2,3,4,5, got {self.service_days!r}")
        if self.widget_max_connections < 1:
            raise ConfigurationError(f"DAOFU_WIDGET_MAX_CONNECTIONS must be >= 1, got {self.widget_max_connections}")
        if self.max_upload_mb < 1:
            raise ConfigurationError(f"DAOFU_MAX_UPLOAD_MB must be >= 1, got {self.max_upload_mb}")
        if self.upload_memory_mb < 64 or self.upload_seconds < 1:
            raise ConfigurationError(f"DAOFU_UPLOAD_MEMORY_MB must be >= 64 and DAOFU_UPLOAD_SECONDS >= 1, "
                                     f"got {self.upload_memory_mb} and {self.upload_seconds}")
        for name, value in (("DAOFU_LOGIN_RATE_LIMIT", self.login_rate_limit),
                            ("DAOFU_LOGIN_CLIENT_RATE_LIMIT", self.login_client_rate_limit),
                            ("DAOFU_WIDGET_MESSAGE_LIMIT", self.widget_message_limit),
                            ("DAOFU_WIDGET_CLIENT_MESSAGE_LIMIT", self.widget_client_message_limit),
                            ("DAOFU_WIDGET_CONNECTION_LIMIT", self.widget_connection_limit)):
            _check_rate_limit(name, value)
        missing = {"咨询", "求助", "投诉", "建议", "举报"} - set(self.demand_deadline_days)
        if missing:
            raise ConfigurationError(f"DAOFU_DEMAND_DEADLINES lacks the categories {'、'.join(sorted(missing))}, "
                                     f"got {self.demand_deadlines!r}")
        if self.demand_sweep_seconds < 0:
            raise ConfigurationError(f"DAOFU_DEMAND_SWEEP_SECONDS must be >= 0, got {self.demand_sweep_seconds}")
        if self.remote_help_max_file_mb < 1:
            raise ConfigurationError(f"DAOFU_REMOTE_HELP_MAX_FILE_MB must be >= 1, got {self.remote_help_max_file_mb}")
        _check_rate_limit("DAOFU_REMOTE_HELP_UPLOAD_LIMIT", self.remote_help_upload_limit)
        if self.retention_days < 0:
            raise ConfigurationError(f"DAOFU_RETENTION_DAYS must be >= 0 (0: keep everything), got {self.retention_days}")
        if self.max_message_chars < 1:
            raise ConfigurationError(f"DAOFU_MAX_MESSAGE_CHARS must be >= 1, got {self.max_message_chars}")

    def in_service_hours(self, now: datetime.datetime | None = None) -> bool:
        """Whether staff are on duty at ``now`` (UTC-aware or naive UTC)."""
        now = now or datetime.datetime.now(datetime.UTC)
        if now.tzinfo is None:
            now = now.replace(tzinfo=datetime.UTC)
        local = now.astimezone(datetime.timezone(datetime.timedelta(hours=self.timezone_offset_hours)))
        days = {int(d) for d in self.service_days.replace(" ", "").split(",")}
        if local.isoweekday() not in days:
            return False
        match = _HOURS.match(self.service_hours)
        assert match is not None
        start = int(match.group(1)) * 60 + int(match.group(2))
        end = int(match.group(3)) * 60 + int(match.group(4))
        minute = local.hour * 60 + local.minute
        return start <= minute < end if start <= end else (minute >= start or minute < end)


def _check_rate_limit(name: str, value: str) -> None:
    from limits import parse_many  # small, pure Python

    try:
        if not parse_many(value):
            raise ValueError("empty")
    except ValueError as error:
        raise ConfigurationError(f"{name} must be rates like 5/minute;20/hour, got {value!r} ({error})") from error
