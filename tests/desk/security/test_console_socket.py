"""The staff console socket (issue 13 item 6): only allowed origins, closed on logout."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from desk.app import create_app
from desk.auth import create_staff
from desk.db import Database, migrate
from desk.security.origins import origin_allowed, parse_origins
from desk.settings import DeskSettings
from tests.browser import console_client
from tests.desk.conftest import ScriptedRasa, login

OWN = "http://testserver"  # the TestClient's Host header is "testserver"


def refused_code(client: TestClient, headers: dict[str, str]) -> int:
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws/console", headers=headers) as socket:
        socket.receive_json()
    return refused.value.code


def test_console_socket_takes_only_the_desks_own_origin(client: TestClient) -> None:
    login(client, "alice")
    with client.websocket_connect("/ws/console", headers={"Origin": OWN}) as socket:
        assert socket.receive_json()["type"] == "queue"
    # Another origin of the same site (another port, a subdomain) rides on the same cookie.
    assert refused_code(client, {"Origin": "http://testserver:8081"}) == 4403
    assert refused_code(client, {"Origin": "http://evil.testserver"}) == 4403
    assert refused_code(client, {"Origin": "null"}) == 4403
    assert refused_code(client, {}) == 4403  # no browser: no Origin


def test_allowed_origins_setting_adds_origins(desk_settings: DeskSettings) -> None:
    settings = DeskSettings(database_url=desk_settings.database_url, allowed_origins="https://desk.example.gov.cn:443")
    migrate(settings.database_url)
    app = create_app(settings, rasa=ScriptedRasa())  # type: ignore[arg-type]
    with Database(settings.database_url).session() as session:
        create_staff(session, "alice", "password-alice", "staff")
    with console_client(app) as client:
        login(client, "alice")
        with client.websocket_connect("/ws/console", headers={"Origin": "https://desk.example.gov.cn"}) as socket:
            assert socket.receive_json()["type"] == "queue"
        assert refused_code(client, {"Origin": "https://other.example.gov.cn"}) == 4403


def test_logout_closes_open_console_sockets(client: TestClient) -> None:
    login(client, "alice")
    with client.websocket_connect("/ws/console", headers={"Origin": OWN}) as socket:
        assert socket.receive_json()["type"] == "queue"
        assert client.post("/api/logout").status_code == 200
        with pytest.raises(WebSocketDisconnect) as closed:
            for _ in range(20):
                socket.receive_json()
        assert closed.value.code == 4401


@pytest.mark.parametrize(("origin", "host", "allowed", "expected"), [
    ("http://127.0.0.1:8000", "127.0.0.1:8000", "", True),
    ("http://127.0.0.1:8001", "127.0.0.1:8000", "", False),
    ("https://a.gov.cn", "desk.local", "https://a.gov.cn:443", True),
    ("HTTP://A.GOV.CN", "desk.local", "http://a.gov.cn", True),
    ("ftp://127.0.0.1:8000", "127.0.0.1:8000", "", False),
    (None, "127.0.0.1:8000", "", False),
])
def test_origin_rule(origin: str | None, host: str, allowed: str, expected: bool) -> None:
    assert origin_allowed(origin, host, parse_origins(allowed)) is expected
