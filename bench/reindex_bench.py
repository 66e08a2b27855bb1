"""Re-indexing without downtime: how fast one changed policy goes live, and what a full rebuild
does to search latency meanwhile. Uses the desk's own job runner (``desk.reindex``) on the real
knowledge base, model and index.

    .venv/bin/python bench/reindex_bench.py            # both measurements
    .venv/bin/python bench/reindex_bench.py --skip-full

Prints a table. Targets: a changed policy live in <= 10 s; search p95 during a full rebuild
<= 3x idle. The changed policy is changed back afterwards (two more knowledge-base versions).
"""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desk.reindex import ReindexJob, ReindexManager
from indexer.search import SearchService
from indexer.settings import IndexerSettings
from indexer.workspace import KnowledgeWorkspace

DEV_QUESTIONS = Path(__file__).resolve().parent / "data" / "item_queries_dev.jsonl"
MARKER = "基准测试专用条款：参与数字孪生园区试点的企业可获得一次性奖励八十八万元。"


def questions(limit: int = 200) -> list[str]:
    rows = [json.loads(line) for line in DEV_QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row.get("query") or row.get("question") or row["text"] for row in rows][:limit]


def latency(service: SearchService, asked: list[str], stop: threading.Event | None = None,
            pace: float = 0.0) -> list[float]:
    """Milliseconds per search: each question once, or round and round until ``stop`` is set."""
    timings = []
    index = 0
    while (stop is None and index < len(asked)) or (stop is not None and not stop.is_set()):
        # Past the first round a suffix defeats the query-vector cache: every search is a real one.
        question = asked[index % len(asked)] + ("" if index < len(asked) else f" {index}")
        begin = time.perf_counter()
        service.search(question, 5)
        timings.append((time.perf_counter() - begin) * 1000)
        index += 1
        time.sleep(pace)
    return timings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def run_job(manager: ReindexManager, number: int, publish: bool) -> ReindexJob:
    job = await manager.start(number, "bench", publish_when_ready=publish)
    return await manager.wait(job.id, timeout=3600)


async def run_full(manager: ReindexManager, number: int, seconds: float) -> ReindexJob:
    """The full rebuild; with ``seconds`` > 0 only that long (then the child is killed)."""
    job = await manager.start(number, "bench", publish_when_ready=False)
    if seconds <= 0:
        return await manager.wait(job.id, timeout=3600)
    await asyncio.sleep(seconds)
    snapshot = ReindexJob(**job.to_dict())
    await manager.close()
    await asyncio.sleep(0.5)
    return snapshot


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-full", action="store_true", help="only the one-changed-policy measurement")
    parser.add_argument("--full-seconds", type=float, default=0.0,
                        help="measure only the first N seconds of the full rebuild, then stop it (0: all of it)")
    args = parser.parse_args()
    settings = IndexerSettings.from_env()
    workspace = KnowledgeWorkspace(settings.workspace_dir, settings.knowledge_base_dir)
    service = SearchService(settings)
    service.warm_up()
    service.watch(interval=0.2)
    asked = questions()
    latency(service, asked[:20])
    idle = latency(service, asked)
    rows = [("search p50 / p95, idle", f"{statistics.median(idle):.1f} / {percentile(idle, 0.95):.1f} ms")]

    async def noop(job: ReindexJob) -> None:
        return None

    # 1. One changed policy document, from the change to the served index answering with it.
    manager = ReindexManager(settings, workspace, noop)
    served_before = workspace.published_number()
    snapshot = workspace.snapshot(served_before)
    original = next(iter(snapshot.policies.values()))
    changed = dataclasses.replace(original, body=original.body + "\n" + MARKER)
    try:
        started = time.perf_counter()
        version = workspace.put([changed], "bench", "基准测试：修改一份政策文件")
        job = asyncio.run(run_job(manager, version.number, publish=True))
        assert job.status == "published", job
        while MARKER[:20] not in service.search(MARKER, 1, kind="policy").hits[0].snippet:
            if time.perf_counter() - started > 120:
                raise SystemExit("the changed policy did not go live within 120 s")
            time.sleep(0.05)
        live = time.perf_counter() - started
        rows.append(("one changed policy: change -> answered from it", f"{live:.1f} s (build job {job.seconds} s)"))
    finally:
        # Put back exactly what was served before, even when the measurement failed.
        restored = workspace.restore(served_before, "bench")
        asyncio.run(run_job(manager, restored.number, publish=True))

    # 2. A full rebuild (empty caches: every passage embedded again) while questions keep coming.
    if not args.skip_full:
        with tempfile.TemporaryDirectory(prefix="daofu-bench-cache-") as folder:
            full_settings = dataclasses.replace(settings, embedding_cache=Path(folder) / "empty.sqlite")
            full_manager = ReindexManager(full_settings, workspace, noop)
            stop = threading.Event()
            during: list[float] = []
            errors: list[BaseException] = []

            def ask() -> None:
                try:
                    # A steady 10-20 questions per second, like a busy desk.
                    during.extend(latency(service, asked, stop=stop, pace=0.05))
                except BaseException as error:  # a failed search during the rebuild is the finding
                    errors.append(error)

            asker = threading.Thread(target=ask)
            began = time.perf_counter()
            asker.start()
            full = asyncio.run(run_full(full_manager, workspace.published_number(), args.full_seconds))
            stop.set()
            asker.join()
            state = full.status if full.status != "running" else f"stopped after {args.full_seconds:.0f} s, at {full.stage} {full.done}/{full.total}"
            rows.append(("full rebuild (all passages embedded, niced child)", f"{time.perf_counter() - began:.0f} s, {state}"))
            rows.append(("search p50 / p95 during the rebuild",
                         f"{statistics.median(during):.1f} / {percentile(during, 0.95):.1f} ms over {len(during)} questions"))
            rows.append(("p95 during / p95 idle", f"{percentile(during, 0.95) / percentile(idle, 0.95):.2f}x (target <= 3x)"))
            rows.append(("failed searches during the rebuild", str(len(errors))))
    width = max(len(name) for name, _ in rows)
    print(f"{'measurement':<{width}}  value")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
