"""``python -m launcher``: start the action server, the Rasa server and the desk; stop them together.

Each process logs to ``var/log/<name>.log``. The launcher waits until each answers its health
check, prints the URLs, and stops everything when one process dies or on Ctrl-C.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import ConfigurationError
from indexer.settings import PROJECT_ROOT
from launcher.settings import ServiceSettings

LOG_DIR = PROJECT_ROOT / "var" / "log"


@dataclass(frozen=True)
class Service:
    name: str
    command: list[str]
    health_url: str
    environment: dict[str, str]


def services(settings: ServiceSettings) -> list[Service]:
    base = {**os.environ, "PYTHONUNBUFFERED": "1", "RASA_TELEMETRY_ENABLED": "false", "TOKENIZERS_PARALLELISM": "false"}
    model = newest_model(settings.rasa_model)
    found: list[Service] = [
        Service("actions", [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "-p", str(settings.actions_port)],
                f"http://{settings.actions_host}:{settings.actions_port}/health",
                {**base, "SANIC_HOST": settings.actions_host}),
        Service("rasa", [str(settings.rasa_venv / "bin" / "rasa"), "run", "--enable-api", "--cors", "*",
                         "--credentials", "bot/credentials.yml", "--endpoints", "bot/endpoints.yml",
                         "--model", str(model), "-i", settings.rasa_host, "-p", str(settings.rasa_port)],
                f"{settings.rasa_url}/status", {**base, "DAOFU_ACTION_ENDPOINT": settings.action_endpoint}),
    ]
    desk = _desk_service(base)
    if desk is not None:
        found.append(desk)
    return found


def _desk_service(base: dict[str, str]) -> Service | None:
    try:
        from desk.settings import DeskSettings
    except ImportError:
        return None
    desk = DeskSettings.from_env()
    return Service("desk", [sys.executable, "-m", "desk"], f"http://{desk.host}:{desk.port}/healthz", base)


def newest_model(path: Path) -> Path:
    if path.is_file():
        return path
    models = sorted(path.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise ConfigurationError(f"no trained Rasa model in {path}; run `make rasa-model` (make run does it)")
    return models[-1]


def wait_healthy(service: Service, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{service.name} exited with code {process.returncode}; see {LOG_DIR / (service.name + '.log')}")
        try:
            with urllib.request.urlopen(service.health_url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{service.name} did not answer {service.health_url} within {timeout:.0f}s; "
                       f"see {LOG_DIR / (service.name + '.log')}")


def main() -> int:
    settings = ServiceSettings.from_env()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    running: list[tuple[Service, subprocess.Popen[bytes]]] = []

    def stop(*_: object) -> None:
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
        for service in services(settings):
            log = (LOG_DIR / f"{service.name}.log").open("ab")
            process = subprocess.Popen(service.command, cwd=PROJECT_ROOT, env=service.environment,
                                       stdout=log, stderr=subprocess.STDOUT)
            running.append((service, process))
            print(f"starting {service.name} (log: {LOG_DIR / (service.name + '.log')}) ...", flush=True)
            wait_healthy(service, process, settings.startup_timeout)
        print(f"\ndaofu is running:\n  Rasa server (REST, socket.io, HTTP API): {settings.rasa_url}\n"
              f"  action server: {settings.action_endpoint}", flush=True)
        _print_desk_urls()
        print("Press Ctrl-C to stop.", flush=True)
        while all(process.poll() is None for _, process in running):
            time.sleep(1)
        dead = [service.name for service, process in running if process.poll() is not None]
        print(f"stopping: {', '.join(dead)} exited (see var/log/)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, ConfigurationError) as error:
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
