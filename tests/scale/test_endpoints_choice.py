"""Which endpoints file `make run` gives the Rasa replicas (fast: no servers, not marked scale)."""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.errors import ConfigurationError
from launcher.processes import Service, services
from launcher.settings import ServiceSettings
from launcher.shared_state import rasa_endpoints

POSTGRES = "postgresql+psycopg://daofu:p%40ss@db.internal:5433/daofu"
REDIS = "redis://:s3cret@cache.internal:6380/2"


def rasa_services(tmp_path: Path, environ: dict[str, str]) -> list[Service]:
    model = tmp_path / "daofu.tar.gz"
    model.write_bytes(b"model")
    return [s for s in services(ServiceSettings(rasa_model=model, rasa_replicas=2), environ) if s.name.startswith("rasa")]


@pytest.mark.parametrize("environ", [{}, {"DAOFU_DATABASE_URL": "sqlite:///var/desk.sqlite3", "DAOFU_REDIS_URL": REDIS},
                                     {"DAOFU_DATABASE_URL": POSTGRES}, {"DAOFU_REDIS_URL": REDIS}],
                         ids=["default", "sqlite-and-redis", "postgres-only", "redis-only"])
def test_the_embedded_default_keeps_state_in_memory(tmp_path: Path, environ: dict[str, str]) -> None:
    chosen = rasa_endpoints(environ)
    assert chosen.path == "bot/endpoints.yml" and not chosen.shared
    for rasa in rasa_services(tmp_path, environ):
        assert rasa.command[rasa.command.index("--endpoints") + 1] == "bot/endpoints.yml"
        assert not any(name.startswith("DAOFU_RASA_TRACKER") for name in rasa.environment)


def test_postgres_and_redis_give_every_replica_shared_trackers_and_locks(tmp_path: Path) -> None:
    environ = {"DAOFU_DATABASE_URL": POSTGRES, "DAOFU_REDIS_URL": REDIS}
    replicas = rasa_services(tmp_path, environ)
    assert len(replicas) == 2
    for rasa in replicas:
        assert rasa.command[rasa.command.index("--endpoints") + 1] == "bot/endpoints-shared.yml"
        environment = rasa.environment
        # Rasa 3.6 has SQLAlchemy 1.4 and psycopg2: the driver suffix goes, the escaped password stays.
        assert environment["DAOFU_RASA_TRACKER_URL"] == "postgresql://daofu:p%40ss@db.internal:5433/daofu"
        assert (environment["DAOFU_RASA_LOCK_HOST"], environment["DAOFU_RASA_LOCK_PORT"], environment["DAOFU_RASA_LOCK_DB"],
                environment["DAOFU_RASA_LOCK_PASSWORD"]) == ("cache.internal", "6380", "2", "s3cret")
    shared = Path(__file__).resolve().parents[2] / "bot" / "endpoints-shared.yml"
    text = shared.read_text(encoding="utf-8")
    for name in ("DAOFU_ACTION_ENDPOINT", "DAOFU_RASA_TRACKER_URL", "DAOFU_RASA_LOCK_HOST", "DAOFU_RASA_LOCK_PORT",
                 "DAOFU_RASA_LOCK_DB", "DAOFU_RASA_LOCK_PASSWORD"):
        assert "${" + name + "}" in text


@pytest.mark.parametrize("redis_url", ["http://cache:6379/0", "redis:///0", "redis://cache:6379/zero"])
def test_a_bad_redis_url_is_named(redis_url: str) -> None:
    with pytest.raises(ConfigurationError, match="DAOFU_REDIS_URL"):
        rasa_endpoints({"DAOFU_DATABASE_URL": POSTGRES, "DAOFU_REDIS_URL": redis_url})
