"""Login throttling: failed logins counted per account and per client with the `limits` package.

Counters live in memory, or in Redis when DAOFU_REDIS_URL is set (so several desk replicas share
them). Only failures count: a staff member who types the right password is never slowed down
until someone has been guessing at the account.
"""
from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from desk.security.rate_limits import RateLimited

logger = logging.getLogger(__name__)
T = TypeVar("T")


class TooManyLogins(RateLimited):
    """Throttled login; ``retry_after`` seconds go into the Retry-After header."""

    code = "too_many_logins"


@dataclass(frozen=True)
class _Rule:
    scope: str
    limits: tuple[Any, ...]


class LoginThrottle:
    """``check`` before verifying a password, ``failed`` after a wrong one."""

    def __init__(self, account_limits: str, client_limits: str, redis_url: str = "") -> None:
        from limits import parse_many
        from limits.storage import MemoryStorage, storage_from_string
        from limits.strategies import MovingWindowRateLimiter

        storage = storage_from_string(redis_url) if redis_url else MemoryStorage()
        self.limiter = MovingWindowRateLimiter(storage)
        # While Redis is unreachable each desk counts on its own: logins keep working and guessing
        # stays throttled (per desk) instead of every login failing.
        self._local = MovingWindowRateLimiter(MemoryStorage())
        base = storage.base_exceptions
        self._unavailable: tuple[type[BaseException], ...] = (
            (tuple(base) if isinstance(base, tuple) else (base,)) if redis_url else ())
        self.rules = (_Rule("account", tuple(parse_many(account_limits))),
                      _Rule("client", tuple(parse_many(client_limits))))

    def _on_counters(self, work: Callable[[Any], T]) -> T:
        try:
            return work(self.limiter)
        except self._unavailable as error:
            logger.warning("login counters in Redis unavailable (%s); counting on this desk", error)
            return work(self._local)

    def _keys(self, username: str, client: str) -> dict[str, str]:
        # Case and padding do not make a new account to guess at.
        return {"account": username.strip().casefold(), "client": client or "unknown"}

    def check(self, username: str, client: str) -> None:
        keys = self._keys(username, client)
        waits = self._on_counters(lambda limiter: [
            self._wait(limiter, limit, rule.scope, keys[rule.scope])
            for rule in self.rules for limit in rule.limits
            if not limiter.test(limit, "login", rule.scope, keys[rule.scope])])
        if waits:
            wait = max(waits)
            minutes = max(1, math.ceil(wait / 60))
            raise TooManyLogins(f"登录失败次数过多，请约 {minutes} 分钟后再试；忘记密码请联系管理员重置", wait)

    def failed(self, username: str, client: str) -> None:
        keys = self._keys(username, client)

        def count(limiter: Any) -> None:
            for rule in self.rules:
                for limit in rule.limits:
                    limiter.hit(limit, "login", rule.scope, keys[rule.scope])
        self._on_counters(count)

    @staticmethod
    def _wait(limiter: Any, limit: Any, scope: str, key: str) -> int:
        reset, _ = limiter.get_window_stats(limit, "login", scope, key)
        return max(1, math.ceil(reset - time.time()))
