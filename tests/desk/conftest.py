from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from desk.app import create_app
from desk.auth import create_staff
from desk.db import Database, migrate
from desk.settings import DeskSettings
from tests.browser import console_client
from tests.fakes import ScriptedRasa


@pytest.fixture()
def desk_settings(tmp_path: Path) -> DeskSettings:
    return DeskSettings(database_url=f"sqlite:///{tmp_path / 'desk.sqlite3'}", rasa_timeout=2.0,
                        wait_warning_seconds=60)


@pytest.fixture()
def rasa() -> ScriptedRasa:
    return ScriptedRasa()


@pytest.fixture()
def client(desk_settings: DeskSettings, rasa: ScriptedRasa) -> Iterator[TestClient]:
    migrate(desk_settings.database_url)
    app = create_app(desk_settings, rasa=rasa)  # type: ignore[arg-type]
    with Database(desk_settings.database_url).session() as session:
        create_staff(session, "alice", "password-alice", "staff", "王小丽")
        create_staff(session, "bob", "password-bob1", "staff", "李明")
        create_staff(session, "admin", "password-admin", "admin", "管理员")
    with console_client(app) as test_client:
        yield test_client


def login(client: TestClient, username: str) -> TestClient:
    response = client.post("/api/login", json={"username": username, "password": f"password-{username}" if username != "bob" else "password-bob1"})
    assert response.status_code == 200, response.text
    return client


def receive_until(websocket: Any, kind: str, limit: int = 20) -> dict[str, Any]:
    for _ in range(limit):
        frame = websocket.receive_json()
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame in {limit} frames")
