"""Two desk processes' worth of state on one PostgreSQL + Redis: live events and rate limits shared."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from desk.app import create_app
from desk.auth import create_staff
from desk.db import Database, migrate
from desk.hub import RedisHub
from desk.settings import DeskSettings
from tests.browser import console_client
from tests.desk.conftest import ScriptedRasa, receive_until

pytestmark = [pytest.mark.scale, pytest.mark.timeout(60)]
BODY = {"category": "求助", "content": "取水许可证延续一直没有办下来，请帮忙催办",
        "enterprise_name": "某某水务有限公司", "contact_name": "张三", "contact_phone": "13812345678"}


def test_an_event_published_on_one_hub_reaches_the_other(redis_url: str) -> None:
    async def scenario() -> dict[str, object]:
        first, second = RedisHub(redis_url), RedisHub(redis_url)
        await first.start()
        await second.start()
        try:
            async with second.subscribe("conversation:abc") as events:
                async with redis.asyncio.from_url(redis_url) as probe:
                    # Both listeners' pattern subscriptions are in place before anything is published.
                    for _ in range(50):
                        if await probe.execute_command("PUBSUB", "NUMPAT") >= 2:
                            break
                        await asyncio.sleep(0.05)
                await first.publish("conversation:other", {"type": "message", "text": "不该收到"})
                await first.publish("conversation:abc", {"type": "message", "text": "您好，我来帮您。"})
                return await asyncio.wait_for(events.get(), timeout=5)
        finally:
            await first.stop()
            await second.stop()

    assert asyncio.run(scenario()) == {"type": "message", "text": "您好，我来帮您。"}


@contextlib.contextmanager
def two_desks(pg_url: str, redis_url: str, **settings: object) -> Iterator[tuple[TestClient, TestClient]]:
    """Two desk apps, as two replicas behind a proxy would be, on one store and one Redis."""
    desk_settings = DeskSettings(database_url=pg_url, redis_url=redis_url, demand_sweep_seconds=0,
                                 rasa_timeout=2.0, **settings)  # type: ignore[arg-type]
    migrate(desk_settings.database_url)
    apps = [create_app(desk_settings, rasa=ScriptedRasa()) for _ in range(2)]  # type: ignore[arg-type]
    database = Database(pg_url)
    with database.session() as session:
        create_staff(session, "alice", "password-alice", "staff", "王小丽")
    database.engine.dispose()
    with console_client(apps[0]) as first, console_client(apps[1]) as second:
        yield first, second


def test_widget_on_one_desk_and_staff_on_the_other_see_each_other_live(pg_url: str, redis_url: str) -> None:
    with two_desks(pg_url, redis_url) as (desk_a, desk_b):
        assert desk_b.post("/api/login", json={"username": "alice", "password": "password-alice"}).status_code == 200
        with desk_b.websocket_connect("/ws/console", headers={"Origin": "http://testserver"}) as console, desk_a.websocket_connect("/ws/widget") as widget:
            assert receive_until(console, "queue")["items"] == []
            widget.send_json({"type": "hello", "conversation_id": None, "after": 0})
            conversation_id = receive_until(widget, "welcome")["conversation_id"]
            widget.send_json({"type": "message", "client_id": "m-1", "text": "转人工"})
            receive_until(widget, "ack")
            assert receive_until(widget, "status")["status"] == "queued"

            # The escalation on desk A reaches the console on desk B through Redis.
            queued = receive_until(console, "queue")["items"]
            (item,) = [entry for entry in queued if entry["conversation_id"] == conversation_id]

            assert desk_b.post(f"/api/handoffs/{item['handoff_id']}/claim").status_code == 200
            live = receive_until(widget, "status")
            assert live["status"] == "live" and live["staff_name"] == "王小丽"
            assert desk_b.post(f"/api/conversations/{conversation_id}/reply",
                               json={"text": "您好，我来帮您。"}).status_code == 200
            texts = []
            while "您好，我来帮您。" not in texts:
                texts.append(receive_until(widget, "message")["message"]["text"])
            assert texts.count("您好，我来帮您。") == 1


def test_demand_rate_limit_counts_filings_on_every_desk(pg_url: str, redis_url: str) -> None:
    with two_desks(pg_url, redis_url, demand_rate_limit="2/minute") as (desk_a, desk_b):
        assert desk_a.post("/api/demands", json=BODY).status_code == 201
        assert desk_b.post("/api/demands", json=BODY).status_code == 201
        refused = desk_a.post("/api/demands", json=BODY)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert desk_b.post("/api/demands", json=BODY).status_code == 429
        # The counters live in Redis, not in either process.
        with redis.Redis.from_url(redis_url) as client:
            assert client.keys("*file*")


def test_a_staff_login_on_one_desk_holds_on_the_other(pg_url: str, redis_url: str) -> None:
    """Staff sessions live in the shared store: a proxy may send the next request to any desk."""
    with two_desks(pg_url, redis_url) as (desk_a, desk_b):
        assert desk_b.get("/api/me").status_code == 401
        assert desk_a.post("/api/login", json={"username": "alice", "password": "password-alice"}).status_code == 200
        desk_b.cookies.update(desk_a.cookies)
        assert desk_b.get("/api/me").json()["display_name"] == "王小丽"
        assert desk_b.post("/api/logout").status_code in (200, 204)
        assert desk_a.get("/api/me").status_code == 401
