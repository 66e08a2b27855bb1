"""Which Rasa endpoints file the replicas get: dialogue state in memory (one machine, the embedded
default) or shared through PostgreSQL and Redis (several replicas or machines).

Rasa expands ``${VAR}`` in endpoints files but refuses an unset one, so a tracker or lock store
cannot be optional inside one file: the launcher picks bot/endpoints-shared.yml and fills its
variables from the desk's own settings (DAOFU_DATABASE_URL, DAOFU_REDIS_URL).
"""
from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field

from daofu_core.errors import ConfigurationError
from daofu_core.paths import PROJECT_ROOT
from desk.rasa_client import shares_dialogue_state

logger = logging.getLogger(__name__)
EMBEDDED_ENDPOINTS = PROJECT_ROOT / "bot" / "endpoints.yml"
SHARED_ENDPOINTS = PROJECT_ROOT / "bot" / "endpoints-shared.yml"
LOCK_LIFETIME_SECONDS = "20"


@dataclass(frozen=True)
class RasaEndpoints:
    path: str
    environment: dict[str, str] = field(default_factory=dict)

    @property
    def shared(self) -> bool:
        return bool(self.environment)


def rasa_endpoints(environ: Mapping[str, str]) -> RasaEndpoints:
    """bot/endpoints.yml, or bot/endpoints-shared.yml with the variables it reads when the store is
    PostgreSQL and Redis is configured. Only both together: shared trackers without a shared lock
    would let two replicas run turns of one conversation at once, a lock without them shares nothing."""
    database_url = environ.get("DAOFU_DATABASE_URL", "").strip()
    redis_url = environ.get("DAOFU_REDIS_URL", "").strip()
    postgres = database_url.startswith("postgresql")
    # The desk decides the same way whether it pins conversations to replicas.
    if not shares_dialogue_state(database_url, redis_url):
        if postgres or redis_url:
            logger.warning("Rasa keeps dialogue state in each replica's memory: shared trackers need both "
                           "DAOFU_DATABASE_URL (PostgreSQL) and DAOFU_REDIS_URL")
        return RasaEndpoints(str(EMBEDDED_ENDPOINTS.relative_to(PROJECT_ROOT)))
    return RasaEndpoints(str(SHARED_ENDPOINTS.relative_to(PROJECT_ROOT)),
                         {"DAOFU_RASA_TRACKER_URL": tracker_url(database_url), **lock_store_variables(redis_url),
                          # Rasa's own setting: how long a conversation's lock outlives a replica killed
                          # mid-turn (Rasa's default 60 s); longer than any turn the desk waits for.
                          "TICKET_LOCK_LIFETIME": environ.get("TICKET_LOCK_LIFETIME", "").strip() or LOCK_LIFETIME_SECONDS})


def tracker_url(database_url: str) -> str:
    """The desk's PostgreSQL URL for Rasa's SQLTrackerStore: Rasa 3.6 runs SQLAlchemy 1.4 with
    psycopg2 (requirements/rasa.lock), so the driver part (+psycopg) is dropped."""
    from sqlalchemy.engine import make_url

    try:
        url = make_url(database_url)
    except Exception as error:  # SQLAlchemy raises ArgumentError for an unparsable URL
        raise ConfigurationError(f"DAOFU_DATABASE_URL is not a database URL: {error}") from error
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def lock_store_variables(redis_url: str) -> dict[str, str]:
    """Host, port, database number and password of Rasa's RedisLockStore (it takes no URL)."""
    parts = urllib.parse.urlsplit(redis_url)
    if parts.scheme != "redis" or not parts.hostname:
        raise ConfigurationError(f"DAOFU_REDIS_URL must look like redis://host:6379/0, got {redis_url!r}")
    database = parts.path.strip("/") or "0"
    if not database.isdigit():
        raise ConfigurationError(f"DAOFU_REDIS_URL's database must be a number like redis://host:6379/0, got {redis_url!r}")
    return {"DAOFU_RASA_LOCK_HOST": parts.hostname, "DAOFU_RASA_LOCK_PORT": str(parts.port or 6379),
            "DAOFU_RASA_LOCK_DB": database, "DAOFU_RASA_LOCK_PASSWORD": urllib.parse.unquote(parts.password or "")}
