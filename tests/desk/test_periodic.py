"""desk/periodic.py: a job repeats while the app runs, survives a failed round, stops with the app."""
from __future__ import annotations

import asyncio

from daofu_core.errors import DaofuError
from desk.periodic import every


def test_a_failed_round_is_retried_and_the_job_stops_with_the_block() -> None:
    rounds: list[int] = []

    async def work() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise DaofuError("数据库暂时不可用")

    async def scenario() -> int:
        async with every(0.01, work, "test job"):
            while len(rounds) < 3:
                await asyncio.sleep(0.01)
        stopped_at = len(rounds)
        await asyncio.sleep(0.05)
        return stopped_at

    stopped_at = asyncio.run(scenario())
    assert stopped_at >= 3 and len(rounds) == stopped_at  # went on after the failure, nothing after the block


def test_zero_seconds_means_never() -> None:
    called: list[int] = []

    async def work() -> None:
        called.append(1)

    async def scenario() -> None:
        async with every(0, work, "off"):
            await asyncio.sleep(0.05)

    asyncio.run(scenario())
    assert called == []
