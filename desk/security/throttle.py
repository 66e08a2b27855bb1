"""Login throttling: failed logins counted per account and per client with the `limits` package.

Counters live in memory, or in Redis when DAOFU_REDIS_URL is set (so several desk replicas share
them). Only failures count: a staff member who types the right password is never slowed down
until someone has been guessing at the account.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from desk.security.rate_limits import RateLimited


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
        self.rules = (_Rule("account", tuple(parse_many(account_limits))),
                      _Rule("client", tuple(parse_many(client_limits))))

    def _keys(self, username: str, client: str) -> dict[str, str]:
        # Case and padding do not make a new account to guess at.
        return {"account": username.strip().casefold(), "client": client or "unknown"}

    def check(self, username: str, client: str) -> None:
        keys = self._keys(username, client)
        waits = [self._wait(limit, rule.scope, keys[rule.scope])
                 for rule in self.rules for limit in rule.limits
                 if not self.limiter.test(limit, "login", rule.scope, keys[rule.scope])]
        if waits:
            wait = max(waits)
            minutes = max(1, math.ceil(wait / 60))
            raise TooManyLogins(f"登录失败次数过多，请约 {minutes} 分钟后再试；忘记密码请联系管理员重置", wait)

    def failed(self, username: str, client: str) -> None:
        keys = self._keys(username, client)
        for rule in self.rules:
            for limit in rule.limits:
                self.limiter.hit(limit, "login", rule.scope, keys[rule.scope])

    def _wait(self, limit: Any, scope: str, key: str) -> int:
        reset, _ = self.limiter.get_window_stats(limit, "login", scope, key)
        return max(1, math.ceil(reset - time.time()))
