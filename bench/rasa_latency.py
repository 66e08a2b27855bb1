"""End-to-end turn latency through Rasa's REST channel, and the memory of the Rasa and action servers.

Starts its own action server and Rasa server (the trained model, the current index), then sends
200 item questions (team-written dev questions) and 200 plain greeting turns (answered by an
``utter_`` response), interleaved, each from a fresh conversation every 10 turns.

    .venv/bin/python bench/rasa_latency.py [--turns 200]
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
# The imports below need the project root on sys.path first, hence their E402 exceptions.
from indexer.evaluation import load_item_questions  # noqa: E402

TARGET_P95_MS = 150.0
TARGET_RATIO = 4.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process behind {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} not up after {timeout}s")


def _turn(url: str, sender: str, text: str) -> tuple[float, list[dict[str, object]]]:
    body = json.dumps({"sender": sender, "message": text}).encode("utf-8")
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        replies = json.loads(response.read())
    return (time.perf_counter() - started) * 1000, replies


def _rss_mb(pid: int) -> float:
    import psutil

    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--model", default="var/rasa/models/daofu.tar.gz",
                        help="trained Rasa model (make rasa-model); any model of the same pipeline measures the same")
    args = parser.parse_args()
    rasa_port, actions_port = _free_port(), _free_port()
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SANIC_HOST": "127.0.0.1",
           "DAOFU_ACTION_ENDPOINT": f"http://127.0.0.1:{actions_port}/webhook"}
    log_dir = PROJECT_ROOT / "var" / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    actions = subprocess.Popen([sys.executable, "-m", "rasa_sdk", "--actions", "actions", "-p", str(actions_port)],
                               cwd=PROJECT_ROOT, env=env, stdout=(log_dir / "bench-actions.log").open("wb"),
                               stderr=subprocess.STDOUT)
    rasa = subprocess.Popen([str(PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"), "run", "--enable-api",
                             "--credentials", "bot/credentials.yml", "--endpoints", "bot/endpoints.yml",
                             "--model", args.model, "-i", "127.0.0.1", "-p", str(rasa_port)],
                            cwd=PROJECT_ROOT, env=env, stdout=(log_dir / "bench-rasa.log").open("wb"),
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{rasa_port}"
    try:
        _wait(f"http://127.0.0.1:{actions_port}/health", actions)
        _wait(f"{url}/status", rasa)
        questions = [q.query for q in load_item_questions()]
        for i in range(10):  # warm-up: loads the index and the model in the action server
            _turn(url, "warmup", questions[i])
            _turn(url, "warmup", "你好")
        item_ms, plain_ms, answered = [], [], 0
        for i in range(args.turns):
            sender = f"bench-{i // 10}"
            milliseconds, replies = _turn(url, sender, questions[(i + 10) % len(questions)])
            item_ms.append(milliseconds)
            answered += any("custom" in r or "buttons" in r for r in replies)
            milliseconds, _ = _turn(url, f"plain-{i // 10}", "你好")
            plain_ms.append(milliseconds)
        rasa_rss, actions_rss = _rss_mb(rasa.pid), _rss_mb(actions.pid)
    finally:
        for process in (rasa, actions):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    item_p50, item_p95 = np.percentile(item_ms, 50), np.percentile(item_ms, 95)
    plain_p50, plain_p95 = np.percentile(plain_ms, 50), np.percentile(plain_ms, 95)
    print(f"\n### Rasa REST turn latency ({args.turns} turns each, this 2-core CPU)\n")
    print("| turn | p50 | p95 |\n|---|---|---|")
    print(f"| item question (search + answer action) | {item_p50:.0f} ms | {item_p95:.0f} ms |")
    print(f"| plain `utter_greet` | {plain_p50:.0f} ms | {plain_p95:.0f} ms |")
    print(f"| ratio item / plain | {item_p50 / plain_p50:.1f}x | {item_p95 / plain_p95:.1f}x |")
    print(f"\nitem turns answered with a card, passage or buttons: {answered}/{args.turns}")
    print(f"memory (RSS): Rasa server {rasa_rss:.0f} MB, action server {actions_rss:.0f} MB")
    print(f"targets: item p95 <= {TARGET_P95_MS:.0f} ms ({'met' if item_p95 <= TARGET_P95_MS else 'NOT met'}), "
          f"<= {TARGET_RATIO:.0f}x plain ({'met' if item_p95 <= TARGET_RATIO * plain_p95 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
