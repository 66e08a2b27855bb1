"""How long the desk takes to publish its queue (``DeskService.publish_queue``: the console's list and
each waiting chat's position and estimated wait) with N chats waiting, and how many SQL statements
that costs. Every escalation, claim, transfer, hand-back and end publishes the queue once.

The store is a fresh SQLite file (migrated as the desk does it); each waiting chat has a few
messages, some staff are online and some earlier handoffs are finished (their durations feed the
wait estimate). Nothing is mocked but Rasa, which publishing never calls.

    .venv/bin/python bench/queue_publish.py [--waiting 100 250 500] [--repeat 5]
"""
from __future__ import annotations

import argparse
import asyncio
import datetime
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
# The imports below need the project root on sys.path first, hence their E402 exceptions.
from sqlalchemy import event  # noqa: E402

from daofu_protocol import HandoffReason  # noqa: E402
from desk.auth import create_staff  # noqa: E402
from desk.db import Database, migrate  # noqa: E402
from desk.hub import Hub  # noqa: E402
from desk.models import Conversation, Handoff, Message, utcnow  # noqa: E402
from desk.queue_states import ConversationStatus, HandoffStatus  # noqa: E402
from desk.rasa_client import RasaClient  # noqa: E402
from desk.service import CONSOLE_TOPIC, DeskService  # noqa: E402
from desk.settings import DeskSettings  # noqa: E402

REASONS = (HandoffReason.USER_REQUEST, HandoffReason.COMPLAINT, HandoffReason.REPEATED_FAILURE,
           HandoffReason.BAD_FEEDBACK)


def fill(database: Database, waiting: int) -> None:
    """``waiting`` queued chats (3 messages each), 20 finished handoffs, 3 staff online."""
    start = utcnow() - datetime.timedelta(hours=2)
    with database.session() as session:
        staff = [create_staff(session, f"staff{i}", f"password-staff{i}", "staff", f"坐席{i}") for i in range(3)]
        for member in staff:
            member.last_seen = utcnow()
        for number in range(20):
            conversation_id = f"done-{number:04d}"
            session.add(Conversation(id=conversation_id, status=ConversationStatus.CLOSED))
            claimed = start + datetime.timedelta(minutes=number)
            session.add(Handoff(conversation_id=conversation_id, reason=HandoffReason.USER_REQUEST,
                                priority=HandoffReason.USER_REQUEST.priority, summary="", status=HandoffStatus.RESOLVED,
                                created_at=claimed, claimed_at=claimed, claimed_by=staff[0].id,
                                ended_at=claimed + datetime.timedelta(seconds=120 + 10 * number)))
        for number in range(waiting):
            conversation_id = f"wait-{number:04d}"
            created = start + datetime.timedelta(seconds=number)
            session.add(Conversation(id=conversation_id, status=ConversationStatus.QUEUED, created_at=created,
                                     updated_at=created))
            for turn, (sender, text) in enumerate((("user", "开饭店要办什么证"), ("bot", "您想了解的是下面哪一项？"),
                                                   ("user", "转人工"))):
                session.add(Message(conversation_id=conversation_id, sender=sender, text=text,
                                    created_at=created + datetime.timedelta(milliseconds=turn)))
            reason = REASONS[number % len(REASONS)]
            session.add(Handoff(conversation_id=conversation_id, reason=reason, priority=reason.priority,
                                summary="用户最近的问题：开饭店要办什么证", status=HandoffStatus.WAITING, created_at=created))


async def measure(waiting: int, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'desk.sqlite3'}"
        migrate(url)
        database = Database(url)
        fill(database, waiting)
        settings = DeskSettings(database_url=url)
        hub = Hub()
        service = DeskService(settings, database, hub, RasaClient(["http://127.0.0.1:9"], 1.0))
        statements = [0]

        @event.listens_for(database.engine, "before_cursor_execute")
        def _count(*_: Any) -> None:
            statements[0] += 1

        frames = [0]
        async with hub.subscribe(CONSOLE_TOPIC) as console:
            times = []
            for _ in range(repeat):
                statements[0] = 0
                began = time.perf_counter()
                await service.publish_queue()
                times.append(time.perf_counter() - began)
                per_run = statements[0]
                while not console.empty():
                    console.get_nowait()
                    frames[0] += 1
        database.engine.dispose()
        return {"waiting": waiting, "median_ms": 1000 * statistics.median(times), "min_ms": 1000 * min(times),
                "statements": per_run, "console_frames": frames[0] // repeat}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--waiting", type=int, nargs="+", default=[100, 250, 500])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    rows = [asyncio.run(measure(waiting, args.repeat)) for waiting in args.waiting]
    print(f"publish_queue, SQLite, median of {args.repeat} runs")
    print(f"{'waiting chats':>13} | {'median ms':>9} | {'min ms':>8} | {'SQL statements':>14} | {'console frames':>14}")
    print(f"{'-' * 13}-|-{'-' * 9}-|-{'-' * 8}-|-{'-' * 14}-|-{'-' * 14}")
    for row in rows:
        print(f"{row['waiting']:>13} | {row['median_ms']:>9.0f} | {row['min_ms']:>8.0f} | {row['statements']:>14} | "
              f"{row['console_frames']:>14}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
