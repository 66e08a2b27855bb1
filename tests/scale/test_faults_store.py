"""Faults of the shared servers (issue 15, points 4 and 5): PostgreSQL restarted, Redis down.

Real desk apps on real PostgreSQL and Redis servers of their own (tests/scale/servers.py), stopped
and started again mid-test. Rasa is the scripted fake (tests/fakes.py): these faults are not Rasa's.
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import WebSocketDisconnect
from fastapi.testclient import TestClient
from sqlalchemy import select

from desk.app import create_app
from desk.auth import create_staff
from desk.db import Database, migrate
from desk.models import Message
from desk.settings import DeskSettings
from tests.browser import console_client
from tests.desk.conftest import ScriptedRasa, receive_until
from tests.scale.servers import PostgresServer, RedisServer, postgres_server, redis_server

pytestmark = [pytest.mark.scale, pytest.mark.timeout(120)]
LOGIN = {"username": "alice", "password": "password-alice"}


@pytest.fixture()
def own_postgres() -> Iterator[PostgresServer]:
    """A server of this test's own: stopping it must not disturb the session's."""
    with postgres_server() as server:
        yield server


@pytest.fixture()
def own_redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


def prepared_store(url: str) -> None:
    migrate(url)
    database = Database(url)
    with database.session() as session:
        create_staff(session, "alice", "password-alice", "staff", "王小丽")
    database.engine.dispose()


@contextlib.contextmanager
def desks(count: int, database_url: str, redis_url: str = "") -> Iterator[list[TestClient]]:
    settings = DeskSettings(database_url=database_url, redis_url=redis_url, demand_sweep_seconds=0, rasa_timeout=2.0)
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(console_client(create_app(settings, rasa=ScriptedRasa())))  # type: ignore[arg-type]
               for _ in range(count)]


def user_texts(url: str, conversation_id: str) -> list[str]:
    database = Database(url)
    try:
        with database.session() as session:
            return list(session.scalars(select(Message.text).where(Message.conversation_id == conversation_id,
                                                                   Message.sender == "user").order_by(Message.id)))
    finally:
        database.engine.dispose()


def until_frame(websocket: Any, wanted: dict[str, Any], limit: int = 50) -> None:
    for _ in range(limit):
        frame = websocket.receive_json()
        if all(frame.get(key) == value for key, value in wanted.items()):
            return
    raise AssertionError(f"no frame like {wanted} in {limit} frames")


def test_postgres_restart_answers_503_in_chinese_and_loses_nothing_acknowledged(own_postgres: PostgresServer) -> None:
    url = own_postgres.create_database("faults")
    prepared_store(url)
    with desks(1, url) as (desk,):
        assert desk.post("/api/login", json=LOGIN).status_code == 200
        with desk.websocket_connect("/ws/widget") as widget:
            widget.send_json({"type": "hello", "conversation_id": None, "after": 0})
            welcome = receive_until(widget, "welcome")
            conversation_id, resume_token = welcome["conversation_id"], welcome["resume_token"]
            widget.send_json({"type": "message", "client_id": "m-1", "text": "你好"})
            assert receive_until(widget, "ack")["client_id"] == "m-1"
            receive_until(widget, "message")  # the user's own message echoed or the bot's reply
            time.sleep(0.5)  # the bot's reply is stored before the outage begins

            with own_postgres.stopped():
                refused = desk.get("/api/queue")
                assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
                assert refused.json()["detail"] == "数据库暂时无法连接，请稍后再试；服务恢复后会自动继续。"
                # A widget message that cannot be stored is not acknowledged; the desk closes the
                # socket ("try again later") so the widget reconnects and re-sends it.
                widget.send_json({"type": "message", "client_id": "m-2", "text": "需要什么材料"})
                not_stored = receive_until(widget, "error")
                assert not_stored["code"] == "store_unavailable" and not_stored.get("client_id") is None
                with pytest.raises(WebSocketDisconnect) as closed:
                    widget.receive_json()
                assert closed.value.code == 1013

        # Back without restarting the desk: the pool's pre-ping replaces the dead connections.
        assert desk.get("/api/queue").status_code == 200
        with desk.websocket_connect("/ws/widget") as widget:
            widget.send_json({"type": "hello", "conversation_id": conversation_id, "after": 0,
                              "resume_token": resume_token})
            assert receive_until(widget, "welcome")["conversation_id"] == conversation_id
            widget.send_json({"type": "message", "client_id": "m-2", "text": "需要什么材料"})
            assert receive_until(widget, "ack")["client_id"] == "m-2"
            widget.send_json({"type": "message", "client_id": "m-2", "text": "需要什么材料"})  # a re-send
            assert receive_until(widget, "ack")["client_id"] == "m-2"
    assert user_texts(url, conversation_id) == ["你好", "需要什么材料"]


def test_a_desk_starts_and_serves_while_redis_is_down(pg_url: str, own_redis: RedisServer) -> None:
    prepared_store(pg_url)
    with own_redis.stopped(), desks(1, pg_url, own_redis.url()) as (desk,):
        assert desk.get("/healthz").status_code == 200
        assert desk.post("/api/login", json=LOGIN).status_code == 200
        with desk.websocket_connect("/ws/console", headers={"Origin": "http://testserver"}) as console:
            receive_until(console, "queue")
            assert receive_until(console, "live") == {"type": "live", "ok": False}
        with desk.websocket_connect("/ws/widget") as widget:
            widget.send_json({"type": "hello", "conversation_id": None, "after": 0})
            receive_until(widget, "welcome")
            widget.send_json({"type": "message", "client_id": "m-1", "text": "转人工"})
            assert receive_until(widget, "ack")["client_id"] == "m-1"
            # This desk's own widget still hears its events (delivered locally).
            assert receive_until(widget, "status")["status"] == "queued"
        assert len(desk.get("/api/queue").json()) == 1


def test_redis_down_degrades_to_refresh_and_recovers_without_restart(pg_url: str, own_redis: RedisServer) -> None:
    prepared_store(pg_url)
    with desks(2, pg_url, own_redis.url()) as (desk_a, desk_b):
        assert desk_b.post("/api/login", json=LOGIN).status_code == 200
        with desk_b.websocket_connect("/ws/console", headers={"Origin": "http://testserver"}) as console, \
                desk_a.websocket_connect("/ws/widget") as widget:
            assert receive_until(console, "queue")["items"] == []
            widget.send_json({"type": "hello", "conversation_id": None, "after": 0})
            receive_until(widget, "welcome")

            with own_redis.stopped():
                until_frame(console, {"type": "live", "ok": False})
                # Requests do not fail: the escalation is stored and the console's refresh shows it.
                widget.send_json({"type": "message", "client_id": "m-1", "text": "转人工"})
                assert receive_until(widget, "ack")["client_id"] == "m-1"
                deadline = time.monotonic() + 10
                while not (queue := desk_b.get("/api/queue").json()):
                    assert time.monotonic() < deadline, "the escalation never reached the store"
                    time.sleep(0.2)
                assert len(queue) == 1

            # Redis is back: the listener reconnects by itself and live events cross desks again.
            until_frame(console, {"type": "live", "ok": True}, limit=200)
            handoff_id = queue[0]["handoff_id"]
            assert desk_b.post(f"/api/handoffs/{handoff_id}/claim").status_code == 200
            # The claim on desk B reaches the widget on desk A through Redis again.
            until_frame(widget, {"type": "status", "status": "live", "staff_name": "王小丽"})
