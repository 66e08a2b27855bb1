"""The processes of the assistant and how they start: the action server, the Rasa replicas and the
desk, each with its command, environment and health check (``services``), started stage by stage
and warmed up (``start``). ``python -m launcher`` (launcher/__main__.py) and bench/desk_load.py
start exactly these.
"""
from __future__ import annotations

import dataclasses
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from daofu_core.errors import ConfigurationError
from daofu_core.paths import PROJECT_ROOT
from launcher import rasa_model
from launcher.settings import ServiceSettings
from launcher.shared_state import rasa_endpoints


@dataclass(frozen=True)
class Service:
    name: str
    command: list[str]
    health_url: str
    environment: dict[str, str]
    # Rasa's /status wants the API token; kept apart from health_url so messages never show it.
    api_token: str = ""


def services(settings: ServiceSettings, environ: Mapping[str, str] | None = None) -> list[Service]:
    """The processes of the assistant, in start order: the action server, the Rasa replicas (one
    Rasa process serves one message at a time on one core), the desk (told where the replicas are)."""
    base = {**(os.environ if environ is None else environ), "PYTHONUNBUFFERED": "1",
            "RASA_TELEMETRY_ENABLED": "false", "TOKENIZERS_PARALLELISM": "false"}
    model = newest_model(settings.rasa_model)
    settings = with_search_token(rasa_model.with_api_token(settings))
    # Dialogue state in each replica's memory, or in PostgreSQL + Redis when both are configured.
    endpoints = rasa_endpoints(base)
    # One thread per TensorFlow op: several replicas share the cores instead of fighting over
    # them (halves the tail latency under load on 2 cores; bench/desk_load.py).
    rasa_environment = {"TF_INTRA_OP_PARALLELISM_THREADS": "1", "TF_INTER_OP_PARALLELISM_THREADS": "1",
                        **base, "DAOFU_ACTION_ENDPOINT": settings.action_endpoint, **endpoints.environment}
    found: list[Service] = [
        Service("actions", [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "-p", str(settings.actions_port)],
                f"http://{settings.actions_host}:{settings.actions_port}/health",
                {**base, "SANIC_HOST": settings.actions_host, "DAOFU_SEARCH_TOKEN": settings.search_token}),
    ]
    for number, (url, port) in enumerate(zip(settings.rasa_urls, settings.rasa_ports, strict=False), start=1):
        found.append(Service("rasa" if number == 1 else f"rasa-{number}",
                             [str(settings.rasa_venv / "bin" / "rasa"), "run", "--enable-api",
                              # "=": a random token may begin with "-", which argparse would take for an option.
                              f"--auth-token={settings.rasa_token}", "--credentials", "bot/credentials.yml", "--endpoints", endpoints.path,
                              "--model", str(model), "-i", settings.rasa_host, "-p", str(port)],
                             f"{url}/status", rasa_environment, api_token=settings.rasa_token))
    # The desks ask the action server for searches: one copy of the model and index on this host.
    found.extend(_desk_services({**base, "DAOFU_DESK_RASA_URL": ",".join(settings.rasa_urls),
                                 "DAOFU_RASA_TOKEN": settings.rasa_token, "DAOFU_DESK_SEARCH_URL": settings.actions_url,
                                 "DAOFU_SEARCH_TOKEN": settings.search_token}, settings.desk_replicas, endpoints.shared))
    return found


def with_search_token(settings: ServiceSettings) -> ServiceSettings:
    """The settings with a token for the action server's knowledge routes: DAOFU_SEARCH_TOKEN, or a
    random one for this start of the launcher (given to the action server and the desks; not stored)."""
    if settings.search_token:
        return settings
    return dataclasses.replace(settings, search_token=secrets.token_urlsafe(32))


