"""Two real Rasa replicas on bot/endpoints-shared.yml (PostgreSQL trackers, Redis locks): a
conversation begun on one continues on the other, also after the first is killed (~1-2 min)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis

from launcher.shared_state import rasa_endpoints
from tests.scale.servers import _die_with_parent
from tests.stack import PROJECT_ROOT, RASA, TRAINED_MODEL, free_port, wait_for

pytestmark = [pytest.mark.scale, pytest.mark.timeout(600)]


@contextmanager
def rasa_replica(environment: dict[str, str], endpoints: str, log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(RASA), "run", "--enable-api", "--credentials", "bot/credentials.yml", "--endpoints", endpoints,
             "--model", str(TRAINED_MODEL), "-i", "127.0.0.1", "-p", str(port)],
            cwd=PROJECT_ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent(signal.SIGKILL))
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def say(rasa_url: str, sender: str, text: str) -> list[dict[str, Any]]:
    request = urllib.request.Request(f"{rasa_url}/webhooks/rest/webhook", method="POST",
                                     data=json.dumps({"sender": sender, "message": text}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return list(json.load(response))


def user_texts(rasa_url: str, sender: str) -> list[str]:
    with urllib.request.urlopen(f"{rasa_url}/conversations/{sender}/tracker", timeout=30) as response:
        tracker = json.load(response)
    return [event["text"] for event in tracker["events"] if event["event"] == "user"]


def test_a_conversation_moves_between_replicas(tmp_path: Path, pg_url: str, redis_url: str) -> None:
    assert TRAINED_MODEL.exists(), f"no trained Rasa model at {TRAINED_MODEL}: run `make rasa-test-model`"
    chosen = rasa_endpoints({"DAOFU_DATABASE_URL": pg_url, "DAOFU_REDIS_URL": redis_url})
    assert chosen.path == "bot/endpoints-shared.yml"
    environment = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TOKENIZERS_PARALLELISM": "false",
                   "TF_INTRA_OP_PARALLELISM_THREADS": "1", "TF_INTER_OP_PARALLELISM_THREADS": "1",
                   # No action server: greetings and chit-chat are responses, and the turn is stored either way.
                   "DAOFU_ACTION_ENDPOINT": f"http://127.0.0.1:{free_port()}/webhook", **chosen.environment}
    with redis.Redis.from_url(redis_url) as client:
        client.config_resetstat()
    with ExitStack() as stack:
        replicas = [stack.enter_context(rasa_replica(environment, chosen.path, tmp_path / f"rasa-{n}.log"))
                    for n in (1, 2)]
        for n, (url, process) in enumerate(replicas, start=1):
            wait_for(f"{url}/status", process, tmp_path / f"rasa-{n}.log")
        (first, first_process), (second, _) = replicas

        assert say(first, "scale-1", "你好"), "the first replica gave no reply"
        # The other replica never saw the message, yet has the conversation: the tracker is shared.
        assert user_texts(second, "scale-1") == ["你好"]

        first_process.send_signal(signal.SIGKILL)
        first_process.wait(timeout=30)
        assert say(second, "scale-1", "谢谢"), "the second replica gave no reply"
        assert user_texts(second, "scale-1") == ["你好", "谢谢"]

    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        stored = connection.execute("SELECT count(*) FROM events WHERE sender_id = 'scale-1' AND type_name = 'user'")
        assert stored.fetchone() == (2,)
    with redis.Redis.from_url(redis_url) as client:
        # Each turn took and released Rasa's conversation lock in Redis.
        commands = client.info("commandstats")
        assert commands.get("cmdstat_set", {}).get("calls", 0) >= 2 and commands.get("cmdstat_del", {}).get("calls", 0) >= 2
