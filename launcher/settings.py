"""Where each process listens; read from ``DAOFU_*`` variables (README "Settings")."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from daofu_core.errors import ConfigurationError
from daofu_core.paths import PROJECT_ROOT
from daofu_core.settings import EnvSettings


@dataclass(frozen=True)
class ServiceSettings(EnvSettings):
    rasa_host: str = field(default="127.0.0.1", metadata={"env": "DAOFU_RASA_HOST", "help": "Address the Rasa server binds to."})
    rasa_port: int = field(default=5005, metadata={"env": "DAOFU_RASA_PORT", "help": "Port of the Rasa server (REST, socket.io, HTTP API)."})
    rasa_replicas: int = field(default=1, metadata={"env": "DAOFU_RASA_REPLICAS", "help": "Rasa server processes, on DAOFU_RASA_PORT and the ports after it; each conversation always goes to the same one (any one, turn by turn, when trackers are shared: DAOFU_DATABASE_URL on PostgreSQL with DAOFU_REDIS_URL). One Rasa process answers one message at a time on one core, about 40 ms of CPU per message: one served 50 conversations at p95 416 ms in 954 MB, two at 312 ms in 950 MB each (2026-12-03); add replicas for more load and cores."})
    desk_replicas: int = field(default=1, metadata={"env": "DAOFU_DESK_REPLICAS", "help": "Desk processes, on DAOFU_DESK_PORT and the ports after it, behind a reverse proxy (deploy/). More than one needs DAOFU_DATABASE_URL (PostgreSQL) and DAOFU_REDIS_URL: the desks share the store, sessions, rate limits and live events there."})
    actions_host: str = field(default="127.0.0.1", metadata={"env": "DAOFU_ACTIONS_HOST", "help": "Address the action server binds to."})
    actions_port: int = field(default=5055, metadata={"env": "DAOFU_ACTIONS_PORT", "help": "Port of the rasa-sdk action server."})
    rasa_model: Path = field(default=PROJECT_ROOT / "var" / "rasa" / "models", metadata={
        "env": "DAOFU_RASA_MODEL", "help": "Trained Rasa model file, or the folder holding the newest one."})
    rasa_venv: Path = field(default=PROJECT_ROOT / ".venv-rasa", metadata={
        "env": "DAOFU_RASA_VENV", "help": "Virtual environment with Rasa 3.6.21."})
    rasa_token: str = field(default="", metadata={
        "env": "DAOFU_RASA_TOKEN", "help": "Secret for Rasa's HTTP API (`rasa run --auth-token`), sent by the desk and the launcher; empty: the launcher makes a random one at each start and gives it to the desk."})
    search_token: str = field(default="", metadata={
        "env": "DAOFU_SEARCH_TOKEN", "help": "Secret of the action server's knowledge routes (the desk sends it as Authorization: Bearer); empty: the launcher makes a random one at each start and gives it to the action server and the desks."})
    startup_timeout: float = field(default=180.0, metadata={
        "env": "DAOFU_STARTUP_TIMEOUT", "help": "Seconds to wait for each process to answer its health check."})
    log_dir: Path = field(default=PROJECT_ROOT / "var" / "log", metadata={
        "env": "DAOFU_LOG_DIR", "help": "Folder of the launcher's logs: one per process, and startup.log with the duration of each start-up stage."})
    background_threads: int = field(default=1, metadata={
        "env": "DAOFU_BACKGROUND_THREADS", "help": "CPU threads of what `make run` does in the background at the lowest priority while serving (fine-tuning, the fine-tuned index, retraining an outdated Rasa model)."})

    def __post_init__(self) -> None:
        for name in ("rasa_port", "actions_port"):
            port = getattr(self, name)
            if not 0 < port < 65536:
                raise ConfigurationError(f"{name} must be a TCP port (1-65535), got {port}")
        if self.background_threads < 1:
            raise ConfigurationError(f"DAOFU_BACKGROUND_THREADS must be at least 1, got {self.background_threads}")
        if not 1 <= self.desk_replicas <= 16:
            raise ConfigurationError(f"DAOFU_DESK_REPLICAS must be 1-16, got {self.desk_replicas}")
        if not 1 <= self.rasa_replicas <= 16:
            raise ConfigurationError(f"DAOFU_RASA_REPLICAS must be 1-16, got {self.rasa_replicas}")
        if self.rasa_port + self.rasa_replicas - 1 >= 65536:
            raise ConfigurationError(f"DAOFU_RASA_PORT {self.rasa_port} leaves no room for {self.rasa_replicas} replicas")
        if self.actions_port in self.rasa_ports:
            raise ConfigurationError(f"DAOFU_ACTIONS_PORT {self.actions_port} is one of the Rasa replicas' ports "
                                     f"{self.rasa_ports}; choose another")

    @property
    def rasa_ports(self) -> tuple[int, ...]:
        return tuple(range(self.rasa_port, self.rasa_port + self.rasa_replicas))

    @property
    def rasa_urls(self) -> tuple[str, ...]:
        return tuple(f"http://{self.rasa_host}:{port}" for port in self.rasa_ports)

    @property
    def action_endpoint(self) -> str:
        return f"{self.actions_url}/webhook"

    @property
    def actions_url(self) -> str:
        """Where the other processes reach the action server (a wildcard bind address is reached on loopback)."""
        host = "127.0.0.1" if self.actions_host in ("0.0.0.0", "::", "") else self.actions_host
        return f"http://{host}:{self.actions_port}"
