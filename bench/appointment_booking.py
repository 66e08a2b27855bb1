"""100 parallel bookings of one slot through the desk's HTTP API: exactly the slot's capacity
succeed, the rest get 409 with the next free slots; the latency of each request (p50, p95, max).

The desk runs in this process under uvicorn on a free port (its store a fresh SQLite file migrated as
the desk does it, or ``--database-url`` for a PostgreSQL database you made for it); the requests are
sent at once by httpx from one event loop, as many clients would. The item comes from a small index
of the project's fixture knowledge base (tests/fixtures; the test encoder, since booking never
searches). The slot is the first free one from tomorrow (China time) on the official calendar.

    .venv/bin/python bench/appointment_booking.py [--requests 100] [--capacity 10] [--database-url URL]
"""
from __future__ import annotations

import argparse
import asyncio
import datetime
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
# The imports below need the project root on sys.path first, hence their E402 exceptions.
import httpx  # noqa: E402
import uvicorn  # noqa: E402

from daofu_core.clock import CHINA_TZ  # noqa: E402
from desk.app import create_app  # noqa: E402
from desk.auth import create_staff  # noqa: E402
from desk.db import Database, migrate  # noqa: E402
from desk.settings import DeskSettings  # noqa: E402
from indexer.build import build_index  # noqa: E402
from indexer.search import SearchService  # noqa: E402
from indexer.settings import IndexerSettings  # noqa: E402
from tests.fakes import CharacterEncoder, ScriptedRasa  # noqa: E402

ITEM = "11440000MB2D0234372440125017008"  # 内资有限责任公司设立登记 (fixture catalog), bookable at its hall
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "knowledge_base"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fixture_search(root: Path) -> SearchService:
    shutil.copytree(FIXTURES, root / "knowledge_base")
    settings = IndexerSettings(knowledge_base_dir=root / "knowledge_base", index_dir=root / "index",
                               workspace_dir=root / "workspace", model_dir=root / "no-model",
                               embedding_cache=root / "cache" / "embeddings.sqlite", chunk_max_chars=120)
    encoder = CharacterEncoder()
    build_index(settings, encoder=encoder)
    return SearchService(settings, encoder=encoder)


class Desk:
    """The desk under uvicorn in a background thread."""

    def __init__(self, url: str, search: SearchService, requests: int) -> None:
        migrate(url)
        with Database(url).session() as session:
            create_staff(session, "admin", "password-admin", "admin", "管理员")
        settings = DeskSettings(database_url=url, demand_sweep_seconds=0,
                                appointment_rate_limit=f"{requests * 10}/minute")
        self.app = create_app(settings, rasa=ScriptedRasa(), knowledge=search)  # type: ignore[arg-type]
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    limit_concurrency=10_000, backlog=4096))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the desk did not start within 60 s")
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


async def prepare(base: str, capacity: int) -> str:
    """Set the hall's capacity as an admin; the first slot from tomorrow with all its places free."""
    async with httpx.AsyncClient(base_url=base, headers={"Sec-Fetch-Site": "same-origin"}) as admin:
        (await admin.post("/api/login", json={"username": "admin", "password": "password-admin"})).raise_for_status()
        tomorrow = (datetime.datetime.now(CHINA_TZ) + datetime.timedelta(days=1)).date()
        slots = (await admin.get("/api/appointments/slots",
                                 params={"item_id": ITEM, "from": tomorrow.isoformat(), "days": 31})).json()
        if not slots:
            raise SystemExit("no slots in the next 31 days: the official calendar (chinese-calendar) has no later "
                             "data; upgrade it in requirements/app.lock")
        hall = slots[0]["location"]
        location = next(row for row in (await admin.get("/api/appointments/locations")).json() if row["name"] == hall)
        (await admin.patch(f"/api/appointments/locations/{location['id']}", json={"capacity": capacity})).raise_for_status()
        return str(slots[0]["slot"])


async def book_all(base: str, slot: str, requests: int) -> tuple[list[tuple[int, float, Any]], float]:
    limits = httpx.Limits(max_connections=requests, max_keepalive_connections=requests)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        start_gate = asyncio.Event()

        async def one(number: int) -> tuple[int, float, Any]:
            body = {"item_id": ITEM, "slot": slot, "name": f"申请人{number}", "phone": f"1380013{number:04d}"}
            await start_gate.wait()
            began = time.perf_counter()
            response = await client.post("/api/appointments", json=body)
            return response.status_code, time.perf_counter() - began, response.json()

        tasks = [asyncio.create_task(one(number)) for number in range(requests)]
        await asyncio.sleep(0.1)  # every task is waiting at the gate
        began = time.perf_counter()
        start_gate.set()
        results = await asyncio.gather(*tasks)
        return list(results), time.perf_counter() - began


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--capacity", type=int, default=10)
    parser.add_argument("--database-url", default="", help="an empty PostgreSQL database (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="daofu-booking-") as folder:
        root = Path(folder)
        url = args.database_url or f"sqlite:///{root / 'desk.sqlite3'}"
        with Desk(url, fixture_search(root), args.requests) as base:
            slot = asyncio.run(prepare(base, args.capacity))
            results, wall = asyncio.run(book_all(base, slot, args.requests))
    codes = [code for code, _, _ in results]
    created, full = codes.count(201), codes.count(409)
    latencies = [seconds * 1000 for _, seconds, _ in results]
    offered = next((len(body.get("next_free", [])) for code, _, body in results if code == 409), 0)
    store = "PostgreSQL" if args.database_url.startswith("postgresql") else "SQLite"
    print(f"{args.requests} parallel bookings of {slot} ({store}, capacity {args.capacity})\n")
    print("| requests | capacity | 201 booked | 409 full | other | next free offered | p50 ms | p95 ms | max ms | wall s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.requests} | {args.capacity} | {created} | {full} | {len(codes) - created - full} | {offered} "
          f"| {statistics.median(latencies):.0f} | {percentile(latencies, 0.95):.0f} | {max(latencies):.0f} | {wall:.2f} |")
    exact = created == args.capacity and full == args.requests - args.capacity
    print("\nexactly the capacity succeeded" if exact else "\nNOT EXACT: see the counts above")
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
