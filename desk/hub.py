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
        # False while events cannot reach the other desk processes (RedisHub without Redis).
        self.live = True

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
    """Publishes through Redis pub/sub; one listener per process fans events out locally.

    Redis being down degrades, never fails: the hub starts anyway, a publish that cannot reach
    Redis is delivered to this process's own connections (nothing reached the others, so nothing
    arrives twice), and the listener reconnects by itself. Each change is told to the consoles as
    ``{"type": "live", "ok": bool}`` on ``status_topic``: they refresh periodically meanwhile."""

    def __init__(self, url: str, status_topic: str = "console", retry_seconds: float = 1.0) -> None:
        super().__init__()
        import redis.asyncio as redis

        # A connect timeout: a Redis host that drops packets must not hold a request for minutes.
        self._redis = redis.from_url(url, socket_connect_timeout=2.0)
        self._listener: asyncio.Task[None] | None = None
        self._status_topic = status_topic
        self._retry_seconds = retry_seconds
        self.live = False

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen_forever())

    async def _listen_forever(self) -> None:
        from redis.exceptions import RedisError

        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.psubscribe(_CHANNEL_PREFIX + "*")
                self._set_live(True)
                await self._listen(pubsub)
            except (RedisError, OSError) as error:
                if self.live:
                    logger.warning("Redis unreachable (%s): live events stay on this desk until it is back", error)
                self._set_live(False)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            await asyncio.sleep(self._retry_seconds)

    def _set_live(self, live: bool) -> None:
        if live != self.live:
            self.live = live
            self._deliver(self._status_topic, {"type": "live", "ok": live})

    async def _listen(self, pubsub: Any) -> None:
        async for message in pubsub.listen():
            if message.get("type") != "pmessage":
                continue
            channel = message["channel"].decode() if isinstance(message["channel"], bytes) else message["channel"]
            self._deliver(channel[len(_CHANNEL_PREFIX):], json.loads(message["data"]))

    async def stop(self) -> None:
        if self._listener:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()

    async def publish(self, topic: str, event: dict[str, Any]) -> None:
        from redis.exceptions import RedisError

        try:
            await self._redis.publish(_CHANNEL_PREFIX + topic, json.dumps(event, ensure_ascii=False, default=str))
        except (RedisError, OSError) as error:
            logger.warning("Redis unreachable (%s): event on %s delivered on this desk only", error, topic)
            self._set_live(False)
            self._deliver(topic, event)


def make_hub(redis_url: str) -> Hub:
    return RedisHub(redis_url) if redis_url else Hub()
