"""A full disk during a re-index (issue 15, point 6): the build fails with a message that says what
to do, the served index keeps answering, and the next build after cleaning up succeeds.

The index folder is a 16 MB tmpfs (needs root, as under `make test` in the container; skipped
otherwise), filled up to a little less than one more index. The job runs through the desk's
ReindexManager with the in-process builder and the fast test encoder (tests/fakes.py): the same
``build_index`` the child process runs, so the fault is the disk's, not the model's.
"""
from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from desk.reindex import ReindexJob, ReindexManager
from indexer.build import build_index
from indexer.search import SearchService
from indexer.settings import IndexerSettings
from indexer.workspace import KnowledgeWorkspace
from tests.fakes import CharacterEncoder
from tests.stack import FIXTURE_KB

pytestmark = [pytest.mark.scale, pytest.mark.timeout(120)]
QUESTION = "取水许可证怎么办"


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount_point)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a size-limited tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False, capture_output=True)


def free_bytes(path: Path) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def folder_bytes(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())


def test_a_full_disk_fails_the_build_and_the_served_index_keeps_answering(tmp_path: Path, small_disk: Path) -> None:
    settings = IndexerSettings(knowledge_base_dir=FIXTURE_KB, index_dir=small_disk / "index",
                               workspace_dir=tmp_path / "workspace", model_dir=tmp_path / "no-model",
                               embedding_cache=tmp_path / "cache" / "embeddings.sqlite")
    encoder = CharacterEncoder()
    workspace = KnowledgeWorkspace(settings.workspace_dir, FIXTURE_KB)
    served = build_index(settings, knowledge=workspace.knowledge(1), encoder=encoder, kb_version=1)
    service = SearchService(settings, encoder=encoder)
    before = service.search(QUESTION, 3)
    assert before.hits, "the fixture index answers the question"
    one_index = folder_bytes(settings.index_dir / served.version.name)
    filler = small_disk / "filler"
    with filler.open("wb") as output:  # leave room for a quarter of an index
        output.truncate(0)
        output.write(b"\0" * max(0, free_bytes(small_disk) - one_index // 4))

    async def builder(job: ReindexJob, notify: Callable[[], Awaitable[None]]) -> None:
        result = await asyncio.to_thread(build_index, settings, None, workspace.knowledge(job.kb_version),
                                         encoder, False, job.kb_version)
        job.index_version = result.version.name

    async def noop(job: ReindexJob) -> None:
        return None

    async def scenario() -> tuple[ReindexJob, ReindexJob]:
        manager = ReindexManager(settings, workspace, noop, builder=builder)
        try:
            failed = await manager.wait((await manager.start(1, "编辑小张", publish_when_ready=True)).id, timeout=60)
            filler.unlink()
            retried = await manager.wait((await manager.start(1, "编辑小张", publish_when_ready=True)).id, timeout=60)
            return failed, retried
        finally:
            await manager.close()

    failed, retried = asyncio.run(scenario())
    assert failed.status == "failed"
    assert failed.error is not None and failed.error.startswith("磁盘空间不足，新索引没有建成，仍在使用原来的索引")
    # The failed build left no partial folder; the retry after cleaning up was published.
    assert retried.status == "published" and retried.index_version != served.version.name
    versions = sorted(path.name for path in (settings.index_dir / "versions").iterdir() if path.is_dir())
    assert versions == sorted([served.version.name, str(retried.index_version)])
    # Served all along: the same answer from the process that kept its index.
    after = service.search(QUESTION, 3)
    assert [hit.record.id for hit in after.hits] == [hit.record.id for hit in before.hits]
