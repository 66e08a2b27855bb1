"""Live events between the desk's connections: widgets (per conversation) and staff consoles.

In-process by default; with ``DAOFU_REDIS_URL`` every replica publishes to Redis and relays what
it hears to its own connections, so a staff reply reaches a widget connected to another replica.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

logger = logging.getLogger(__name__)
_CHANNEL_PREFIX = "daofu:"
_QUEUE_LIMIT = 1000


class Hub:
    """Topic -> local subscriber queues; ``publish`` reaches every subscriber of the topic."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, topic: str, event: dict[str, Any]) -> None:
        self._deliver(topic, event)

    def _deliver(self, topic: str, event: dict[str, Any]) -> None:
        for queue in list(self._subscribers.get(topic, ())):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                logger.warning("subscriber of %s is too slow; dropped an event", topic)

    @contextlib.asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=_QUEUE_LIMIT)
        self._subscribers[topic].add(queue)
        try:
            yield queue
        finally:
            self._subscribers[topic].discard(queue)
            if not self._subscribers[topic]:
                self._subscribers.pop(topic, None)

    def subscriber_count(self, topic: str) -> int:
        return len(self._subscribers.get(topic, ()))


class RedisHub(Hub):
    """Publishes through Redis pub/sub; one listener per process fans events out locally."""

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis.asyncio as redis

        self._redis = redis.from_url(url)
        self._listener: asyncio.Task[None] | None = None

    async def start(self) -> None:
        pubsub = self._redis.pubsub()
        await pubsub.psubscribe(_CHANNEL_PREFIX + "*")
        self._listener = asyncio.create_task(self._listen(pubsub))

    async def _listen(self, pubsub: Any) -> None:
        async for message in pubsub.listen():
            if message.get("type") != "pmessage":
                continue
            channel = message["channel"].decode() if isinstance(message["channel"], bytes) else message["channel"]
            self._deliver(channel[len(_CHANNEL_PREFIX):], json.loads(message["data"]))

    async def stop(self) -> None:
        if self._listener:
            self._listener.cancel()
        await self._redis.aclose()

    async def publish(self, topic: str, event: dict[str, Any]) -> None:
        await self._redis.publish(_CHANNEL_PREFIX + topic, json.dumps(event, ensure_ascii=False, default=str))


def make_hub(redis_url: str) -> Hub:
    return RedisHub(redis_url) if redis_url else Hub()
