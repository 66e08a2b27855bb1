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
import signal
import subprocess
import sys
import time

from daofu_core.errors import DaofuError
from indexer.settings import IndexerSettings
from launcher import rasa_model
from launcher.processes import Service, services, start
from launcher.settings import ServiceSettings
from launcher.startup import Background, Children, StageClock, prepare


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

    def on_sigterm(*_: object) -> None:
        stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
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
