"""Background re-index jobs started from the editor console, and publishing their result.

A job runs ``python -m indexer build --kb-version N --no-publish --progress-json`` in a child
process at low priority with one embedding thread: the desk and the action server keep answering
from the served index (a build in this process would compete with them for the GIL), and a job
that fails or is killed leaves nothing half-done. Publishing switches the index's ``CURRENT``
pointer and the workspace's ``PUBLISHED`` one; the action server and the desk pick the new index up
without restart. One job runs at a time; a change made meanwhile is built right after.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from daofu_core.clock import utc_timestamp
from daofu_core.settings import settings_environment
from desk.errors import Conflict, NotFound
from indexer.publishing import publish_index
from indexer.settings import IndexerSettings
from indexer.workspace import KnowledgeWorkspace

logger = logging.getLogger(__name__)
BUILD_NICENESS = 10
_ERROR_TAIL_CHARS = 1500


@dataclass
class ReindexJob:
    id: int
    kb_version: int
    author: str
    publish_when_ready: bool = False
    status: str = "queued"  # queued, running, ready, published, failed
    stage: str = ""
    done: int = 0
    total: int = 0
    index_version: str | None = None
    error: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Listener = Callable[[ReindexJob], Awaitable[None]]
# Builds the job's knowledge-base version without publishing; sets job.index_version and reports
# progress through the callback. The default runs the indexer CLI in a child process.
Builder = Callable[[ReindexJob, Callable[[], Awaitable[None]]], Awaitable[None]]


class ReindexManager:
    def __init__(self, settings: IndexerSettings, workspace: KnowledgeWorkspace, listener: Listener,
                 python: str = sys.executable, builder: Builder | None = None) -> None:
        self.settings = settings
        self.builder = builder
        self.workspace = workspace
        self.listener = listener
        self.python = python
        self._ids = itertools.count(1)
        self._jobs: dict[int, ReindexJob] = {}
        self._running: ReindexJob | None = None
        self._next: ReindexJob | None = None
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    def latest(self) -> ReindexJob | None:
        return self._jobs[max(self._jobs)] if self._jobs else None

    def job(self, job_id: int) -> ReindexJob:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise NotFound(f"重建任务 {job_id} 不存在") from None

    async def start(self, kb_version: int, author: str, publish_when_ready: bool = False) -> ReindexJob:
        """Build ``kb_version``; if a build is running, this one runs right after it (replacing any
        other waiting one: only the newest version is worth building)."""
        async with self._lock:
            running = self._running
            if running is not None and running.kb_version == kb_version and not (publish_when_ready and not running.publish_when_ready):
                return running
            job = ReindexJob(id=next(self._ids), kb_version=kb_version, author=author,
                             publish_when_ready=publish_when_ready)
            self._jobs[job.id] = job
            if running is None:
                self._launch(job)
            else:
                if self._next is not None:
                    self._next.status, self._next.error = "failed", "被更新的版本取代，未构建"
                    await self._notify(self._next)
                self._next = job
        await self._notify(job)
        return job

    async def publish(self, job_id: int) -> ReindexJob:
        job = self.job(job_id)
        if job.status == "published":
            return job
        if job.status != "ready" or job.index_version is None:
            raise Conflict(f"重建任务 {job_id} 尚未完成（状态：{job.status}），完成后才能发布")
        await asyncio.to_thread(self._switch, job)
        job.status = "published"
        await self._notify(job)
        return job

    async def wait(self, job_id: int, timeout: float = 600) -> ReindexJob:
        """Until the job is ready, published or failed (tests and benchmarks)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self.job(job_id).status in ("queued", "running"):
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"re-index job {job_id} still {self.job(job_id).status} after {timeout}s")
            await asyncio.sleep(0.1)
        return self.job(job_id)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    # ------------------------------------------------------------------ internals

    def _launch(self, job: ReindexJob) -> None:
        self._running = job
        task = asyncio.create_task(self._run(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, job: ReindexJob) -> None:
        job.status, job.started_at = "running", utc_timestamp()
        started = asyncio.get_running_loop().time()
        await self._notify(job)
        try:
            if self.builder is not None:
                await self.builder(job, lambda: self._notify(job))
            else:
                await self._build(job)
            if job.index_version is None:
                raise RuntimeError("构建没有产生新的索引版本")
            if job.publish_when_ready:
                # Straight to published: nobody should see (or wait on) a "ready" it will not stay in.
                await asyncio.to_thread(self._switch, job)
                job.status = "published"
            else:
                job.status = "ready"
        except asyncio.CancelledError:
            job.status, job.error = "failed", "桌面服务停止，任务中断"
            raise
        except Exception as error:  # the job fails; the served index is untouched
            logger.exception("re-index job %s failed", job.id)
            job.status, job.error = "failed", str(error)[-_ERROR_TAIL_CHARS:]
        finally:
            job.finished_at = utc_timestamp()
            job.seconds = round(asyncio.get_running_loop().time() - started, 1)
            await self._notify(job)
            async with self._lock:
                self._running = None
                following, self._next = self._next, None
                if following is not None:
                    self._launch(following)

    async def _build(self, job: ReindexJob) -> None:
        environment = {**os.environ, "DAOFU_THREADS": "1", "PYTHONUNBUFFERED": "1",
                       **_settings_environment(self.settings)}
        process = await asyncio.create_subprocess_exec(
            self.python, "-m", "indexer", "build", "--kb-version", str(job.kb_version), "--no-publish",
            "--progress-json", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=environment,
            preexec_fn=lambda: os.nice(BUILD_NICENESS))
        assert process.stdout is not None and process.stderr is not None
        errors = asyncio.create_task(process.stderr.read())
        try:
            async for raw in process.stdout:
                try:
                    line = json.loads(raw)
                except ValueError:
                    continue
                if line.get("stage") == "done":
                    job.index_version = line["index_version"]
                    continue
                job.stage, job.done, job.total = line.get("stage", ""), int(line.get("done", 0)), int(line.get("total", 0))
                await self._notify(job)
            code = await process.wait()
        except asyncio.CancelledError:
            process.kill()
            raise
        stderr = (await errors).decode("utf-8", errors="replace")
        if code != 0 or job.index_version is None:
            reason = next((line[len("error: "):] for line in reversed(stderr.splitlines()) if line.startswith("error: ")),
                          stderr.strip()[-_ERROR_TAIL_CHARS:])
            raise RuntimeError(f"索引构建失败（退出码 {code}）：{reason}")

    def _switch(self, job: ReindexJob) -> None:
        assert job.index_version is not None
        publish_index(self.settings.index_dir, job.index_version, self.workspace, job.kb_version)

    async def _notify(self, job: ReindexJob) -> None:
        try:
            await self.listener(job)
        except Exception:  # a console that cannot be told must not stop the job
            logger.exception("could not report re-index job %s", job.id)


def _settings_environment(settings: IndexerSettings) -> dict[str, str]:
    """The desk's indexer settings, passed on so the child builds exactly what the desk serves
    (the child's DAOFU_THREADS is set to 1 by the caller)."""
    return settings_environment(settings, leave_out=frozenset({"DAOFU_THREADS"}))
