"""The real stack over Rasa's REST channel: Rasa server + action server + a real (small) index."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from indexer.build import build_index
from indexer.settings import IndexerSettings
from tests.rasa.rasa_cli import PROJECT_ROOT, RASA, TRAINED_MODEL

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"process for {url} exited with {process.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not come up in {timeout}s")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    assert TRAINED_MODEL.exists(), "no trained model: run `make rasa-model`"
    root = tmp_path_factory.mktemp("stack")
    shutil.copytree(PROJECT_ROOT / "tests" / "fixtures" / "knowledge_base", root / "knowledge_base")
    base = IndexerSettings.from_env()
    settings = IndexerSettings(knowledge_base_dir=root / "knowledge_base", index_dir=root / "index",
                               model_dir=base.base_model_dir, embedding_cache=root / "cache.sqlite")
    build_index(settings)
    rasa_port, actions_port = free_port(), free_port()
    environment = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SANIC_HOST": "127.0.0.1",
                   "DAOFU_INDEX_DIR": str(settings.index_dir), "DAOFU_MODEL_DIR": str(settings.model_dir),
                   "DAOFU_KB_DIR": str(settings.knowledge_base_dir),
                   "DAOFU_ACTION_ENDPOINT": f"http://127.0.0.1:{actions_port}/webhook"}
    logs = root / "logs"
    logs.mkdir()
    actions = subprocess.Popen([sys.executable, "-m", "rasa_sdk", "--actions", "actions", "-p", str(actions_port)],
                               cwd=PROJECT_ROOT, env=environment, stdout=(logs / "actions.log").open("wb"), stderr=subprocess.STDOUT)
    server = subprocess.Popen([str(RASA), "run", "--enable-api", "--credentials", "bot/credentials.yml",
                               "--endpoints", "bot/endpoints.yml", "--model", str(TRAINED_MODEL),
                               "-i", "127.0.0.1", "-p", str(rasa_port)],
                              cwd=PROJECT_ROOT, env=environment, stdout=(logs / "rasa.log").open("wb"), stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{actions_port}/health", actions)
        wait_for(f"http://127.0.0.1:{rasa_port}/status", server)
        yield f"http://127.0.0.1:{rasa_port}"
    finally:
        for process in (server, actions):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def say(url: str, sender: str, text: str) -> list[dict[str, Any]]:
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", method="POST",
                                     data=json.dumps({"sender": sender, "message": text}).encode("utf-8"),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read().decode("utf-8"))


def test_traditional_question_gets_the_item(stack: str) -> None:
    replies = say(stack, "t1", "股權出質註銷登記在哪裡辦")
    custom = [r["custom"] for r in replies if "custom" in r]
    buttons = [b["title"] for r in replies for b in r.get("buttons", [])]
    cards = [c["item_card"]["name"] for c in custom if "item_card" in c]
    assert "对股权出质注销登记" in cards + buttons, replies
    assert any("来源" in r.get("text", "") for r in replies) or buttons


def test_followup_and_handoff_payload(stack: str) -> None:
    say(stack, "t2", "股权出质注销登记")
    chosen = say(stack, "t2", '/choose{"candidate_id": "%s"}' % _item_id("对股权出质注销登记"))
    assert chosen and "custom" in chosen[0]
    materials = say(stack, "t2", "需要什么材料")
    assert "所需材料" in materials[0]["text"]
    handoff = say(stack, "t2", "转人工")
    payload = next(r["custom"]["handoff"] for r in handoff if "custom" in r)
    assert payload["reason"] == "user_request" and "股权出质" in payload["summary"]
    with urllib.request.urlopen(f"{stack}/conversations/t2/tracker", timeout=10) as response:
        assert json.loads(response.read())["paused"] is True


def test_greeting_is_a_plain_utterance(stack: str) -> None:
    replies = say(stack, "t3", "你好")
    assert replies and "导服" in replies[0]["text"]


def _item_id(name: str) -> str:
    for line in (PROJECT_ROOT / "tests" / "fixtures" / "knowledge_base" / "catalog" / "items.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["TASK_NAME"] == name:
            return str(row["TASK_CODE"])
    raise AssertionError(f"{name} not in the fixture catalog")
