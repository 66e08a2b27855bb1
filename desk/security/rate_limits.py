"""Per-client rate limits with the `limits` package (moving windows): demand filings and lookups,
ticket lookups, widget messages and connections. In memory, or in Redis when DAOFU_REDIS_URL is
set so that every desk replica counts the same clients."""
from __future__ import annotations

import logging
import math
import time
from typing import Any

from starlette.requests import Request

from desk.errors import DeskError

logger = logging.getLogger(__name__)


class RateLimited(DeskError):
    """Over a limit; ``retry_after`` seconds go into the Retry-After header or the error frame."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def client_address(request: Request) -> str:
    """The address a per-client limit counts an HTTP request under."""
    return request.client.host if request.client else "unknown"


def parse_limits(spec: str, setting: str) -> list[Any]:
    """``5/minute;30/day`` as `limits` items; a ConfigurationError naming the setting otherwise."""
    from limits import parse_many

    try:
        return list(parse_many(spec))
    except ValueError as error:
        from daofu_core.errors import ConfigurationError
        raise ConfigurationError(f"{setting} must look like 5/minute;30/day, got {spec!r}") from error


class ClientLimiter:
    """Moving-window limits per key (a client address, a connection). ``check`` counts one hit
    and raises RateLimited over a limit. When Redis is configured but unreachable the hit is let
    through with a warning: the service matters more than the limit."""

    def __init__(self, spec: str, factor: int = 1, redis_url: str = "", setting: str = "DAOFU_DEMAND_RATE_LIMIT",
                 message: str = "操作太频繁，请稍后再试") -> None:
        from limits.storage import MemoryStorage, storage_from_string
        from limits.strategies import MovingWindowRateLimiter

        items = parse_limits(spec, setting)
        self.items = [type(item)(item.amount * factor, item.multiples) for item in items]
        self.message = message
        # The redis client connects lazily: a desk starts even while Redis is still coming up.
        self.storage = storage_from_string(redis_url) if redis_url else MemoryStorage()
        self.limiter = MovingWindowRateLimiter(self.storage)
        self._unavailable: tuple[type[BaseException], ...] = (
            tuple(self.storage.base_exceptions) if isinstance(self.storage.base_exceptions, tuple)
            else (self.storage.base_exceptions,)) if redis_url else ()

    def check(self, key: str, namespace: str) -> None:
        try:
            for item in self.items:
                if not self.limiter.hit(item, namespace, key):
                    reset = self.limiter.get_window_stats(item, namespace, key).reset_time
                    wait = max(1, math.ceil(reset - time.time()))
                    raise RateLimited(self.message.format(seconds=wait), wait)
        except self._unavailable as error:
            logger.warning("rate-limit counters unavailable (%s); %s allowed", error, namespace)
