"""Issue 13 item 12: malformed widget and console frames get an error frame; the socket stays usable."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.desk.conftest import ScriptedRasa, login, receive_until

DEEP = "[" * 5000 + "]" * 5000
BAD_FRAMES = {
    "lone surrogate, raw": '{"type": "message", "client_id": "c-1", "text": "办证\ud800"}',
    "lone surrogate, escaped": '{"type": "message", "client_id": "c-1", "text": "办证\\udc00"}',
    "surrogate in a key": '{"type": "hello", "\\ud800": 1}',
    "5000-deep array": DEEP,
    "5000-deep inside an object": '{"type": "message", "client_id": "c-1", "text": "x", "payload": ' + DEEP + "}",
    "5000-deep objects": '{"a":' * 5000 + "1" + "}" * 5000,
}


@pytest.mark.parametrize("frame", list(BAD_FRAMES.values()), ids=list(BAD_FRAMES))
def test_bad_widget_frames_get_an_error_frame_and_the_chat_goes_on(client: TestClient, rasa: ScriptedRasa,
                                                                  frame: str) -> None:
    with client.websocket_connect("/ws/widget") as websocket:
        websocket.send_json({"type": "hello", "conversation_id": None, "after": 0, "page": "http://example/"})
        receive_until(websocket, "welcome")
        websocket.send_text(frame)
        error = receive_until(websocket, "error")
        assert error["code"] == "bad_frame" and error["message"]
        websocket.send_json({"type": "message", "client_id": "c-2", "text": "营业执照丢了怎么办"})
        assert receive_until(websocket, "ack")["client_id"] == "c-2"
        assert receive_until(websocket, "message")["message"]["sender"] == "bot"
    assert [text for _, text in rasa.received] == ["营业执照丢了怎么办"]


def test_bad_frames_before_hello_are_answered_too(client: TestClient) -> None:
    with client.websocket_connect("/ws/widget") as websocket:
        for frame in BAD_FRAMES.values():
            websocket.send_text(frame)
            assert websocket.receive_json()["type"] == "error"
        websocket.send_json({"type": "ping"})
        assert websocket.receive_json() == {"type": "pong"}


def test_bad_console_frames_leave_the_console_socket_open(client: TestClient) -> None:
    login(client, "alice")
    with client.websocket_connect("/ws/console", headers={"Origin": "http://testserver"}) as console:
        assert console.receive_json()["type"] == "queue"
        for frame in BAD_FRAMES.values():
            console.send_text(frame)
        # The socket still delivers live events: a widget asking for a person shows up in the queue.
        with client.websocket_connect("/ws/widget") as websocket:
            websocket.send_json({"type": "hello", "conversation_id": None, "after": 0, "page": "http://example/"})
            receive_until(websocket, "welcome")
            websocket.send_json({"type": "handoff", "client_id": "h-1"})
            event = receive_until(console, "queue")
        assert len(event["items"]) == 1
