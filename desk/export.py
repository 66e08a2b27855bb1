"""CSV exports of the analytics page: the window's conversations, messages, handoffs or tickets.

Every free-text column goes through ``mask_personal_data`` (phone, ID-card and credit-code numbers);
ids, statuses and times are written as stored. Times are local (the service's time zone, like the
days of the analytics page) as ``YYYY-MM-DD HH:MM:SS``, which Excel reads as a date.
The file is UTF-8 with a byte order mark, without which Excel shows Chinese as mojibake.
"""
from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daofu_protocol import reason_label
from desk.analytics import Window, not_found_marker
from desk.masking import mask_personal_data
from desk.models import Conversation, Handoff, Message, Ticket
from desk.service import aware

BOM = "\ufeff"
# Excel runs a cell starting with one of these as a formula: user text must not become one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = Sequence[Any]


def export_csv(session: Session, table: str, span: Window) -> str:
    """The CSV text (with BOM) of ``table`` for the window; ``table`` is one of TABLES."""
    header, rows = TABLES[table](session, span)
    return csv_text(header, rows)


def csv_text(header: Sequence[str], rows: Iterable[Row]) -> str:
    """Every CSV the desk exports: UTF-8 with a BOM (Excel then reads Chinese right), CRLF lines."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def formula_safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula (= + - @ …) kept as text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def free_text(value: str | None) -> str:
    """A user- or staff-written text as it may leave the desk: personal data masked, no formula."""
    masked = mask_personal_data(value or "")
    return formula_safe(masked)


def _conversations(session: Session, span: Window) -> tuple[Row, Iterator[Row]]:
    header = ("id", "status", "created_at", "updated_at", "rating", "rating_comment", "page_url")
    rows = session.scalars(select(Conversation).where(Conversation.created_at >= span.start,
                                                      Conversation.created_at < span.end)
                           .order_by(Conversation.created_at, Conversation.id))
    return header, ((c.id, c.status, _time(c.created_at, span), _time(c.updated_at, span), _int(c.rating),
                     free_text(c.rating_comment), free_text(c.page_url)) for c in rows)


def _messages(session: Session, span: Window) -> tuple[Row, Iterator[Row]]:
    header = ("id", "conversation_id", "sender", "staff_id", "text", "not_found", "created_at")
    rows = session.scalars(select(Message).where(Message.created_at >= span.start, Message.created_at < span.end)
                           .order_by(Message.id))
    return header, ((m.id, m.conversation_id, m.sender, _int(m.staff_id), free_text(m.text),
                     1 if not_found_marker(m.payload) is not None else "", _time(m.created_at, span)) for m in rows)


def _handoffs(session: Session, span: Window) -> tuple[Row, Iterator[Row]]:
    header = ("id", "conversation_id", "reason", "reason_text", "priority", "status", "summary",
              "created_at", "claimed_at", "claimed_by", "ended_at", "wait_seconds")
    rows = session.scalars(select(Handoff).where(Handoff.created_at >= span.start, Handoff.created_at < span.end)
                           .order_by(Handoff.id))
    return header, ((h.id, h.conversation_id, h.reason, reason_label(h.reason), h.priority, h.status,
                     free_text(h.summary), _time(h.created_at, span), _time(h.claimed_at, span), _int(h.claimed_by),
                     _time(h.ended_at, span), _wait(h)) for h in rows)


def _tickets(session: Session, span: Window) -> tuple[Row, Iterator[Row]]:
    header = ("id", "tracking_number", "conversation_id", "status", "question", "contact", "answer", "answered_by",
              "created_at", "answered_at", "closed_at")
    rows = session.scalars(select(Ticket).where(Ticket.created_at >= span.start, Ticket.created_at < span.end)
                           .order_by(Ticket.id))
    return header, ((t.id, t.tracking_number, t.conversation_id or "", t.status, free_text(t.question),
                     free_text(t.contact), free_text(t.answer), _int(t.answered_by), _time(t.created_at, span),
                     _time(t.answered_at, span), _time(t.closed_at, span)) for t in rows)


TABLES: dict[str, Callable[[Session, Window], tuple[Row, Iterator[Row]]]] = {
    "conversations": _conversations,
    "messages": _messages,
    "handoffs": _handoffs,
    "tickets": _tickets,
}


def _time(value: datetime.datetime | None, span: Window) -> str:
    stamp = aware(value)
    return stamp.astimezone(span.zone).strftime("%Y-%m-%d %H:%M:%S") if stamp else ""


def _int(value: int | None) -> int | str:
    return "" if value is None else value


def _wait(handoff: Handoff) -> float | str:
    created, claimed = aware(handoff.created_at), aware(handoff.claimed_at)
    if created is None or claimed is None:
        return ""
    return round((claimed - created).total_seconds(), 1)
