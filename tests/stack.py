"""Start the real processes for integration and browser tests: action server, Rasa, desk.

Each gets free ports, a temporary index built from the fixture knowledge base with the real
(base) embedding model, a temporary SQLite desk database, and logs under the test's temp folder.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from indexer.build import build_index
from indexer.settings import IndexerSettings
from indexer.workspace import KnowledgeWorkspace

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RASA = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
TRAINED_MODEL = Path(os.environ.get("DAOFU_TEST_RASA_MODEL",
                                   PROJECT_ROOT / "var" / "rasa" / "test-models" / "daofu-test.tar.gz"))
FIXTURE_KB = PROJECT_ROOT / "tests" / "fixtures" / "knowledge_base"
# Passage vectors of the fixture knowledge base, keyed like any embedding cache by (model, text):
# each stack starts from a copy, so its index build takes ~2 s instead of ~20 s of encoding.
SEED_EMBEDDING_CACHE = PROJECT_ROOT / "var" / "cache" / "test-stack-embeddings.sqlite"


# Each running stack's Rasa API token by its Rasa URL, for tests that read trackers (rasa_api).
_RASA_TOKENS: dict[str, str] = {}


def rasa_token(rasa_url: str) -> str:
    return _RASA_TOKENS[rasa_url]


def rasa_api(rasa_url: str, path: str) -> str:
    """A URL of a running stack's Rasa HTTP API, with the token that stack's Rasa requires."""
    return f"{rasa_url}{path}?token={rasa_token(rasa_url)}"


@dataclass(frozen=True)
class Stack:
    rasa_url: str
    desk_url: str
    rasa_token: str
    environment: dict[str, str]
    root: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"process for {url} exited ({process.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not come up in {timeout}s:\n{log.read_text(errors='replace')[-3000:]}")


def _publish_seed_cache(cache: Path) -> None:
    """Keep the first complete cache as the seed; written whole and renamed, never changed in place,
    so a stack starting at the same time in another test process copies a consistent file."""
    if SEED_EMBEDDING_CACHE.exists() or not cache.exists():
        return
    SEED_EMBEDDING_CACHE.parent.mkdir(parents=True, exist_ok=True)
    partial = SEED_EMBEDDING_CACHE.with_name(f"{SEED_EMBEDDING_CACHE.name}.{os.getpid()}.partial")
    _copy_sqlite(cache, partial)
    os.replace(partial, SEED_EMBEDDING_CACHE)


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup: the cache runs in WAL mode, so its main file alone may lack rows."""
    with closing(sqlite3.connect(source)) as reading, closing(sqlite3.connect(target)) as writing:
        reading.backup(writing)


@contextmanager
def running_stack(root: Path, with_desk: bool = True, staff: tuple[tuple[str, str, str], ...] = ()) -> Iterator[Stack]:
    """Yield a running stack; ``staff`` = (username, password, role) accounts to create."""
    assert TRAINED_MODEL.exists(), f"no trained Rasa model at {TRAINED_MODEL}: run `make rasa-test-model`"
    shutil.copytree(FIXTURE_KB, root / "knowledge_base")
    base = IndexerSettings.from_env()
    settings = IndexerSettings(knowledge_base_dir=root / "knowledge_base", index_dir=root / "index",
                               workspace_dir=root / "workspace", model_dir=base.base_model_dir,
                               embedding_cache=root / "cache.sqlite")
    workspace = KnowledgeWorkspace(settings.workspace_dir, settings.knowledge_base_dir)
    if SEED_EMBEDDING_CACHE.exists():
        _copy_sqlite(SEED_EMBEDDING_CACHE, settings.embedding_cache)
    build_index(settings, knowledge=workspace.knowledge(1), kb_version=1)
    _publish_seed_cache(settings.embedding_cache)
    rasa_port, actions_port, desk_port = free_port(), free_port(), free_port()
    rasa_token = secrets.token_urlsafe(32)  # Rasa's HTTP API refuses calls without it, as under the launcher
    environment = {
        **os.environ, "RASA_TELEMETRY_ENABLED": "false", "SANIC_HOST": "127.0.0.1", "TOKENIZERS_PARALLELISM": "false",
        "DAOFU_INDEX_DIR": str(settings.index_dir), "DAOFU_MODEL_DIR": str(settings.model_dir),
        "DAOFU_KB_DIR": str(settings.knowledge_base_dir), "DAOFU_WORKSPACE_DIR": str(settings.workspace_dir),
        "DAOFU_EMBEDDING_CACHE": str(settings.embedding_cache),
        "DAOFU_ACTION_ENDPOINT": f"http://127.0.0.1:{actions_port}/webhook",
        "DAOFU_DESK_PORT": str(desk_port), "DAOFU_DESK_RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "DAOFU_RASA_TOKEN": rasa_token,
        "DAOFU_DATABASE_URL": f"sqlite:///{root / 'desk.sqlite3'}", "DAOFU_RASA_TIMEOUT": "20",
    }
    logs = root / "logs"
    logs.mkdir(exist_ok=True)
    commands = {
        "actions": [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "-p", str(actions_port)],
        "rasa": [str(RASA), "run", "--enable-api", f"--auth-token={rasa_token}", "--credentials", "bot/credentials.yml", "--endpoints",
                 "bot/endpoints.yml", "--model", str(TRAINED_MODEL), "-i", "127.0.0.1", "-p", str(rasa_port)],
    }
    health = {"actions": f"http://127.0.0.1:{actions_port}/health", "rasa": f"http://127.0.0.1:{rasa_port}/status?token={rasa_token}"}
    if with_desk:
        for username, password, role in staff:
            subprocess.run([sys.executable, "-m", "desk", "create-user", username, "--role", role,
                            "--password-env", "DAOFU_TEST_PASSWORD"], cwd=PROJECT_ROOT, check=True,
                           env={**environment, "DAOFU_TEST_PASSWORD": password}, capture_output=True)
        commands["desk"] = [sys.executable, "-m", "desk"]
        health["desk"] = f"http://127.0.0.1:{desk_port}/healthz"
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, command in commands.items():
            processes[name] = subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment,
                                               stdout=(logs / f"{name}.log").open("wb"), stderr=subprocess.STDOUT)
        for name, url in health.items():
            wait_for(url, processes[name], logs / f"{name}.log")
        _RASA_TOKENS[f"http://127.0.0.1:{rasa_port}"] = rasa_token
        yield Stack(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{desk_port}", rasa_token, environment, root)
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
