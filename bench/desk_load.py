"""50 concurrent widget conversations over WebSocket against the real stack (Rasa, actions, desk).

Each conversation sends 10 messages, one after another: the next when the bot has answered and the
user has read and typed (a pause drawn uniformly from --think, 3-8 s by default; typing a Chinese
question takes longer than that). ``--think 0 0`` sends back to back: a saturation test, not a
model of people. Measured: messages lost and duplicated (from the desk's database),
reply latency (send -> first bot message) p50/p95, and the desk's memory.

    .venv/bin/python bench/desk_load.py [--conversations 50] [--messages 10] [--think 3 8]
    .venv/bin/python bench/desk_load.py --desks 2 --conversations 200   # PostgreSQL + Redis, shared trackers
    .venv/bin/python bench/desk_load.py --desks 2 --conversations 50 --soak-minutes 30
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
# The imports below need the project root on sys.path first, hence their E402 exceptions.
from indexer.evaluation import load_item_questions, load_policy_questions  # noqa: E402
from launcher.processes import Service, services, start  # noqa: E402
from launcher.settings import ServiceSettings  # noqa: E402
from tests.stack import free_port  # noqa: E402

TARGET_P95_MS = 500.0
CHAT = ["你好", "谢谢", "好的"]


sent_counts: dict[str, int] = {}


async def conversation(url: str, questions: list[str], latencies: list[float], replies_seen: list[int],
                       think: tuple[float, float], seed: int) -> str:
    import random

    import websockets

    pauses = random.Random(seed)
    handed_over = False

    async with websockets.connect(url, max_size=2**22) as socket:
        await socket.send(json.dumps({"type": "hello", "conversation_id": None, "after": 0}))
        conversation_id = ""
        while not conversation_id:
            frame = json.loads(await socket.recv())
            if frame["type"] == "welcome":
                conversation_id = frame["conversation_id"]
        received = 0
        sent = 0
        for text in questions:
            if handed_over:
                break  # waiting for a person now: people do not keep typing to the bot
            await asyncio.sleep(pauses.uniform(*think))
            started = time.perf_counter()
            await socket.send(json.dumps({"type": "message", "client_id": uuid.uuid4().hex, "text": text}))
            sent += 1
            while True:
                frame = json.loads(await asyncio.wait_for(socket.recv(), timeout=120))
                # The user's answer: a bot or system message, or (when the bot hands over and no
                # person is on duty) the leave-a-message form, or an error frame.
                if frame["type"] == "status" and frame.get("status") in ("queued", "live"):
                    handed_over = True
                if (frame["type"] == "message" and frame["message"]["sender"] in ("bot", "system")) or \
                        frame["type"] in ("leave_message_form", "error"):
                    latencies.append((time.perf_counter() - started) * 1000)
                    received += 1
                    break
            # Drain the rest of this answer (a card and a text may come as two messages).
            try:
                while True:
                    frame = json.loads(await asyncio.wait_for(socket.recv(), timeout=0.3))
                    received += frame["type"] == "message"
            except TimeoutError:
                pass
        replies_seen.append(received)
        sent_counts[conversation_id] = sent
        return conversation_id


async def load(url: str, conversations: int, messages: int,
               think: tuple[float, float] = (0.0, 0.0)) -> tuple[list[str], list[float], list[int], float]:
    pool = [q.query for q in load_item_questions()] + [q.query for q in load_policy_questions() if q.source == "dev"]
    plans = []
    for c in range(conversations):
        plan = [pool[(c * messages + m) % len(pool)] for m in range(messages)]
        plan[0] = CHAT[c % len(CHAT)]  # a greeting or thanks among the questions, as in real chats
        plans.append(plan)
    latencies: list[float] = []
    replies: list[int] = []
    started = time.perf_counter()
    ids = await asyncio.gather(*(conversation(url, plan, latencies, replies, think, seed)
                                 for seed, plan in enumerate(plans)))
    return list(ids), latencies, replies, time.perf_counter() - started


def free_port_block(count: int) -> int:
    """A port with the ``count - 1`` ports after it free too (Rasa replicas use consecutive ports)."""
    import socket

    for _ in range(50):
        first = free_port()
        try:
            for port in range(first + 1, first + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
    raise RuntimeError(f"no {count} consecutive free ports")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children: where a turn's time goes on 2 cores."""
    import psutil

    process = psutil.Process(pid)
    total = sum(process.cpu_times()[:2])
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += sum(child.cpu_times()[:2])
    return total