def _desk_services(base: dict[str, str], replicas: int, shared: bool) -> list[Service]:
    """The desk process, or ``replicas`` of them on consecutive ports (a reverse proxy in front,
    deploy/nginx.conf): only on a shared store and Redis, or each would hold its own live events."""
    try:
        from desk.settings import DeskSettings
    except ImportError:
        return []
    if replicas > 1 and not shared:
        raise ConfigurationError(f"DAOFU_DESK_REPLICAS={replicas} needs DAOFU_DATABASE_URL on PostgreSQL and "
                                 "DAOFU_REDIS_URL (the desks share conversations, sessions and live events there); "
                                 "set both, or run one desk")
    desk = DeskSettings.from_env(base)
    found = []
    for number in range(1, replicas + 1):
        port = desk.port + number - 1
        found.append(Service("desk" if number == 1 else f"desk-{number}", [sys.executable, "-m", "desk"],
                             f"http://{desk.host}:{port}/healthz", {**base, "DAOFU_DESK_PORT": str(port)}))
    return found


_LONG_QUESTION = ("我们是一家做食品加工的小微企业，去年在开发区租了厂房，今年受疫情影响停工了三个月，"
                  "现在准备复工，想问一下复工需要向哪个部门报备、要准备哪些材料，房租能不能减免，"
                  "社保和税款能不能缓交，另外我们还打算新开一个门店卖自己的产品，需要办理哪些许可证，"
                  "多长时间能办下来，在哪里办理，电话是多少。")
# The annotated one loads the pinyin dictionaries of the normaliser (~0.5 s, lazily, in Rasa and
# in the action server: the first toneless "(DSA)" or "辦(ban)理" otherwise stalls a replica);
# the long one runs the models on a long input.
WARM_UP_MESSAGES = ("你好", "开饭店要办什么证", "需要什么材料", "营业执照怎么辦(ban)理（DSA设备）", _LONG_QUESTION * 3)


def warm_up(rasa_url: str, timeout: float = 120.0) -> bool:
    """Send a few messages through a Rasa replica (NLU, policies, action server, search): its
    first answers take seconds (TensorFlow builds its graphs on first use), and a person should
    not be the one who waits. The conversation is Rasa-only; the desk never sees it."""
    import json
    import uuid

    sender = f"warm-up-{uuid.uuid4().hex}"
    try:
        for text in WARM_UP_MESSAGES:
            request = urllib.request.Request(f"{rasa_url}/webhooks/rest/webhook", method="POST",
                                             data=json.dumps({"sender": sender, "message": text}).encode("utf-8"),
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
        return True
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as error:
        print(f"warning: warming up {rasa_url} failed ({error}); its first answers will be slow", file=sys.stderr)
        return False


def start_stages(found: list[Service]) -> list[list[Service]]:
    """Services grouped by kind, in order: each group starts together, the next when it is up."""
    stages: list[list[Service]] = []
    for service in found:
        kind = service.name.split("-")[0]
        if stages and stages[-1][0].name.split("-")[0] == kind:
            stages[-1].append(service)
        else:
            stages.append([service])
    return stages


def start(found: list[Service], log_dir: Path, timeout: float,
          running: list[tuple[Service, subprocess.Popen[bytes]]]) -> None:
    """Start the services stage by stage (the Rasa replicas load their models side by side), wait
    for each stage's health checks, warm the Rasa replicas up. Every started process is appended
    to ``running`` at once, so the caller can stop what did start when a later one fails."""
    for stage in start_stages(found):
        started = []
        for service in stage:
            log = log_dir / f"{service.name}.log"
            process = subprocess.Popen(service.command, cwd=PROJECT_ROOT, env=service.environment,
                                       stdout=log.open("ab"), stderr=subprocess.STDOUT)
            running.append((service, process))
            started.append((service, process))
            print(f"starting {service.name} (log: {log}) ...", flush=True)
        for service, process in started:
            wait_healthy(service, process, timeout, log)
        for service, _process in started:
            if service.name.startswith("rasa"):
                warm_up(service.health_url.removesuffix("/status"))


def newest_model(path: Path) -> Path:
    if path.is_file():
        return path
    models = sorted(path.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise ConfigurationError(f"no trained Rasa model in {path}; run `make rasa-model` (make run does it)")
    return models[-1]


def wait_healthy(service: Service, process: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{service.name} exited with code {process.returncode}; see {log}")
        try:
            url = rasa_model.api_url(service.health_url, "", service.api_token)
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{service.name} did not answer {service.health_url} within {timeout:.0f}s; see {log}")
