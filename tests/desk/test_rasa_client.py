"""The desk's Rasa client over several replicas: each conversation sticks to one (its tracker
lives there), the same one in every desk process, and the replicas share the conversations."""
from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest

from desk.rasa_client import BotUnavailable, RasaClient

REPLICAS = ["http://127.0.0.1:5005", "http://127.0.0.1:5006"]


def recording_transport(seen: list[tuple[str, str]], fail_port: int | None = None) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.port == fail_port:
            raise httpx.ConnectError("connection refused", request=request)
        body = json.loads(request.content)
        sender = body["sender"] if isinstance(body, dict) else request.url.path.split("/")[2]
        seen.append((sender, f"{request.url.host}:{request.url.port}"))
        return httpx.Response(200, json=[{"recipient_id": sender, "text": "好的"}] if isinstance(body, dict) else {})
    return httpx.MockTransport(handle)


def test_each_conversation_sticks_to_one_replica_and_both_are_used() -> None:
    seen: list[tuple[str, str]] = []
    conversations = [uuid.uuid4().hex for _ in range(200)]

    async def talk() -> None:
        client = RasaClient(REPLICAS, timeout=5, transport=recording_transport(seen))
        for conversation in conversations:
            assert await client.send(conversation, "你好") == [{"recipient_id": conversation, "text": "好的"}]
            await client.resume(conversation)
            await client.send(conversation, "谢谢")
        await client.close()
    asyncio.run(talk())

    replica_of: dict[str, set[str]] = {}
    for conversation, replica in seen:
        replica_of.setdefault(conversation, set()).add(replica)
    assert all(len(replicas) == 1 for replicas in replica_of.values())
    counts = {replica: sum(r == {replica} for r in replica_of.values()) for replica in ("127.0.0.1:5005", "127.0.0.1:5006")}
    assert min(counts.values()) > 60, counts  # a fair share each (200 conversations)

    # Another desk process (or the same after a restart) picks the same replica.
    other = RasaClient(list(REPLICAS), timeout=5)
    assert all({f"127.0.0.1:{5005 + other.replica(c)}"} == replica_of[c] for c in conversations)


def test_one_url_is_one_replica() -> None:
    client = RasaClient("http://127.0.0.1:5005/", timeout=5)
    assert {client.replica(uuid.uuid4().hex) for _ in range(20)} == {0}
    with pytest.raises(ValueError, match="at least one"):
        RasaClient([], timeout=5)


def test_a_replica_that_is_down_fails_only_its_conversations() -> None:
    seen: list[tuple[str, str]] = []
    client = RasaClient(REPLICAS, timeout=5, transport=recording_transport(seen, fail_port=5006))
    on_down = next(c for c in (uuid.uuid4().hex for _ in range(100)) if client.replica(c) == 1)
    on_up = next(c for c in (uuid.uuid4().hex for _ in range(100)) if client.replica(c) == 0)

    async def talk() -> None:
        assert await client.send(on_up, "你好")
        with pytest.raises(BotUnavailable):
            await client.send(on_down, "你好")
    asyncio.run(talk())


def test_with_shared_trackers_turns_go_round_the_replicas_and_skip_a_dead_one() -> None:
    seen: list[tuple[str, str]] = []
    client = RasaClient(REPLICAS, timeout=5, transport=recording_transport(seen), shared=True)
    conversation = uuid.uuid4().hex

    async def talk() -> None:
        for _ in range(4):
            assert await client.send(conversation, "你好")
    asyncio.run(talk())
    assert sorted(replica for _, replica in seen) == ["127.0.0.1:5005"] * 2 + ["127.0.0.1:5006"] * 2

    seen.clear()
    half_down = RasaClient(REPLICAS, timeout=5, transport=recording_transport(seen, fail_port=5006), shared=True)

    async def talk_on() -> None:
        for _ in range(4):
            assert await half_down.send(conversation, "你好")
            await half_down.resume(conversation)
    asyncio.run(talk_on())
    assert {replica for _, replica in seen} == {"127.0.0.1:5005"} and len(seen) == 8

    all_down = RasaClient(["http://127.0.0.1:5006"], timeout=5, transport=recording_transport([], fail_port=5006), shared=True)
    with pytest.raises(BotUnavailable):
        asyncio.run(all_down.send(conversation, "你好"))


def test_only_postgresql_with_redis_shares_dialogue_state() -> None:
    from desk.rasa_client import shares_dialogue_state

    assert shares_dialogue_state("postgresql+psycopg://daofu@db/daofu", "redis://cache:6379/0")
    assert not shares_dialogue_state("postgresql+psycopg://daofu@db/daofu", "")
    assert not shares_dialogue_state("sqlite:///var/desk.sqlite3", "redis://cache:6379/0")
