"""The queue's states: the transition tables (every allowed and every refused change), the CHECK
constraints of migration 0004, queue positions computed once per publish, relay locks pruned."""
from __future__ import annotations

import asyncio
import datetime
import importlib.util
import itertools
import sqlite3
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from desk.auth import create_staff
from desk.db import MIGRATIONS, Database, migrate
from desk.hub import Hub
from desk.models import Conversation, Handoff, Message, utcnow
from desk.queue_states import (
    CONVERSATION_TRANSITIONS,
    HANDOFF_TRANSITIONS,
    TICKET_TRANSITIONS,
    ConversationStatus,
    HandoffStatus,
    QueueTransitionError,
    TicketStatus,
    next_status,
)
from desk.service import CONSOLE_TOPIC, DeskService, conversation_topic
from desk.settings import DeskSettings
from tests.fakes import ScriptedRasa

TABLES: list[tuple[Any, type[StrEnum]]] = [(CONVERSATION_TRANSITIONS, ConversationStatus),
                                           (HANDOFF_TRANSITIONS, HandoffStatus), (TICKET_TRANSITIONS, TicketStatus)]
# Sorted: the tables hold sets, and a parallel run needs the same order of tests in every worker.
ALLOWED = [(table, source, target) for table, kind in TABLES for source in kind for target in sorted(table[source])]
REFUSED = [(table, source, target) for table, kind in TABLES for source, target in itertools.product(kind, kind)
           if target not in table[source]]


def test_every_status_has_a_row_and_a_label() -> None:
    for table, kind in TABLES:
        assert set(table) == set(kind)
        assert all(status.label for status in kind)


@pytest.mark.parametrize("table, source, target", ALLOWED, ids=lambda v: getattr(v, "value", ""))
def test_allowed_transitions(table: Any, source: StrEnum, target: StrEnum) -> None:
    assert next_status(table, source, target) is target
    assert next_status(table, source.value, target) is target  # stored rows hold plain strings


@pytest.mark.parametrize("table, source, target", REFUSED, ids=lambda v: getattr(v, "value", ""))
def test_refused_transitions(table: Any, source: StrEnum, target: StrEnum) -> None:
    with pytest.raises(QueueTransitionError, match="不能变为"):
        next_status(table, source, target)


def test_the_tables_say_what_the_queue_means() -> None:
    # A handoff that ended stays ended; a closed ticket takes no answer; a chat in the queue does
    # not go back to the bot without a person (hand-back is from live).
    assert not HANDOFF_TRANSITIONS[HandoffStatus.RESOLVED] and not HANDOFF_TRANSITIONS[HandoffStatus.ABANDONED]
    assert not TICKET_TRANSITIONS[TicketStatus.CLOSED]
    assert ConversationStatus.BOT not in CONVERSATION_TRANSITIONS[ConversationStatus.QUEUED]
    assert len(REFUSED) == 5 + 20 + 5  # a change to a table is deliberate


def test_an_unknown_stored_status_is_a_conflict_not_a_crash() -> None:
    with pytest.raises(QueueTransitionError, match="未知状态"):
        next_status(CONVERSATION_TRANSITIONS, "archived", ConversationStatus.BOT)


