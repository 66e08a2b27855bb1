"""The widget socket (issue 13 items 3 and 7): a conversation resumes only with its resume token;
connecting stores nothing; message and connection floods get Chinese error frames; one rating,
only after a person served the chat; no message form while people are answering."""
from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from desk.app import create_app
from desk.db import migrate
from desk.models import Conversation, Handoff, Staff, utcnow
from desk.security.resume_tokens import resume_token_hash
from desk.settings import DeskSettings
from tests.browser import console_client
from tests.desk.conftest import ScriptedRasa, login, receive_until


def hello(websocket: Any, conversation_id: str | None = None, token: Any = None) -> dict[str, Any]:
    websocket.send_json({"type": "hello", "conversation_id": conversation_id, "after": 0, "page": "http://example/a",
                         "resume_token": token})
    return receive_until(websocket, "welcome")


def say(websocket: Any, client_id: str, text: str) -> dict[str, Any]:
    websocket.send_json({"type": "message", "client_id": client_id, "text": text})
    return receive_until(websocket, "ack")


def conversations(client: TestClient) -> list[Conversation]:
    service = client.app.state.service  # type: ignore[attr-defined]
    return asyncio.run(service.run(lambda s: list(s.scalars(select(Conversation)).all())))


def test_only_the_token_holder_resumes_a_conversation(client: TestClient) -> None:
    with client.websocket_connect("/ws/widget") as widget:
        first = hello(widget)
        token = first["resume_token"]
        say(widget, "c-1", "我的电话13812345678")
        receive_until(widget, "message")
    (row,) = conversations(client)
    assert row.resume_token_hash == resume_token_hash(token) and token not in row.resume_token_hash
    for wrong in (None, "", "x" * 43, token[:-1] + ("A" if token[-1] != "A" else "B"), 12345, "长" * 500):
        with client.websocket_connect("/ws/widget") as intruder:
            intruder.send_json({"type": "hello", "conversation_id": first["conversation_id"], "after": 0,
                                "resume_token": wrong})
            error = receive_until(intruder, "error")
            assert error["code"] == "unknown_conversation"  # the same answer as for an id that never existed
            welcome = receive_until(intruder, "welcome")
            assert welcome["conversation_id"] != first["conversation_id"] and welcome["messages"] == []
            assert welcome["resume_token"] != token
            # What the intruder writes goes to its own new conversation.
            say(intruder, "i-1", "冒充")
    with client.websocket_connect("/ws/widget") as owner:
        welcome = hello(owner, first["conversation_id"], token)
        assert welcome["conversation_id"] == first["conversation_id"] and "resume_token" not in welcome
        assert next(m["text"] for m in welcome["messages"]) == "我的电话13812345678"
        assert all(m["text"] != "冒充" for m in welcome["messages"])


def test_connecting_stores_nothing_until_the_first_message(client: TestClient) -> None:
    for _ in range(5):
        with client.websocket_connect("/ws/widget") as widget:
            hello(widget)
            widget.send_json({"type": "end"})
            widget.send_json({"type": "ping"})
            receive_until(widget, "pong")
    assert conversations(client) == []
    with client.websocket_connect("/ws/widget") as widget:
        conversation_id = hello(widget)["conversation_id"]
        say(widget, "c-1", "你好")
    (row,) = conversations(client)
    assert row.id == conversation_id and row.page_url == "http://example/a"


@pytest.fixture()
def limited(desk_settings: DeskSettings, rasa: ScriptedRasa) -> Iterator[TestClient]:
    settings = dataclasses.replace(desk_settings, widget_message_limit="3/minute", widget_client_message_limit="5/minute",
                                   widget_connection_limit="3/minute", widget_max_connections=2)
    migrate(settings.database_url)
    with console_client(create_app(settings, rasa=rasa)) as test_client:  # type: ignore[arg-type]
        yield test_client


