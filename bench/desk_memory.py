"""A desk's memory (RSS) after one staff search and one try-it, with its own search service
(in-process) and with the searches asked of the action server (DAOFU_DESK_SEARCH_URL), on the
index and model of the environment; the action server's too. README "Memory".

    DAOFU_MODEL_DIR=var/models/e5-small-zh DAOFU_INDEX_DIR=var/index-base \\
        .venv/bin/python bench/desk_memory.py

Each desk is a fresh process (a throwaway SQLite store and workspace; no re-index, so try-it has no
candidate); the action server is started as the launcher starts it (``python -m rasa_sdk``, its
Sanic worker counted with it). The editors' pages read the served version's policies and passages
(``RemoteKnowledge.index()``); what that costs, and what loading the whole index without its model
would cost instead, is measured after the rest (each in a fresh desk).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

QUESTION = "营业执照怎么办理"


def rss_mb(pid: int | None = None) -> float:
    """VmRSS of one process (psutil), with its children (the action server's Sanic worker)."""
    import psutil

    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 1e6


def desk(url: str, token: str, read: str) -> dict[str, float]:
    """Run in a fresh process: a desk app, one staff search, one try-it; RSS after each step. With
    a URL, then ``read``: the served version's policies and passages (what ``index()`` reads), or
    the whole served index without its model (the alternative, not done)."""
    from desk.app import create_app
    from desk.auth import create_staff
    from desk.db import Database, migrate
    from desk.settings import DeskSettings
    from tests.browser import console_client
    from tests.fakes import ScriptedRasa

    folder = Path(tempfile.mkdtemp(prefix="desk-memory-"))
    os.environ["DAOFU_WORKSPACE_DIR"] = str(folder / "workspace")
    settings = DeskSettings(database_url=f"sqlite:///{folder / 'desk.sqlite3'}", search_url=url, search_token=token,
                            demand_sweep_seconds=0)
    migrate(settings.database_url)
    with Database(settings.database_url).session() as session:
        create_staff(session, "staff", "password-staff", "staff")
        create_staff(session, "editor", "password-editor", "editor")
    app = create_app(settings, rasa=ScriptedRasa())  # type: ignore[arg-type]
    found: dict[str, float] = {}
    with console_client(app) as client:
        found["started"] = rss_mb()
        client.post("/api/login", json={"username": "staff", "password": "password-staff"})
        response = client.get("/api/knowledge/search", params={"q": QUESTION})
        assert response.status_code == 200 and response.json(), response.text
        found["after one staff search"] = rss_mb()
        client.post("/api/login", json={"username": "editor", "password": "password-editor"})
        response = client.post("/api/kb/try", json={"question": QUESTION})
        assert response.status_code == 200 and response.json()["served"]["hits"], response.text
        found["after one try-it"] = rss_mb()
        if url:
            from desk.knowledge_client import RemoteKnowledge
            from indexer.search import SearchIndex

            index = RemoteKnowledge(url, token).index()
            if read == "files":
                policies, chunks = len(index.policies_in_order), len(index.policy_chunks)
                found[f"then an editor's record page: the served policies and passages ({policies}, {chunks})"] = rss_mb()
            else:
                SearchIndex.load(index.path, index.manifest["model"])
                found["then, instead, the whole served index without its model (not done)"] = rss_mb()
    return found


def start_action_server(port: int, token: str, log: Path) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "SANIC_HOST": "127.0.0.1", "DAOFU_SEARCH_TOKEN": token, "PYTHONUNBUFFERED": "1",
                   "TOKENIZERS_PARALLELISM": "false"}
    process = subprocess.Popen([sys.executable, "-m", "rasa_sdk", "--actions", "actions", "-p", str(port)],
                               cwd=PROJECT_ROOT, env=environment, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                               start_new_session=True)  # its own group: the Sanic worker is stopped with it
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the action server exited; see {log}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
            return process
        time.sleep(0.5)
    raise RuntimeError(f"the action server did not answer within 180 s; see {log}")


def in_child(url: str, token: str, read: str = "files") -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--desk", url or "-", "--token", token, "--read", read],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--desk", help=argparse.SUPPRESS)  # the child: "-" in-process, else the action server's URL
    parser.add_argument("--token", default="", help=argparse.SUPPRESS)
    parser.add_argument("--read", choices=("files", "whole"), default="files", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help="action server port (default: a free one)")
    args = parser.parse_args()
    if args.desk is not None:
        print(json.dumps(desk("" if args.desk == "-" else args.desk, args.token, args.read)))
        return

    from tests.action_server import free_port

    in_process = in_child("", "")
    port, token = args.port or free_port(), secrets.token_urlsafe(32)
    log = Path(tempfile.mkdtemp(prefix="desk-memory-")) / "actions.log"
    server = start_action_server(port, token, log)
    try:
        started = rss_mb(server.pid)
        remote = in_child(f"http://127.0.0.1:{port}", token)
        served = rss_mb(server.pid)
        remote.update(in_child(f"http://127.0.0.1:{port}", token, "whole"))  # another fresh desk
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)

    print(f"index {os.environ.get('DAOFU_INDEX_DIR', 'var/index')}, model {os.environ.get('DAOFU_MODEL_DIR', '(default)')}")
    print("| desk RSS (MB) | own search (in-process) | searches on the action server |")
    print("|---|---|---|")
    for step in remote:
        own = f"{in_process[step]:,.0f}" if step in in_process else ""
        print(f"| {step} | {own} | {remote[step]:,.0f} |")
    print(f"| action server (with its Sanic worker): started / after serving the desk | | {started:,.0f} / {served:,.0f} |")


if __name__ == "__main__":
    main()
