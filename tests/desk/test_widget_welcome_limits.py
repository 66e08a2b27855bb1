"""The widget learns the desk's limits from the welcome frame (desk/PROTOCOL.md): the message length
it sends is the one the gateway enforces, whatever DAOFU_MAX_MESSAGE_CHARS says."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from desk.app import create_app
from desk.db import migrate
from desk.settings import DeskSettings
from tests.browser import console_client
from tests.desk.conftest import ScriptedRasa, receive_until


@pytest.fixture()
def short_client(desk_settings: DeskSettings) -> Iterator[TestClient]:
    settings = DeskSettings(**{**desk_settings.__dict__, "max_message_chars": 12})
    migrate(settings.database_url)
    with console_client(create_app(settings, rasa=ScriptedRasa())) as client:  # type: ignore[arg-type]
        yield client


def welcome(websocket) -> dict:  # type: ignore[no-untyped-def,type-arg]
    websocket.send_json({"type": "hello", "conversation_id": None, "resume_token": None, "after": 0, "page": "http://example/"})
    return receive_until(websocket, "welcome")


def test_welcome_carries_the_default_limits(client: TestClient) -> None:
    with client.websocket_connect("/ws/widget") as websocket:
        frame = welcome(websocket)
    assert frame["limits"] == {"max_message_chars": 2000}
    assert frame["catalog"] == "广东省政务服务事项目录"


def test_welcome_limit_is_the_one_the_gateway_enforces(short_client: TestClient) -> None:
    with short_client.websocket_connect("/ws/widget") as websocket:
        limit = welcome(websocket)["limits"]["max_message_chars"]
        assert limit == 12
        websocket.send_json({"type": "message", "client_id": "c-long", "text": "开" * (limit + 1)})
        refused = receive_until(websocket, "error")
        assert refused["client_id"] == "c-long" and f"{limit} 字以内" in refused["message"]
        websocket.send_json({"type": "message", "client_id": "c-fits", "text": "开" * limit})
        assert receive_until(websocket, "ack")["client_id"] == "c-fits"
