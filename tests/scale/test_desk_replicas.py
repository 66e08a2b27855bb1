"""Several desk processes: what the launcher starts (fast) and migrations started at once (scale)."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from daofu_core.errors import ConfigurationError
from desk.db import migrate
from launcher.processes import services, start_stages
from launcher.settings import ServiceSettings

SHARED = {"DAOFU_DATABASE_URL": "postgresql+psycopg://daofu@127.0.0.1:5432/daofu", "DAOFU_REDIS_URL": "redis://127.0.0.1:6379/0",
          "DAOFU_DESK_PORT": "6300"}


def model(tmp_path: Path) -> Path:
    path = tmp_path / "daofu.tar.gz"
    path.write_bytes(b"model")
    return path


def test_desk_replicas_on_consecutive_ports_start_together(tmp_path: Path) -> None:
    found = services(ServiceSettings(rasa_model=model(tmp_path), rasa_replicas=2, desk_replicas=3), SHARED)
    assert [s.name for s in found] == ["actions", "rasa", "rasa-2", "desk", "desk-2", "desk-3"]
    desks = found[3:]
    assert [d.health_url for d in desks] == [f"http://127.0.0.1:{port}/healthz" for port in (6300, 6301, 6302)]
    assert [d.environment["DAOFU_DESK_PORT"] for d in desks] == ["6300", "6301", "6302"]
    assert all(d.environment["DAOFU_DESK_RASA_URL"] == "http://127.0.0.1:5005,http://127.0.0.1:5006" for d in desks)
    assert [[s.name for s in stage] for stage in start_stages(found)][-1] == ["desk", "desk-2", "desk-3"]
    # Shared trackers: the replicas run on bot/endpoints-shared.yml.
    assert "bot/endpoints-shared.yml" in found[1].command


def test_several_desks_without_a_shared_store_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="DAOFU_DESK_REPLICAS=2 needs DAOFU_DATABASE_URL on PostgreSQL"):
        services(ServiceSettings(rasa_model=model(tmp_path), desk_replicas=2), {"DAOFU_DESK_PORT": "6300"})
    with pytest.raises(ConfigurationError, match="1-16"):
        ServiceSettings(desk_replicas=0)


@pytest.mark.scale
@pytest.mark.timeout(120)
def test_desks_migrating_at_once_do_not_collide(pg_url: str) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def desk_start() -> None:
        barrier.wait()
        try:
            migrate(pg_url)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=desk_start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=100)
    assert errors == []
    engine = create_engine(pg_url)
    try:
        assert {"conversations", "reindex_jobs"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.scale
@pytest.mark.timeout(120)
def test_desks_starting_at_once_on_a_fresh_store_all_serve(pg_url: str) -> None:
    """Each desk seeds the catalog's departments at start; three at once must not trip over each other."""
    from fastapi.testclient import TestClient

    from desk.app import create_app
    from desk.settings import DeskSettings
    from tests.fakes import ScriptedRasa

    migrate(pg_url)
    settings = DeskSettings(database_url=pg_url, demand_sweep_seconds=0)
    apps = [create_app(settings, rasa=ScriptedRasa()) for _ in range(3)]  # type: ignore[arg-type]
    barrier = threading.Barrier(len(apps))
    answers: list[int | BaseException] = []

    def desk_start(app: object) -> None:
        barrier.wait()
        try:
            with TestClient(app) as client:  # type: ignore[arg-type]
                answers.append(client.get("/healthz").status_code)
        except BaseException as error:
            answers.append(error)

    threads = [threading.Thread(target=desk_start, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=100)
    assert answers == [200, 200, 200]
    engine = create_engine(pg_url)
    try:
        with engine.connect() as connection:
            names = [row[0] for row in connection.exec_driver_sql("SELECT catalog_name FROM departments")]
    finally:
        engine.dispose()
    assert names and len(names) == len(set(names))
