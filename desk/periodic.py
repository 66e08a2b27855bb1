"""Work a desk process repeats while it runs (the demands' sweep, appointment reminders): one
background task per job, started and stopped with the app's lifespan."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError

from daofu_core.errors import DaofuError

logger = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def every(seconds: float, work: Callable[[], Awaitable[object]], what: str) -> AsyncIterator[None]:
    """Run ``work`` every ``seconds`` while the block runs (0: never). A round that fails on the
    store or the project's own errors is logged and the next one tries again: one bad round must not
    end the job for the life of the process."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await work()
            except (DaofuError, SQLAlchemyError):
                logger.exception("%s failed; retrying in %s s", what, seconds)

    task = asyncio.create_task(loop()) if seconds else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