def test_the_migration_constrains_exactly_the_enums_values() -> None:
    spec = importlib.util.spec_from_file_location("m0004", MIGRATIONS / "versions" / "0004_queue_status_checks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = {table: condition for table, _, condition in module.CHECKS}
    for table, kind in (("conversations", ConversationStatus), ("handoffs", HandoffStatus), ("tickets", TicketStatus)):
        assert written[table] == "status IN (" + ", ".join(f"'{status.value}'" for status in kind) + ")"


@pytest.mark.parametrize("table, columns", [
    ("conversations", "id, status, created_at, updated_at"),
    ("tickets", "tracking_number, question, contact, status, created_at"),
])
def test_the_database_refuses_an_unknown_status(tmp_path: Path, table: str, columns: str) -> None:
    path = tmp_path / "desk.sqlite3"
    migrate(f"sqlite:///{path}")
    values = {"conversations": "'c1', '{}', '2026-01-01', '2026-01-01'",
              "tickets": "'T1', '问题', '', '{}', '2026-01-01'"}[table]
    with sqlite3.connect(path) as connection:
        connection.execute(f"INSERT INTO {table} ({columns}) VALUES ({values.format('closed')})")
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
            connection.execute(f"INSERT INTO {table} ({columns}) VALUES ({values.format('archived').replace('1', '2')})")


# ------------------------------------------------------------------ publishing the queue


@pytest.fixture()
def service(tmp_path: Path) -> DeskService:
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    migrate(url)
    return DeskService(DeskSettings(database_url=url), Database(url), Hub(), ScriptedRasa())  # type: ignore[arg-type]


def _queue(service: DeskService, count: int) -> list[str]:
    """``count`` chats waiting with mixed priorities, some of them created at the same instant."""
    start = utcnow() - datetime.timedelta(minutes=30)
    ids = []
    with service.db.session() as session:
        create_staff(session, "alice", "password-alice", "staff", "王小丽").last_seen = utcnow()
        for number in range(count):
            conversation_id = f"c{number:03d}"
            created = start + datetime.timedelta(seconds=number // 2)  # pairs share a creation time
            session.add(Conversation(id=conversation_id, status=ConversationStatus.QUEUED))
            session.add(Message(conversation_id=conversation_id, sender="user", text=f"问题{number}"))
            session.add(Handoff(conversation_id=conversation_id, reason="user_request", priority=number % 3,
                                summary="", status=HandoffStatus.WAITING, created_at=created))
            ids.append(conversation_id)
        done = Conversation(id="done", status=ConversationStatus.CLOSED)
        session.add(done)
        session.add(Handoff(conversation_id="done", reason="complaint", priority=0, summary="",
                            status=HandoffStatus.RESOLVED, created_at=start, claimed_at=start,
                            ended_at=start + datetime.timedelta(seconds=240)))
    return ids


async def _published(service: DeskService, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    frames: dict[str, list[dict[str, Any]]] = {}

    async def listen(topic: str, ready: asyncio.Event) -> None:
        async with service.hub.subscribe(topic) as queue:
            ready.set()
            while True:
                frames.setdefault(topic, []).append(await queue.get())

    readies = [asyncio.Event() for _ in range(len(ids) + 1)]
    listeners = [asyncio.create_task(listen(topic, ready))
                 for topic, ready in zip([CONSOLE_TOPIC] + [conversation_topic(i) for i in ids], readies, strict=True)]
    await asyncio.gather(*(ready.wait() for ready in readies))
    await service.publish_queue()
    await asyncio.sleep(0)
    for listener in listeners:
        listener.cancel()
    return frames


def test_one_publish_gives_every_waiting_chat_the_position_its_own_lookup_gives(service: DeskService) -> None:
    ids = _queue(service, 30)
    frames = asyncio.run(_published(service, ids))
    console = frames[CONSOLE_TOPIC]
    assert console[0]["type"] == "queue" and [f["conversation_id"] for f in console[1:]] == \
        [item["conversation_id"] for item in console[0]["items"]]
    positions = {i: frames[conversation_topic(i)][0]["queue"] for i in ids}
    assert positions == {i: asyncio.run(service.queue_position(i)) for i in ids}
    # Priority first, then age, then the order the chats were queued in.
    order = sorted(ids, key=lambda i: (int(i[1:]) % 3, int(i[1:]) // 2, int(i[1:])))
    assert [i for i, _ in sorted(positions.items(), key=lambda entry: entry[1]["position"])] == order
    assert positions[order[0]] == {"position": 1, "estimated_wait_seconds": 240}
    assert all(frames[conversation_topic(i)][0]["status"] == "queued" for i in ids)


def test_publish_queries_do_not_grow_with_the_queue(service: DeskService) -> None:
    counts = []
    for count in (5, 40):
        ids = _queue(service, count) if not counts else [f"x{n}" for n in range(count)]
        if counts:  # a second, longer queue in the same store
            with service.db.session() as session:
                for conversation_id in ids:
                    session.add(Conversation(id=conversation_id, status=ConversationStatus.QUEUED))
                    session.add(Handoff(conversation_id=conversation_id, reason="complaint", priority=0, summary="",
                                        status=HandoffStatus.WAITING))
        statements = [0]

        def count_statement(*_: Any, statements: list[int] = statements) -> None:
            statements[0] += 1
        event.listen(service.db.engine, "before_cursor_execute", count_statement)
        asyncio.run(service.publish_queue())
        event.remove(service.db.engine, "before_cursor_execute", count_statement)
        counts.append(statements[0])
    assert counts[0] == counts[1] <= 8, counts


def test_relay_locks_are_dropped_when_the_relay_is_done(service: DeskService) -> None:
    with service.db.session() as session:
        for number in range(20):
            session.add(Conversation(id=f"r{number}", status=ConversationStatus.BOT))

    async def relay_all() -> int:
        # Two messages of one conversation at once: the second waits for the first's lock.
        await asyncio.gather(*(service.relay(f"r{number % 10}", f"问题{number}") for number in range(20)))
        return len(service._relay_locks)

    assert asyncio.run(relay_all()) == 0
    with service.db.session() as session:
        assert session.query(Message).filter(Message.sender == "bot").count() == 20