def test_message_floods_get_an_error_frame_and_never_reach_the_bot(limited: TestClient, rasa: ScriptedRasa) -> None:
    with limited.websocket_connect("/ws/widget") as widget:
        hello(widget)
        for number in range(3):
            say(widget, f"m-{number}", f"问题{number}")
        widget.send_json({"type": "message", "client_id": "m-3", "text": "问题3"})
        error = receive_until(widget, "error")
        assert error["code"] == "rate_limited" and error["client_id"] == "m-3" and "太快" in error["message"]
        widget.send_json({"type": "ping"})
        assert receive_until(widget, "pong")  # the connection stays
    with limited.websocket_connect("/ws/widget") as other:  # same client, new connection: per-client limit
        hello(other)
        say(other, "n-0", "再问")
        say(other, "n-1", "再问2")
        other.send_json({"type": "message", "client_id": "n-2", "text": "再问3"})
        assert receive_until(other, "error")["code"] == "rate_limited"
    texts = [text for _, text in rasa.received]
    assert "问题3" not in texts and "再问3" not in texts and {"问题0", "问题1", "问题2"} <= set(texts)


def test_connection_floods_are_closed_with_an_error_frame(limited: TestClient) -> None:
    with limited.websocket_connect("/ws/widget") as one, limited.websocket_connect("/ws/widget") as two:
        hello(one)
        hello(two)
        with limited.websocket_connect("/ws/widget") as three:  # over DAOFU_WIDGET_MAX_CONNECTIONS
            error = three.receive_json()
            assert error["code"] == "too_many_connections" and "窗口过多" in error["message"]
    time.sleep(0.5)  # the server side of the closed sockets lets go of them
    with limited.websocket_connect("/ws/widget") as four:
        hello(four)
    with limited.websocket_connect("/ws/widget") as five:  # over DAOFU_WIDGET_CONNECTION_LIMIT (3/minute; the refused one did not count)
        error = five.receive_json()
        assert error["code"] == "too_many_connections" and "频繁" in error["message"]


def set_staff_online(client: TestClient, online: bool) -> None:
    service = client.app.state.service  # type: ignore[attr-defined]
    seen = utcnow() if online else None
    asyncio.run(service.run(lambda s: s.execute(update(Staff).values(last_seen=seen))))


def test_one_rating_and_only_after_a_person_served(client: TestClient) -> None:
    with client.websocket_connect("/ws/widget") as widget:
        conversation_id = hello(widget)["conversation_id"]
        say(widget, "c-1", "营业执照怎么办")
        receive_until(widget, "message")
        widget.send_json({"type": "rate", "score": 5})
        error = receive_until(widget, "error")
        assert error["code"] == "conflict" and "人工客服服务过" in error["message"]
        login(client, "alice")
        set_staff_online(client, True)
        widget.send_json({"type": "handoff", "client_id": "h-1"})
        assert receive_until(widget, "status")["status"] == "queued"
        (item,) = client.get("/api/queue").json()
        client.post(f"/api/handoffs/{item['handoff_id']}/claim")
        client.post(f"/api/conversations/{conversation_id}/resolve")
        widget.send_json({"type": "rate", "score": 2, "comment": "慢"})
        receive_until(widget, "rated")
        widget.send_json({"type": "rate", "score": 5})
        assert "已经评价过" in receive_until(widget, "error")["message"]
    (row,) = conversations(client)
    assert row.rating == 2 and row.rating_comment == "慢"


def test_no_message_form_while_people_answer(client: TestClient) -> None:
    set_staff_online(client, True)
    with client.websocket_connect("/ws/widget") as widget:
        conversation_id = hello(widget)["conversation_id"]
        widget.send_json({"type": "leave_message", "client_id": "l-1", "question": "取水许可要多久？",
                          "contact": "13800000000"})
        error = receive_until(widget, "error")
        assert error["code"] == "staff_available" and "转人工" in error["message"] and error["client_id"] == "l-1"
        say(widget, "c-1", "你好")
        # The bot's "leave a message" hand-off queues the chat for the people online instead.
        service = client.app.state.service  # type: ignore[attr-defined]
        assert asyncio.run(service.escalate(conversation_id, "leave_message")) == {"type": "queued"}
    count = asyncio.run(service.run(lambda s: s.scalar(select(func.count()).select_from(Handoff))))
    assert count == 1
    set_staff_online(client, False)
    with client.websocket_connect("/ws/widget") as widget:
        hello(widget)
        widget.send_json({"type": "leave_message", "client_id": "l-2", "question": "取水许可要多久？",
                          "contact": "13800000000"})
        assert receive_until(widget, "ticket")["tracking_number"]
