"""Demand rate limits when Redis cannot be reached (fast: a closed loopback port, not marked scale)."""
from __future__ import annotations

import logging

import pytest

from desk.security.rate_limits import ClientLimiter, RateLimited
from tests.scale.servers import free_port


def test_filings_are_let_through_and_logged_while_the_counters_are_unreachable(caplog: pytest.LogCaptureFixture) -> None:
    limiter = ClientLimiter("1/minute", redis_url=f"redis://127.0.0.1:{free_port()}/0")
    with caplog.at_level(logging.WARNING, logger="desk.demands.api"):
        limiter.check("203.0.113.7", "file")
        limiter.check("203.0.113.7", "file")  # over 1/minute, yet allowed: nothing counted it
    assert sum("counters unavailable" in record.getMessage() for record in caplog.records) == 2


def test_without_redis_the_limit_holds_in_memory() -> None:
    limiter = ClientLimiter("1/minute")
    limiter.check("203.0.113.7", "file")
    with pytest.raises(RateLimited):
        limiter.check("203.0.113.7", "file")
