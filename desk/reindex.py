"""Background re-index jobs started from the editor console, and publishing their result.

A job runs ``python -m indexer build --kb-version N --no-publish --progress-json`` in a child
process at low priority with one embedding thread: the desk and the action server keep answering
from the served index (a build in this process would compete with them for the GIL), and a job
that fails or is killed leaves nothing half-done. Publishing switches the index's ``CURRENT``
pointer and the workspace's ``PUBLISHED`` one; the action server and the desk pick the new index up
without restart.

Jobs live in the store's ``reindex_jobs`` table, so every desk process shows the same jobs and
their progress. Exactly one build runs at a time across the desks: on PostgreSQL the builder holds
an advisory lock (released by the server when the desk's connection dies, so a killed desk never
blocks the next build); on SQLite (one desk process) the conditional claim of the row is the lock.
A change made during a build is built right after it, by whichever desk gets the lock next.
"""
from __future__ import annotations

import asyncio
import datetime
import errno
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, select, text, update
from sqlalchemy.orm import aliased

from daofu_core.clock import utc_timestamp
from daofu_core.settings import settings_environment
from desk.db import Database
from desk.errors import Conflict, NotFound
from desk.models import Base, ReindexJobRow, utcnow
from indexer.publishing import publish_index
from indexer.settings import IndexerSettings
from indexer.workspace import KnowledgeWorkspace

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

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

SUPERSEDED = "被更新的版本取代，未构建"
INTERRUPTED = "构建中断（负责构建的桌面服务已停止），请重新发起重建"
# A running row whose heartbeat is older than this was left by a desk that died (SQLite's lock).
STALE_SECONDS = 120.0
HEARTBEAT_SECONDS = 20.0
# Arbitrary but fixed: every desk process on one PostgreSQL takes the same advisory lock.
ADVISORY_LOCK_KEY = 0x64616F66  # "daof"
_FIELDS = ("kb_version", "author", "publish_when_ready", "status", "stage", "done", "total", "index_version",
           "error", "started_at", "finished_at", "seconds")


def _job(row: ReindexJobRow) -> ReindexJob:
    return ReindexJob(id=row.id, **{name: getattr(row, name) for name in _FIELDS})


