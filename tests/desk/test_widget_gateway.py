"""The widget's WebSocket: storing, relaying, reconnecting, bad frames (in process, scripted Rasa)."""
from __future__ import annotations

import json
import time

from fastapi.testclient import TestClient

from tests.desk.conftest import ScriptedRasa, receive_until

# Each conversation's resume token, as the widget keeps it in its local storage.
_TOKENS: dict[str, str] = {}


def hello(websocket, conversation_id=None, after=0):  # type: ignore[no-untyped-def]
    websocket.send_json({"type": "hello", "conversation_id": conversation_id, "after": after, "page": "http://example/",
                         "resume_token": _TOKENS.get(conversation_id or "")})
    welcome = receive_until(websocket, "welcome")
    if "resume_token" in welcome:
        _TOKENS[welcome["conversation_id"]] = welcome["resume_token"]
    return welcome


def test_message_is_stored_acked_and_answered(client: TestClient, rasa: ScriptedRasa) -> None:
    with client.websocket_connect("/ws/widget") as websocket:
        welcome = hello(websocket)
        conversation_id = welcome["conversation_id"]
        assert welcome["status"] == "bot" and welcome["messages"] == []
        websocket.send_json({"type": "message", "client_id": "c-1", "text": "营业执照丢了怎么办"})
        ack = receive_until(websocket, "ack")
        assert ack["client_id"] == "c-1" and isinstance(ack["id"], int)
        reply = receive_until(websocket, "message")["message"]
        assert reply["sender"] == "bot" and reply["payload"]["custom"]["item_card"]["name"] == "新增取水许可"
    assert rasa.received == [(conversation_id, "营业执照丢了怎么办")]


def test_reconnect_restores_without_loss_or_duplicates(client: TestClient, rasa: ScriptedRasa) -> None:
    with client.websocket_connect("/ws/widget") as websocket:
        conversation_id = hello(websocket)["conversation_id"]
        websocket.send_json({"type": "message", "client_id": "c-1", "text": "第一句"})
        first_ack = receive_until(websocket, "ack")
        receive_until(websocket, "message")
    with client.websocket_connect("/ws/widget") as websocket:
        welcome = hello(websocket, conversation_id, after=0)
        assert [m["sender"] for m in welcome["messages"]] == ["user", "bot"]
        assert welcome["messages"][0]["client_id"] == "c-1"
        # The widget re-sends a message it never saw acknowledged: stored once, relayed once.
        websocket.send_json({"type": "message", "client_id": "c-1", "text": "第一句"})
        assert receive_until(websocket, "ack")["id"] == first_ack["id"]
        websocket.send_json({"type": "ping"})
        assert receive_until(websocket, "pong") == {"type": "pong"}
        later = hello(websocket, conversation_id, after=welcome["messages"][-1]["id"])
        assert later["messages"] == []
    assert len(rasa.received) == 1


def test_bad_frames_get_error_frames_and_the_connection_survives(client: TestClient) -> None:
    with client.websocket_connect("/ws/widget") as websocket:
        websocket.send_json({"type": "message", "client_id": "x", "text": "before hello"})
        assert receive_until(websocket, "error")["code"] == "bad_frame"
        hello(websocket)
        cases = [
            json.dumps({"type": "message", "client_id": "a", "text": ""}),
            json.dumps({"type": "message", "client_id": "b", "text": "长" * 20000}),
            json.dumps({"type": "message", "text": "no client id"}),
            json.dumps({"type": "what"}),
            json.dumps([1, 2, 3]),
            "{not json",
            "x" * (70 * 1024),
            json.dumps({"type": "rate", "score": "five"}),
            json.dumps({"type": "message", "client_id": "c", "text": "hi", "payload": "<script>"}),
        ]
        for frame in cases:
            websocket.send_text(frame)
            error = receive_until(websocket, "error")
            assert error["message"] and error["code"] == "bad_frame", (frame[:40], error)
        websocket.send_bytes(b"\x00\xff\xfe binary")
        assert receive_until(websocket, "error")["code"] == "bad_frame"
        websocket.send_json({"type": "ping"})
        assert receive_until(websocket, "pong")