def store_counts(database_url: str, ids: list[str]) -> tuple[dict[str, int], int]:
    """User messages stored per conversation, and (conversation, client id) pairs stored twice."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as db:
            counts = {row[0]: int(row[1]) for row in db.execute(text(
                "SELECT conversation_id, count(*) FROM messages WHERE sender='user' GROUP BY conversation_id"))}
            duplicates = int(db.execute(text(
                "SELECT count(*) FROM (SELECT conversation_id, client_message_id, count(*) AS c FROM messages "
                "WHERE sender='user' GROUP BY conversation_id, client_message_id HAVING count(*) > 1) AS twice")).scalar() or 0)
    finally:
        engine.dispose()
    return counts, duplicates


def rss_mb(processes: dict[str, subprocess.Popen[bytes]]) -> dict[str, float]:
    import psutil

    sizes = {}
    for name, process in processes.items():
        with contextlib.suppress(psutil.NoSuchProcess):
            # With its children: the action server's Sanic serves from a worker process.
            parent = psutil.Process(process.pid)
            sizes[name] = sum(p.memory_info().rss for p in [parent, *parent.children(recursive=True)]) / 1e6
    return sizes


async def spread(urls: list[str], conversations: int, messages: int,
                 think: tuple[float, float]) -> tuple[list[str], list[float], list[int], float]:
    """``conversations`` over the desks, round robin (what a reverse proxy does to new connections)."""
    shares = [conversations // len(urls) + (i < conversations % len(urls)) for i in range(len(urls))]
    started = time.perf_counter()
    results = await asyncio.gather(*(load(url, share, messages, think) for url, share in zip(urls, shares, strict=True) if share))
    ids = [i for result in results for i in result[0]]
    latencies = [value for result in results for value in result[1]]
    replies = [value for result in results for value in result[2]]
    return ids, latencies, replies, time.perf_counter() - started


async def soak(urls: list[str], conversations: int, messages: int, think: tuple[float, float], minutes: float,
               processes: dict[str, subprocess.Popen[bytes]]) -> tuple[list[str], list[float], list[int], float, list[dict[str, float]]]:
    """Waves of ``conversations`` at once for ``minutes``; every process's RSS sampled each minute."""
    samples = [rss_mb(processes)]
    deadline = time.monotonic() + minutes * 60

    async def sample() -> None:
        while time.monotonic() < deadline:
            await asyncio.sleep(60)
            samples.append(rss_mb(processes))

    sampler = asyncio.create_task(sample())
    ids: list[str] = []
    latencies: list[float] = []
    replies: list[int] = []
    started = time.perf_counter()
    while time.monotonic() < deadline:
        wave = await spread(urls, conversations, messages, think)
        ids += wave[0]
        latencies += wave[1]
        replies += wave[2]
    sampler.cancel()
    samples.append(rss_mb(processes))
    return ids, latencies, replies, time.perf_counter() - started, samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--model", default="var/rasa/models/daofu.tar.gz",
                        help="trained Rasa model (make rasa-model); any model of the same pipeline measures the same")
    parser.add_argument("--rasa-replicas", type=int, default=ServiceSettings().rasa_replicas,
                        help="Rasa server processes (DAOFU_RASA_REPLICAS; default as `make run`)")
    parser.add_argument("--desks", type=int, default=1,
                        help="desk processes (DAOFU_DESK_REPLICAS); with more than one, or --shared, the stack runs "
                             "on a throwaway PostgreSQL + Redis (tests/scale/servers.py) with shared Rasa trackers")
    parser.add_argument("--shared", action="store_true", help="PostgreSQL + Redis even with one desk")
    parser.add_argument("--soak-minutes", type=float, default=0.0,
                        help="instead of one wave: waves of --conversations for this long, RSS sampled each minute")
    parser.add_argument("--think", type=float, nargs=2, default=(3.0, 8.0), metavar=("MIN", "MAX"),
                        help="seconds between a reply and the user's next message (uniform)")
    args = parser.parse_args()
    shared = args.shared or args.desks > 1
    with contextlib.ExitStack() as servers:
        database_url = ""
        extra: dict[str, str] = {}
        if shared:
            from tests.scale.servers import postgres_server, redis_server

            postgres = servers.enter_context(postgres_server())
            database_url = postgres.create_database("daofu_load")
            extra = {"DAOFU_DATABASE_URL": database_url,
                     "DAOFU_REDIS_URL": servers.enter_context(redis_server()).url()}
        return run(args, database_url, extra)


