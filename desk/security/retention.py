"""Retention (issue 13 item 10): ``python -m desk purge --older-than DAYS`` deletes old personal data.

What goes, once older than the cut-off:
- conversations last active before it and no longer in a person's hands (not queued or live), with
  their messages and hand-offs; a ticket or demand that still points at one keeps its own text and
  loses only the link;
- tickets answered or closed before it (open ones wait for an answer whatever their age);
- demands closed before it, with their events and notifications;
- appointments whose visit day is before it (booked or cancelled: name and phone), and sent or
  failed notifications of no demand (appointment reminders) written before it.
Remote-help records and their files go with their conversation (desk/remote_help/retention.py).
Knowledge uploads are never kept (they are parsed in a temporary folder, desk/knowledge_editing.py) and
knowledge versions are public texts, so neither is touched. Deleting, not anonymising: the analytics
of the purged period are gone too, which is what a retention limit means.

Each run leaves an audit line: a log record on ``desk.audit`` and a JSON line appended to
``var/audit/retention.jsonl`` (who ran it is the process's account; the counts say what went).
"""
from __future__ import annotations

import dataclasses
import datetime
import getpass
import json
import logging
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from daofu_core.paths import PROJECT_ROOT
from desk.demands.states import DemandState
from desk.models import (
    Appointment,
    Conversation,
    Demand,
    DemandEvent,
    Handoff,
    Message,
    NotificationOutbox,
    Ticket,
    utcnow,
)
from desk.queue_states import ConversationStatus, TicketStatus
from desk.remote_help.retention import purge_conversations as purge_remote_help

audit_log = logging.getLogger("desk.audit")
AUDIT_FILE = PROJECT_ROOT / "var" / "audit" / "retention.jsonl"
# A person is (about to be) serving it: never purged mid-chat.
IN_PROGRESS = (ConversationStatus.QUEUED, ConversationStatus.LIVE)
_CHUNK = 500  # ids per IN (...), below every database's parameter limit


@dataclasses.dataclass(frozen=True)
class PurgeResult:
    cutoff: datetime.datetime
    conversations: int
    messages: int
    handoffs: int
    tickets: int
    demands: int
    demand_events: int
    notifications: int
    remote_helps: int = 0  # remote help (rows and kept files) of the purged conversations
    appointments: int = 0

    def summary(self) -> str:
        return (f"purged data older than {self.cutoff.isoformat(timespec='seconds')}: "
                f"{self.conversations} conversations, {self.messages} messages, {self.handoffs} hand-offs, "
                f"{self.tickets} tickets, {self.demands} closed demands ({self.demand_events} events, "
                f"{self.notifications} notifications), {self.remote_helps} remote helps, {self.appointments} appointments")


def purge(session: Session, older_than_days: int, now: datetime.datetime | None = None) -> PurgeResult:
    """Delete what is older than ``older_than_days`` days (>= 1) in one transaction of ``session``."""
    if older_than_days < 1:
        raise ValueError(f"older_than_days must be at least 1, got {older_than_days}")
    cutoff = (now or utcnow()) - datetime.timedelta(days=older_than_days)

    tickets = _ids(session, select(Ticket.id).where(Ticket.status != TicketStatus.OPEN, Ticket.created_at < cutoff,
                                                   (Ticket.closed_at.is_(None) | (Ticket.closed_at < cutoff)),
                                                   (Ticket.answered_at.is_(None) | (Ticket.answered_at < cutoff))))
    demands = _ids(session, select(Demand.id).where(Demand.status == DemandState.CLOSED.value,
                                                   Demand.closed_at.is_not(None), Demand.closed_at < cutoff))
    conversations = _ids(session, select(Conversation.id).where(Conversation.updated_at < cutoff,
                                                               Conversation.status.not_in(IN_PROGRESS)))
    counts = {"tickets": 0, "demands": 0, "demand_events": 0, "notifications": 0, "messages": 0, "handoffs": 0,
              "conversations": 0, "remote_helps": 0, "appointments": 0}
    appointments = _ids(session, select(Appointment.id).where(Appointment.day < cutoff.date()))
    for chunk in _chunks(appointments):
        counts["appointments"] += _delete(session, delete(Appointment).where(Appointment.id.in_(chunk)))
    counts["notifications"] += _delete(session, delete(NotificationOutbox).where(
        NotificationOutbox.demand_id.is_(None), NotificationOutbox.status != "pending",
        NotificationOutbox.created_at < cutoff))
    for chunk in _chunks(tickets):
        counts["tickets"] += _delete(session, delete(Ticket).where(Ticket.id.in_(chunk)))
    for chunk in _chunks(demands):
        counts["demand_events"] += _delete(session, delete(DemandEvent).where(DemandEvent.demand_id.in_(chunk)))
        counts["notifications"] += _delete(session, delete(NotificationOutbox)
                                           .where(NotificationOutbox.demand_id.in_(chunk)))
        counts["demands"] += _delete(session, delete(Demand).where(Demand.id.in_(chunk)))
    for chunk in _chunks(conversations):
        # What outlives the conversation keeps its own text; only the link goes.
        session.execute(update(Ticket).where(Ticket.conversation_id.in_(chunk)).values(conversation_id=None))
        session.execute(update(Demand).where(Demand.conversation_id.in_(chunk)).values(conversation_id=None))
        session.execute(update(Appointment).where(Appointment.conversation_id.in_(chunk)).values(conversation_id=None))
        counts["remote_helps"] += purge_remote_help(session, chunk)
        counts["messages"] += _delete(session, delete(Message).where(Message.conversation_id.in_(chunk)))
        counts["handoffs"] += _delete(session, delete(Handoff).where(Handoff.conversation_id.in_(chunk)))
        counts["conversations"] += _delete(session, delete(Conversation).where(Conversation.id.in_(chunk)))
    return PurgeResult(cutoff=cutoff, **counts)


def write_audit_line(result: PurgeResult, older_than_days: int, audit_file: Path = AUDIT_FILE) -> None:
    """The run's audit record: a ``desk.audit`` log line and a JSON line in ``audit_file``."""
    record = {"at": utcnow().isoformat(timespec="seconds"), "action": "purge", "older_than_days": older_than_days,
              "by": _account(), **{k: (v.isoformat(timespec="seconds") if isinstance(v, datetime.datetime) else v)
                                   for k, v in dataclasses.asdict(result).items()}}
    audit_log.warning("retention purge by %s: %s", record["by"], result.summary())
    audit_file.parent.mkdir(parents=True, exist_ok=True)
    with audit_file.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def _ids(session: Session, query: object) -> list[object]:
    return list(session.scalars(query))  # type: ignore[call-overload]  # callers pass select() statements, typed object here


def _chunks(ids: list[object]) -> list[list[object]]:
    return [ids[start:start + _CHUNK] for start in range(0, len(ids), _CHUNK)]


def _delete(session: Session, statement: object) -> int:
    # callers pass delete() statements (typed object here), whose result is a CursorResult with rowcount
    return int(session.execute(statement).rowcount or 0)  # type: ignore[call-overload]


def _account() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        return "unknown"