def test_unknown_conversation_starts_a_new_one(client: TestClient) -> None:
    with client.websocket_connect("/ws/widget") as websocket:
        websocket.send_json({"type": "hello", "conversation_id": "no-such-conversation", "after": 0})
        error = receive_until(websocket, "error")
        assert error["code"] == "unknown_conversation"
        welcome = receive_until(websocket, "welcome")
        assert welcome["conversation_id"] != "no-such-conversation"


def test_html_is_stored_as_text(client: TestClient) -> None:
    with client.websocket_connect("/ws/widget") as websocket:
        conversation_id = hello(websocket)["conversation_id"]
        websocket.send_json({"type": "message", "client_id": "h", "text": "<img src=x onerror=alert(1)>"})
        receive_until(websocket, "ack")
        receive_until(websocket, "message")
    with client.websocket_connect("/ws/widget") as websocket:
        welcome = hello(websocket, conversation_id)
        assert welcome["messages"][0]["text"] == "<img src=x onerror=alert(1)>"


def test_bot_timeout_tells_the_user_and_keeps_the_message(client: TestClient, rasa: ScriptedRasa) -> None:
    rasa.fail = True
    with client.websocket_connect("/ws/widget") as websocket:
        conversation_id = hello(websocket)["conversation_id"]
        websocket.send_json({"type": "message", "client_id": "t", "text": "有人吗"})
        receive_until(websocket, "ack")
        notice = receive_until(websocket, "message")["message"]
        assert notice["sender"] == "system" and "转人工" in notice["text"]
    with client.websocket_connect("/ws/widget") as websocket:
        assert next(m["text"] for m in hello(websocket, conversation_id)["messages"]) == "有人吗"


def test_a_turn_rasa_answers_with_nothing_still_gets_an_answer(client: TestClient, rasa: ScriptedRasa) -> None:
    rasa.silent = True  # found by bench/desk_load.py: the user waited for a reply that never came
    with client.websocket_connect("/ws/widget") as websocket:
        hello(websocket)
        websocket.send_json({"type": "message", "client_id": "s", "text": "嗯"})
        receive_until(websocket, "ack")
        notice = receive_until(websocket, "message")["message"]
        assert notice["sender"] == "system" and notice["payload"]["custom"]["bot_silent"]


def test_messages_of_one_conversation_are_relayed_in_order(client: TestClient, rasa: ScriptedRasa) -> None:
    rasa.delay = 0.05
    with client.websocket_connect("/ws/widget") as websocket:
        hello(websocket)
        for i in range(5):
            websocket.send_json({"type": "message", "client_id": f"o-{i}", "text": f"问题{i}"})
        replies = []
        deadline = time.monotonic() + 10
        while len(replies) < 5 and time.monotonic() < deadline:
            frame = websocket.receive_json()
            if frame["type"] == "message":
                replies.append(frame["message"]["text"])
    assert replies == [f"机器人回答：问题{i}" for i in range(5)]


def test_text_and_custom_of_one_utterance_become_one_message() -> None:
    from desk.service import merge_replies

    replies = [{"text": "【新增取水许可】…"}, {"custom": {"item_card": {"name": "新增取水许可"}}},
               {"text": "您想了解哪一项？", "buttons": [{"title": "A", "payload": "/choose"}]},
               {"custom": {"handoff": {"reason": "user_request"}}}]
    merged = merge_replies(replies)
    assert merged[0] == ("【新增取水许可】…", {"custom": {"item_card": {"name": "新增取水许可"}}})
    assert merged[1][1] == {"buttons": [{"title": "A", "payload": "/choose"}], "custom": {"handoff": {"reason": "user_request"}}}
    assert len(merged) == 2
