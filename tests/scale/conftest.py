"""Session-wide throwaway PostgreSQL and Redis (tests/scale/servers.py) for the tests marked ``scale``."""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.scale.servers import PostgresServer, RedisServer, postgres_server, redis_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def redis_service() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@pytest.fixture()
def pg_url(postgres: PostgresServer) -> str:
    """A fresh, empty database for one test (creating one takes a few ms)."""
    return postgres.create_database(f"t_{uuid.uuid4().hex[:16]}")


@pytest.fixture()
def redis_url(redis_service: RedisServer) -> str:
    """The throwaway Redis, emptied for this test."""
    import redis

    with redis.Redis(host=redis_service.host, port=redis_service.port) as client:
        client.flushall()
    return redis_service.url()
