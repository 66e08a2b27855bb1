"""50 concurrent widget conversations over WebSocket against the real stack (Rasa, actions, desk).

Each conversation sends 10 messages, one after another: the next when the bot has answered and the
user has read and typed (a pause drawn uniformly from --think, 3-8 s by default; typing a Chinese
question takes longer than that). ``--think 0 0`` sends back to back: a saturation test, not a
model of people. Measured: messages lost and duplicated (from the desk's database),
reply latency (send -> first bot message) p50/p95, and the desk's memory.

    .venv/bin/python bench/desk_load.py [--conversations 50] [--messages 10] [--think 3 8]
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sqlite3
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--model", default="var/rasa/models/daofu.tar.gz",
                        help="trained Rasa model (make rasa-model); any model of the same pipeline measures the same")
    parser.add_argument("--rasa-replicas", type=int, default=ServiceSettings().rasa_replicas,
                        help="Rasa server processes (DAOFU_RASA_REPLICAS; default as `make run`)")
    parser.add_argument("--think", type=float, nargs=2, default=(3.0, 8.0), metavar=("MIN", "MAX"),
                        help="seconds between a reply and the user's next message (uniform)")
    args = parser.parse_args()
    import psutil

    root = Path(tempfile.mkdtemp(prefix="daofu-load-"))
    rasa_port, actions_port, desk_port = free_port_block(args.rasa_replicas), free_port(), free_port()
    database = root / "desk.sqlite3"
    # The processes exactly as `make run` starts them (launcher.processes.services), on free ports.
    settings = ServiceSettings(rasa_port=rasa_port, actions_port=actions_port, rasa_model=Path(args.model),
                               rasa_replicas=args.rasa_replicas)
    environment = {**os.environ, "SANIC_HOST": "127.0.0.1", "DAOFU_DESK_PORT": str(desk_port),
                   "DAOFU_DATABASE_URL": f"sqlite:///{database}", "DAOFU_RASA_TIMEOUT": "60"}
    running: list[tuple[Service, subprocess.Popen[bytes]]] = []
    try:
        start(services(settings, environment), root, 300, running)
        processes = {service.name: process for service, process in running}
        url = f"ws://127.0.0.1:{desk_port}/ws/widget"
        asyncio.run(load(url, 2, 2))  # the desk's own first use
        sent_counts.clear()
        cpu_before = {name: cpu_seconds(process.pid) for name, process in processes.items()}
        ids, latencies, replies, seconds = asyncio.run(load(url, args.conversations, args.messages, tuple(args.think)))
        cpu_used = {name: cpu_seconds(process.pid) - cpu_before[name] for name, process in processes.items()}
        desk_rss = psutil.Process(processes["desk"].pid).memory_info().rss / 1e6
        rasa_rss = [psutil.Process(p.pid).memory_info().rss / 1e6 for n, p in processes.items() if n.startswith("rasa")]
    finally:
        for _service, process in running:
            process.terminate()
        for _service, process in running:
            process.wait(timeout=30)
    with sqlite3.connect(database) as db:
        counts = dict(db.execute(
            "SELECT conversation_id, count(*) FROM messages WHERE sender='user' GROUP BY conversation_id").fetchall())
        duplicates = db.execute("SELECT count(*) FROM (SELECT conversation_id, client_message_id, count(*) c FROM messages "
                                "WHERE sender='user' GROUP BY 1, 2 HAVING c > 1)").fetchone()[0]
    lost = sum(max(0, sent_counts[i] - counts.get(i, 0)) for i in ids)
    extra = sum(max(0, counts.get(i, 0) - sent_counts[i]) for i in ids)
    sent = sum(sent_counts[i] for i in ids)
    p50, p95 = np.percentile(latencies, 50), np.percentile(latencies, 95)
    print(f"\n### Desk under load: {args.conversations} concurrent widget conversations x {args.messages} messages, "
          f"{args.think[0]:g}-{args.think[1]:g} s between a reply and the next message (real Rasa, actions, desk as `make run` starts them; this 2-core CPU)\n")
    print("| measure | value |\n|---|---|")
    print(f"| user messages sent / stored | {sent} / {sum(counts.get(i, 0) for i in ids)} |")
    print(f"| messages lost | {lost} |")
    print(f"| messages duplicated | {duplicates + extra} |")
    print(f"| reply latency p50 | {p50:.0f} ms |")
    print(f"| reply latency p95 | {p95:.0f} ms |")
    print(f"| throughput | {sent / seconds:.1f} messages/s |")
    print(f"| desk RSS after the run | {desk_rss:.0f} MB |")
    print(f"| Rasa replicas (RSS each) | {args.rasa_replicas} ({', '.join(f'{r:.0f}' for r in rasa_rss)} MB) |")
    for name in ("actions", "rasa", "desk"):
        used = sum(seconds for process, seconds in cpu_used.items() if process.split("-")[0] == name)
        print(f"| CPU per user message: {name} | {used / max(sent, 1) * 1000:.0f} ms |")
    print(f"\ntarget p95 <= {TARGET_P95_MS:.0f} ms: {'met' if p95 <= TARGET_P95_MS else 'NOT met'}; "
          f"replies received per conversation: min {min(replies)}")
    return 0 if lost == 0 and duplicates + extra == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