class BuildLock:
    """At most one build at a time in every desk process on this store (see the module text)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._connection: Connection | None = None

    @property
    def exclusive(self) -> bool:
        """True where holding the lock proves no other desk is building (PostgreSQL)."""
        return self.database.engine.dialect.name == "postgresql"

    def try_acquire(self) -> bool:
        if not self.exclusive:
            return True  # SQLite: the conditional claim of the row is the lock
        connection = self.database.engine.connect()
        try:
            held = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}).scalar())
            connection.commit()
        except Exception:
            connection.invalidate()
            connection.close()
            raise
        if not held:
            connection.close()
            return False
        self._connection = connection
        return True

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
            connection.commit()
        except Exception:  # the server is gone: the lock went with the connection
            logger.warning("could not release the re-index lock; dropping its connection", exc_info=True)
            connection.invalidate()
        finally:
            connection.close()


def memory_database() -> Database:
    """A private in-memory store for a manager used without the desk (benchmarks)."""
    database = Database("sqlite://")
    Base.metadata.create_all(database.engine, tables=[ReindexJobRow.__table__])  # type: ignore[list-item]
    return database


class ReindexManager:
    def __init__(self, settings: IndexerSettings, workspace: KnowledgeWorkspace, listener: Listener,
                 python: str = sys.executable, builder: Builder | None = None, database: Database | None = None,
                 poll_seconds: float = 1.0) -> None:
        self.settings = settings
        self.builder = builder
        self.workspace = workspace
        self.listener = listener
        self.python = python
        self.database = database or memory_database()
        self.poll_seconds = poll_seconds
        self._build_lock = BuildLock(self.database)
        self._lock = asyncio.Lock()
        self._pump: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def latest(self) -> ReindexJob | None:
        with self.database.session() as session:
            row = session.scalars(select(ReindexJobRow).order_by(ReindexJobRow.id.desc()).limit(1)).first()
            return _job(row) if row is not None else None

    def job(self, job_id: int) -> ReindexJob:
        with self.database.session() as session:
            row = session.get(ReindexJobRow, job_id)
            if row is None:
                raise NotFound(f"重建任务 {job_id} 不存在")
            return _job(row)

    async def start(self, kb_version: int, author: str, publish_when_ready: bool = False) -> ReindexJob:
        """Build ``kb_version``; if a build is running, this one runs right after it (replacing any
        other waiting one: only the newest version is worth building)."""
        async with self._lock:
            job, superseded = await asyncio.to_thread(self._enqueue, kb_version, author, publish_when_ready)
        for old in superseded:
            await self._tell(old)
        if job.status == "queued":
            await self._tell(job)
        self._kick()
        return job

    def _enqueue(self, kb_version: int, author: str, publish_when_ready: bool) -> tuple[ReindexJob, list[ReindexJob]]:
        with self.database.session() as session:
            running = session.scalars(select(ReindexJobRow).where(ReindexJobRow.status == "running")
                                      .order_by(ReindexJobRow.id.desc()).limit(1)).first()
            if running is not None and running.kb_version == kb_version and not (publish_when_ready and not running.publish_when_ready):
                return _job(running), []
            waiting = session.scalars(select(ReindexJobRow).where(ReindexJobRow.status == "queued")).all()
            for old in waiting:
                old.status, old.error, old.finished_at = "failed", SUPERSEDED, utc_timestamp()
            row = ReindexJobRow(kb_version=kb_version, author=author, publish_when_ready=publish_when_ready,
                                status="queued", stage="", done=0, total=0, created_at=utcnow())
            session.add(row)
            session.flush()
            return _job(row), [_job(old) for old in waiting]

    async def publish(self, job_id: int) -> ReindexJob:
        job = await asyncio.to_thread(self.job, job_id)
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
        while (job := await asyncio.to_thread(self.job, job_id)).status in ("queued", "running"):
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"re-index job {job_id} still {job.status} after {timeout}s")
            await asyncio.sleep(0.1)
        return job

    async def close(self) -> None:
        tasks = [*self._tasks, *([self._pump] if self._pump else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # ------------------------------------------------------------------ internals

    def _kick(self) -> None:
        """Make sure this process is trying to build what is queued (one pump per process)."""
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        """While jobs wait: take the build lock when it is free and build them one by one."""
        while True:
            try:
                acquired = await asyncio.to_thread(self._build_lock.try_acquire)
            except Exception:  # the store is unreachable: try again shortly
                logger.warning("re-index lock unavailable; retrying", exc_info=True)
                acquired = False
            if acquired:
                try:
                    if self._build_lock.exclusive:
                        for stale in await asyncio.to_thread(self._fail_running):
                            await self._tell(stale)
                    while (job := await asyncio.to_thread(self._claim)) is not None:
                        await self._run(job)
                finally:
                    await asyncio.to_thread(self._build_lock.release)
            try:
                waiting = await asyncio.to_thread(self._waiting)
            except Exception:
                waiting = True
            if not waiting:
                return
            await asyncio.sleep(self.poll_seconds)

    def _waiting(self) -> bool:
        with self.database.session() as session:
            return session.scalar(select(ReindexJobRow.id).where(ReindexJobRow.status == "queued").limit(1)) is not None

    def _fail_running(self) -> list[ReindexJob]:
        """With the exclusive lock held, a row still marked running belongs to a desk that died."""
        with self.database.session() as session:
            rows = session.scalars(select(ReindexJobRow).where(ReindexJobRow.status == "running")).all()
            for row in rows:
                row.status, row.error, row.finished_at = "failed", INTERRUPTED, utc_timestamp()
            return [_job(row) for row in rows]

    def _claim(self) -> ReindexJob | None:
        """The newest queued job, now running (older queued ones were superseded by it). The update
        only succeeds where no other build runs with a live heartbeat: on SQLite that is the lock."""
        now = utcnow()
        stale = now - datetime.timedelta(seconds=STALE_SECONDS)
        with self.database.session() as session:
            if not self._build_lock.exclusive:
                for row in session.scalars(select(ReindexJobRow).where(
                        ReindexJobRow.status == "running", ReindexJobRow.heartbeat_at < stale)).all():
                    row.status, row.error, row.finished_at = "failed", INTERRUPTED, utc_timestamp()
            job_id = session.scalar(select(ReindexJobRow.id).where(ReindexJobRow.status == "queued")
                                    .order_by(ReindexJobRow.id.desc()).limit(1))
            if job_id is None:
                return None
            other = aliased(ReindexJobRow)  # not correlated with the updated row
            busy = select(other.id).where(other.status == "running").exists()
            claimed = session.execute(
                update(ReindexJobRow).where(ReindexJobRow.id == job_id, ReindexJobRow.status == "queued", ~busy)
                .values(status="running", started_at=utc_timestamp(), heartbeat_at=now)
                .execution_options(synchronize_session=False))
            if cast("CursorResult[Any]", claimed).rowcount != 1:
                return None
            claimed_row = session.get(ReindexJobRow, job_id)
            assert claimed_row is not None
            session.refresh(claimed_row)
            return _job(claimed_row)

    async def _run(self, job: ReindexJob) -> None:
        started = asyncio.get_running_loop().time()
        await self._notify(job)
        heartbeat = asyncio.create_task(self._heartbeat(job))
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
            job.status, job.error = "failed", self._failure_text(error)
        finally:
            heartbeat.cancel()
            job.finished_at = utc_timestamp()
            job.seconds = round(asyncio.get_running_loop().time() - started, 1)
            await self._notify(job)

    def _failure_text(self, error: Exception) -> str:
        text = str(error)[-_ERROR_TAIL_CHARS:]
        full_disk = (isinstance(error, OSError) and error.errno == errno.ENOSPC) or "No space left on device" in text
        if full_disk:
            return (f"磁盘空间不足，新索引没有建成，仍在使用原来的索引：请清理 {self.settings.index_dir} "
                    f"所在的磁盘后重新发起重建（{text}）")
        return text

    async def _heartbeat(self, job: ReindexJob) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                await asyncio.to_thread(self._save, job)
            except Exception:
                logger.warning("could not refresh re-index job %s", job.id, exc_info=True)

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

    def _save(self, job: ReindexJob) -> None:
        with self.database.session() as session:
            session.execute(update(ReindexJobRow).where(ReindexJobRow.id == job.id)
                            .values(heartbeat_at=utcnow(), **{name: getattr(job, name) for name in _FIELDS})
                            .execution_options(synchronize_session=False))

    async def _notify(self, job: ReindexJob) -> None:
        """Store the job's state (every desk reads it there), then tell this desk's consoles."""
        try:
            await asyncio.to_thread(self._save, job)
        except Exception:  # the store is unreachable: the consoles still hear, the next save catches up
            logger.exception("could not store re-index job %s", job.id)
        await self._tell(job)

    async def _tell(self, job: ReindexJob) -> None:
        try:
            await self.listener(job)
        except Exception:  # a console that cannot be told must not stop the job
            logger.exception("could not report re-index job %s", job.id)


def _settings_environment(settings: IndexerSettings) -> dict[str, str]:
    """The desk's indexer settings, passed on so the child builds exactly what the desk serves
    (the child's DAOFU_THREADS is set to 1 by the caller)."""
    return settings_environment(settings, leave_out=frozenset({"DAOFU_THREADS"}))