def run(args: argparse.Namespace, database_url: str, extra: dict[str, str]) -> int:
    root = Path(tempfile.mkdtemp(prefix="daofu-load-"))
    rasa_port, actions_port = free_port_block(args.rasa_replicas), free_port()
    desk_port = free_port_block(args.desks)
    database_url = database_url or f"sqlite:///{root / 'desk.sqlite3'}"
    # The processes exactly as `make run` starts them (launcher.processes.services), on free ports.
    settings = ServiceSettings(rasa_port=rasa_port, actions_port=actions_port, rasa_model=Path(args.model),
                               rasa_replicas=args.rasa_replicas, desk_replicas=args.desks)
    environment = {**os.environ, "SANIC_HOST": "127.0.0.1", "DAOFU_DESK_PORT": str(desk_port),
                   "DAOFU_DATABASE_URL": database_url, "DAOFU_RASA_TIMEOUT": "60",
                   # Every simulated widget comes from 127.0.0.1: the per-client limits would refuse them.
                   "DAOFU_WIDGET_CONNECTION_LIMIT": "100000/minute", "DAOFU_WIDGET_MAX_CONNECTIONS": "100000",
                   "DAOFU_WIDGET_CLIENT_MESSAGE_LIMIT": "100000/minute", **extra}
    running: list[tuple[Service, subprocess.Popen[bytes]]] = []
    samples: list[dict[str, float]] = []
    urls = [f"ws://127.0.0.1:{desk_port + n}/ws/widget" for n in range(args.desks)]
    try:
        start(services(settings, environment), root, 600, running)
        processes = {service.name: process for service, process in running}
        asyncio.run(spread(urls, 2 * args.desks, 2, (0.0, 0.0)))  # each desk's own first use
        sent_counts.clear()
        cpu_before = {name: cpu_seconds(process.pid) for name, process in processes.items()}
        if args.soak_minutes:
            ids, latencies, replies, seconds, samples = asyncio.run(soak(
                urls, args.conversations, args.messages, tuple(args.think), args.soak_minutes, processes))
        else:
            ids, latencies, replies, seconds = asyncio.run(spread(urls, args.conversations, args.messages, tuple(args.think)))
        cpu_used = {name: cpu_seconds(process.pid) - cpu_before[name] for name, process in processes.items()}
        rss = rss_mb(processes)
    finally:
        for _service, process in running:
            process.terminate()
        for _service, process in running:
            process.wait(timeout=30)
    counts, duplicates = store_counts(database_url, ids)
    lost = sum(max(0, sent_counts[i] - counts.get(i, 0)) for i in ids)
    extra_stored = sum(max(0, counts.get(i, 0) - sent_counts[i]) for i in ids)
    sent = sum(sent_counts[i] for i in ids)
    p50, p95 = np.percentile(latencies, 50), np.percentile(latencies, 95)
    store = "PostgreSQL + Redis, shared Rasa trackers" if extra else "SQLite, in-process events"
    print(f"\n### Desk under load: {args.conversations} concurrent widget conversations x {args.messages} messages "
          f"over {args.desks} desk(s) and {args.rasa_replicas} Rasa replica(s) ({store}), "
          f"{args.think[0]:g}-{args.think[1]:g} s between a reply and the next message"
          f"{f', soak {args.soak_minutes:g} min' if args.soak_minutes else ''} (processes as `make run` starts them)\n")
    print("| measure | value |\n|---|---|")
    print(f"| user messages sent / stored | {sent} / {sum(counts.get(i, 0) for i in ids)} |")
    print(f"| messages lost | {lost} |")
    print(f"| messages duplicated | {duplicates + extra_stored} |")
    print(f"| reply latency p50 | {p50:.0f} ms |")
    print(f"| reply latency p95 | {p95:.0f} ms |")
    print(f"| throughput | {sent / seconds:.1f} messages/s |")
    print(f"| RSS of all processes after the run | {sum(rss.values()):.0f} MB |")
    print("\n| process | CPU per user message | RSS after the run |\n|---|---|---|")
    for name in processes:
        print(f"| {name} | {cpu_used[name] / max(sent, 1) * 1000:.1f} ms | {rss.get(name, 0):.0f} MB |")
    if samples:
        names = list(processes)
        print("\n| minute | " + " | ".join(names) + " |\n|---|" + "---|" * len(names))
        for minute, sample in enumerate(samples):
            print(f"| {minute} | " + " | ".join(f"{sample.get(n, 0):.0f}" for n in names) + " |")
        for name in names:
            values = [sample[name] for sample in samples if name in sample]
            print(f"{name}: RSS {min(values):.0f}-{max(values):.0f} MB, spread {(max(values) / min(values) - 1) * 100:.1f}%")
    print(f"\ntarget p95 <= {TARGET_P95_MS:.0f} ms: {'met' if p95 <= TARGET_P95_MS else 'NOT met'}; "
          f"replies received per conversation: min {min(replies)}")
    return 0 if lost == 0 and duplicates + extra_stored == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
