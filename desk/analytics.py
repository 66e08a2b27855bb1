"""The numbers of the analytics page (desk/PROTOCOL.md "Analytics"), computed over a window of days.

A window of N days ends today and starts N - 1 days earlier; days are calendar days in the service's
time zone (``DeskSettings.timezone_offset_hours``, China Standard Time by default), so "today" for an
editor in Beijing starts at 00:00 Beijing time, not UTC.

Definitions:

* a conversation counts once the user has written something in it (opening the widget alone is
  not a conversation), on the day it was opened;
* it was *answered by the bot* (without a human) when it has no handoff and no left message (ticket);
* escalations are handoffs created in the window, by reason;
* the wait of a handoff is claimed_at - created_at, over the claimed ones;
* ratings are those of conversations opened in the window;
* a question is a user message typed in the window (button clicks and left messages are not
  questions); an unanswered question is the one a bot reply marked ``custom.not_found`` answered.

The SQL is plain filters and GROUP BY that SQLite and PostgreSQL both run; grouping questions
and bucketing by local day happen in Python over the window's rows.
"""
from __future__ import annotations

import datetime
import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from daofu_protocol import LEAVE_MESSAGE_PREFIX, NotFound, parse_message_payload, reason_label
from desk.masking import mask_personal_data
from desk.models import Conversation, Handoff, Message, Ticket
from desk.service import aware
from indexer.normalize import normalize_text

MIN_DAYS = 1
MAX_DAYS = 366
TOP_QUESTIONS = 10


