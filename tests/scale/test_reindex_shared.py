"""Re-index jobs of two desk processes on one PostgreSQL: one table, one build at a time, and a desk
killed mid-build does not block the next one."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from desk.db import Database, migrate
from desk.reindex import INTERRUPTED, ReindexJob, ReindexManager
from indexer.settings import IndexerSettings
from indexer.workspace import KnowledgeWorkspace
from tests.stack import FIXTURE_KB, PROJECT_ROOT

pytestmark = [pytest.mark.scale, pytest.mark.timeout(120)]


class GatedBuilds:
    """Builds that report progress, then wait for the test's go-ahead; counts builds at once."""

    def __init__(self) -> None:
        self.running = 0
        self.most_at_once = 0
        self.built: list[int] = []
        self.gate = asyncio.Event()

    async def __call__(self, job: ReindexJob, notify: Callable[[], Awaitable[None]]) -> None:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            job.stage, job.done, job.total = "embed", 3, 10
            await notify()
            await self.gate.wait()
            job.index_version = f"test-v{job.kb_version}"
            self.built.append(job.kb_version)
        finally:
            self.running -= 1


def manager(tmp_path: Path, database: Database, builder: GatedBuilds, seen: list[ReindexJob]) -> ReindexManager:
    settings = IndexerSettings(knowledge_base_dir=FIXTURE_KB, index_dir=tmp_path / "index",
                               workspace_dir=tmp_path / "workspace")

    async def listener(job: ReindexJob) -> None:
        seen.append(job)

    return ReindexManager(settings, KnowledgeWorkspace(settings.workspace_dir, FIXTURE_KB), listener,
                          builder=builder, database=database, poll_seconds=0.1)


async def until(check: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def test_two_desks_share_jobs_and_build_one_at_a_time(tmp_path: Path, pg_url: str) -> None:
    migrate(pg_url)
    databases = [Database(pg_url), Database(pg_url)]
    builds = GatedBuilds()  # both desks' builds counted together: they must never overlap

    async def scenario() -> None:
        seen_a: list[ReindexJob] = []
        desk_a = manager(tmp_path, databases[0], builds, seen_a)
        desk_b = manager(tmp_path, databases[1], builds, [])
        try:
            first = await desk_a.start(1, "编辑小张")
            await until(lambda: desk_b.job(first.id).done == 3)
            # Desk B sees desk A's job and its progress from the shared table.
            shown = desk_b.job(first.id)
            assert (shown.status, shown.stage, shown.done, shown.total) == ("running", "embed", 3, 10)

            second = await desk_b.start(2, "编辑小李")
            third = await desk_b.start(3, "编辑小李")
            await asyncio.sleep(1.0)  # both pumps poll the lock meanwhile
            assert builds.most_at_once == 1
            assert desk_a.job(second.id).status == "failed" and desk_a.job(second.id).error == "被更新的版本取代，未构建"
            assert desk_a.job(third.id).status == "queued"
            assert desk_a.latest() == desk_b.latest() and desk_b.latest().id == third.id  # type: ignore[union-attr]

            builds.gate.set()
            finished = await desk_a.wait(third.id, timeout=30)
            assert finished.status == "ready" and finished.index_version == "test-v3"
            assert desk_b.job(first.id).status == "ready"
            assert builds.built == [1, 3] and builds.most_at_once == 1
            # Desk A's consoles heard its own job's progress.
            assert [job.status for job in seen_a if job.id == first.id][-1] == "ready"
        finally:
            await desk_a.close()
            await desk_b.close()

    try:
        asyncio.run(scenario())
    finally:
        for database in databases:
            database.engine.dispose()


# A desk process that starts a build that never ends, says so, and waits to be killed.
_HANGING_DESK = textwrap.dedent("""
    import asyncio, sys
    from pathlib import Path
    from desk.db import Database
    from desk.reindex import ReindexManager
    from indexer.settings import IndexerSettings
    from indexer.workspace import KnowledgeWorkspace

    async def forever(job, notify):
        await notify()
        await asyncio.Event().wait()

    async def listener(job):
        return None

    async def main():
        root, kb = Path(sys.argv[2]), Path(sys.argv[3])
        settings = IndexerSettings(knowledge_base_dir=kb, index_dir=root / "index", workspace_dir=root / "ws")
        manager = ReindexManager(settings, KnowledgeWorkspace(root / "ws", kb), listener, builder=forever,
                                 database=Database(sys.argv[1]), poll_seconds=0.1)
        job = await manager.start(1, "killed desk")
        while manager.job(job.id).status != "running":
            await asyncio.sleep(0.05)
        print(job.id, flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())
""")


def test_a_desk_killed_mid_build_does_not_block_the_next_build(tmp_path: Path, pg_url: str) -> None:
    migrate(pg_url)
    process = subprocess.Popen([sys.executable, "-c", _HANGING_DESK, pg_url, str(tmp_path), str(FIXTURE_KB)],
                               cwd=PROJECT_ROOT, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    database = Database(pg_url)
    builds = GatedBuilds()
    builds.gate.set()

    async def scenario() -> None:
        assert process.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), timeout=60)
        killed_job = int(line)
        survivor = manager(tmp_path, database, builds, [])
        try:
            # While the other desk lives it holds the lock: nothing here builds.
            waiting = await survivor.start(2, "编辑小张")
            await asyncio.sleep(1.0)
            assert survivor.job(waiting.id).status == "queued" and builds.built == []

            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            done = await survivor.wait(waiting.id, timeout=30)
            assert done.status == "ready" and builds.built == [2]
            orphan = survivor.job(killed_job)
            assert orphan.status == "failed" and orphan.error == INTERRUPTED
        finally:
            await survivor.close()

    try:
        asyncio.run(scenario())
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        database.engine.dispose()