@dataclass(frozen=True)
class Window:
    """Calendar days ``first``..``last`` (local), as the UTC instants ``start`` <= t < ``end``."""

    first: datetime.date
    last: datetime.date
    start: datetime.datetime
    end: datetime.datetime
    zone: datetime.timezone

    @property
    def dates(self) -> list[datetime.date]:
        return [self.first + datetime.timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def local_date(self, moment: datetime.datetime) -> datetime.date:
        stamp = aware(moment)
        assert stamp is not None
        return stamp.astimezone(self.zone).date()


def window(days: int, offset_hours: float, now: datetime.datetime | None = None) -> Window:
    """The last ``days`` local calendar days up to and including today."""
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(f"days must be {MIN_DAYS}..{MAX_DAYS}, got {days}")
    zone = datetime.timezone(datetime.timedelta(hours=offset_hours))
    moment = aware(now) or datetime.datetime.now(datetime.UTC)
    last = moment.astimezone(zone).date()
    first = last - datetime.timedelta(days=days - 1)
    return Window(first, last, _midnight(first, zone), _midnight(last + datetime.timedelta(days=1), zone), zone)


def _midnight(day: datetime.date, zone: datetime.timezone) -> datetime.datetime:
    """Local 00:00 of ``day`` as a UTC instant (the store keeps UTC)."""
    return datetime.datetime.combine(day, datetime.time(), zone).astimezone(datetime.UTC)


@dataclass(frozen=True)
class DayCount:
    date: datetime.date
    conversations: int
    answered_by_bot: int


@dataclass(frozen=True)
class QuestionCount:
    text: str  # the most frequent wording among the messages grouped together
    count: int


@dataclass(frozen=True)
class Analytics:
    window: Window
    days: tuple[DayCount, ...]
    escalations_by_reason: tuple[tuple[str, int], ...]  # most frequent first
    wait_median_seconds: float | None
    wait_p90_seconds: float | None
    ratings: tuple[int, int, int, int, int]  # how many conversations were rated 1, 2, 3, 4, 5
    top_questions: tuple[QuestionCount, ...]
    top_unanswered: tuple[QuestionCount, ...]

    @property
    def conversations(self) -> int:
        return sum(day.conversations for day in self.days)

    @property
    def answered_by_bot(self) -> int:
        return sum(day.answered_by_bot for day in self.days)

    @property
    def answered_without_human_share(self) -> float | None:
        return round(self.answered_by_bot / self.conversations, 4) if self.conversations else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON answer of GET /api/analytics."""
        return {
            "window": {"days": len(self.days), "first": self.window.first.isoformat(),
                       "last": self.window.last.isoformat()},
            "days": [{"date": d.date.isoformat(), "conversations": d.conversations,
                      "answered_by_bot": d.answered_by_bot} for d in self.days],
            "conversations": self.conversations,
            "answered_by_bot": self.answered_by_bot,
            "answered_without_human_share": self.answered_without_human_share,
            "escalations_by_reason": dict(self.escalations_by_reason),
            "reason_labels": {reason: reason_label(reason) for reason, _ in self.escalations_by_reason},
            "wait_seconds": {"median": self.wait_median_seconds, "p90": self.wait_p90_seconds},
            "ratings": {str(score): count for score, count in enumerate(self.ratings, start=1)},
            "top_questions": [{"text": q.text, "count": q.count} for q in self.top_questions],
            "top_unanswered": [{"text": q.text, "count": q.count} for q in self.top_unanswered],
        }


def compute(session: Session, days: int, offset_hours: float, now: datetime.datetime | None = None) -> Analytics:
    """All numbers of the analytics page for the last ``days`` days."""
    span = window(days, offset_hours, now)
    waits = wait_seconds(session, span)
    questions, unanswered = asked_questions(session, span)
    return Analytics(
        window=span,
        days=tuple(daily_counts(session, span)),
        escalations_by_reason=tuple(escalations_by_reason(session, span)),
        wait_median_seconds=percentile(waits, 50),
        wait_p90_seconds=percentile(waits, 90),
        ratings=ratings(session, span),
        top_questions=tuple(top_texts(questions)),
        top_unanswered=tuple(top_texts(unanswered)),
    )


# ---------------------------------------------------------------------- conversations


def daily_counts(session: Session, span: Window) -> list[DayCount]:
    """Conversations and those answered by the bot alone, per local day, every day of the window."""
    opened = (Conversation.created_at >= span.start) & (Conversation.created_at < span.end)
    in_window = select(Conversation.id).where(opened)
    engaged = select(Message.conversation_id).where(Message.sender == "user", Message.conversation_id.in_(in_window))
    escalated = set(session.scalars(select(Handoff.conversation_id).where(Handoff.conversation_id.in_(in_window))))
    left_message = set(session.scalars(select(Ticket.conversation_id).where(Ticket.conversation_id.in_(in_window))))
    rows = session.execute(select(Conversation.id, Conversation.created_at)
                           .where(opened, Conversation.id.in_(engaged))).all()
    totals: Counter[datetime.date] = Counter()
    by_bot: Counter[datetime.date] = Counter()
    for conversation_id, created_at in rows:
        day = span.local_date(created_at)
        totals[day] += 1
        if conversation_id not in escalated and conversation_id not in left_message:
            by_bot[day] += 1
    return [DayCount(day, totals[day], by_bot[day]) for day in span.dates]


def ratings(session: Session, span: Window) -> tuple[int, int, int, int, int]:
    rows = session.execute(select(Conversation.rating, func.count())
                           .where(Conversation.created_at >= span.start, Conversation.created_at < span.end,
                                  Conversation.rating.is_not(None))
                           .group_by(Conversation.rating)).all()
    counts = {int(score): int(count) for score, count in rows if score is not None}  # the query left out None
    one, two, three, four, five = (counts.get(score, 0) for score in range(1, 6))
    return one, two, three, four, five


# ---------------------------------------------------------------------- handoffs


def escalations_by_reason(session: Session, span: Window) -> list[tuple[str, int]]:
    rows = session.execute(select(Handoff.reason, func.count())
                           .where(Handoff.created_at >= span.start, Handoff.created_at < span.end)
                           .group_by(Handoff.reason)).all()
    return sorted(((str(reason), int(count)) for reason, count in rows), key=lambda row: (-row[1], row[0]))


def wait_seconds(session: Session, span: Window) -> list[float]:
    """How long each handoff of the window waited until a person claimed it (unclaimed ones left out)."""
    rows = session.execute(select(Handoff.created_at, Handoff.claimed_at)
                           .where(Handoff.created_at >= span.start, Handoff.created_at < span.end,
                                  Handoff.claimed_at.is_not(None))).all()
    # the query keeps only claimed handoffs, so claimed_at is set
    return [max(0.0, (aware(claimed) - aware(created)).total_seconds())  # type: ignore[operator]
            for created, claimed in rows]


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile with linear interpolation between ranks (numpy's default); None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    value = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return round(value, 1)


# ---------------------------------------------------------------------- questions


def asked_questions(session: Session, span: Window) -> tuple[list[str], list[str]]:
    """(every question users typed in the window, the questions the bot marked as not found)."""
    rows = session.execute(select(Message.conversation_id, Message.sender, Message.text, Message.payload)
                           .where(Message.created_at >= span.start, Message.created_at < span.end,
                                  Message.sender.in_(("user", "bot")))
                           .order_by(Message.conversation_id, Message.id)).all()
    questions: list[str] = []
    unanswered: list[str] = []
    last_question: dict[str, str] = {}
    for conversation_id, sender, text, payload in rows:
        if sender == "user":
            if is_question(text, payload):
                # Editors see questions, not whose they were: numbers are masked before grouping,
                # which also groups "my number is …" messages that differ only in the number.
                masked = mask_personal_data(text)
                questions.append(masked)
                last_question[conversation_id] = masked
            else:
                last_question.pop(conversation_id, None)  # the bot then answered a click, not a question
            continue
        marker = not_found_marker(payload)
        if marker is not None:
            # The user's own words read better than the bot's cleaned-up query.
            asked = last_question.pop(conversation_id, None) or mask_personal_data(str(marker.get("question") or ""))
            if asked.strip():
                unanswered.append(asked)
    return questions, unanswered


def is_question(text: str, payload: Any) -> bool:
    """Typed text counts; button clicks (their payload) and left messages do not."""
    if isinstance(payload, dict) and payload.get("button_payload"):
        return False
    return bool(text.strip()) and not text.startswith(LEAVE_MESSAGE_PREFIX)


def not_found_marker(payload: Any) -> NotFound | None:
    custom = parse_message_payload(payload)
    return custom.not_found if custom is not None else None


def question_key(text: str) -> str:
    """What two wordings of one question share: normalised (half-width, simplified Chinese),
    casefolded, without punctuation or whitespace."""
    normalised = normalize_text(text).casefold()
    return "".join(ch for ch in normalised if not ch.isspace() and not unicodedata.category(ch).startswith("P"))


def top_texts(texts: Iterable[str], limit: int = TOP_QUESTIONS) -> list[QuestionCount]:
    """The ``limit`` most frequent questions, each shown in its most frequent wording."""
    wordings: dict[str, Counter[str]] = {}
    for text in texts:
        key = question_key(text)
        if key:
            wordings.setdefault(key, Counter())[text.strip()] += 1
    groups = [QuestionCount(counter.most_common(1)[0][0], sum(counter.values())) for counter in wordings.values()]
    groups.sort(key=lambda group: (-group.count, group.text))
    return groups[:limit]
