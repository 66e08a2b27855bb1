"""Demand reports (诉求统计): per department and period, the most frequent topics, the CSV export.

The cohort of a period is the demands **received** in it (``created_at`` within the window of the
analytics page: N local days ending today, ``desk.analytics.window``), grouped by the department
that holds them now (a demand not yet dispatched, or returned, counts under "未派单"). Per department:

* received: demands of the cohort; closed: those now closed (办结);
* on-time rate: of the demands whose deadline has been judged, the share answered on time. Judged
  are the demands answered (``replied_at`` set, whatever happened after) and those still open past
  their due date; on time means the reply's local date is not after ``due_date`` (after an
  approved extension, the extended one). None when nothing has been judged yet;
* median handling time: working days (official calendar, ``working_days``) from the local day the
  demand was received to the local day of its (last) reply, over the answered demands;
* satisfaction: the 回访 ratings (满意 / 基本满意 / 不满意) and the share of 满意 + 基本满意;
* returns: 退单 events of the cohort's demands, counted for the department that returned them
  (the event's ``detail.department_id``: a returned demand no longer names it);
* reopen rate: the share of answered demands reopened after a 不满意 rating (重办).

Topics reuse the knowledge-gap clustering (``desk.knowledge_gaps``): each demand's text (masked)
is one question, embedded with the served e5 model and grouped by average-linkage clustering.
Everything is computed in Python over one query's rows (the local days computed by the database):
medians need the values anyway; bench/demand_board.py measures 10,000 demands.
"""
from __future__ import annotations

import datetime
import functools
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Date, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from desk.analytics import MAX_DAYS, Window
from desk.demands.service import Rating, mask_name, mask_phone
from desk.demands.states import OPEN_STATES, DemandAction, DemandState
from desk.demands.working_days import is_working_day
from desk.errors import DeskError
from desk.export import csv_text, free_text
from desk.knowledge_gaps import GapCluster, GapQuestion, cluster_questions, embed_questions
from desk.models import Demand, DemandEvent, Department
from desk.service import aware
from indexer.embedding import Encoder

UNASSIGNED = "未派单"
MAX_TOPIC_DEMANDS = 2000  # the most recent ones: average linkage needs an n x n distance matrix
SATISFIED = frozenset({Rating.SATISFIED.value, Rating.BASICALLY_SATISFIED.value})
_OPEN = frozenset(state.value for state in OPEN_STATES)


@dataclass
class DepartmentReport:
    """One department's numbers for the period (see the module docstring for each definition)."""

    department: str
    department_id: int | None
    received: int = 0
    closed: int = 0
    replied: int = 0
    judged: int = 0
    on_time: int = 0
    returns: int = 0
    reopened: int = 0
    ratings: dict[str, int] = field(default_factory=lambda: {rating.value: 0 for rating in Rating})
    handling_days: list[int] = field(default_factory=list, repr=False)

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.judged if self.judged else None

    @property
    def median_working_days(self) -> float | None:
        return float(statistics.median(self.handling_days)) if self.handling_days else None

    @property
    def satisfaction_rate(self) -> float | None:
        rated = sum(self.ratings.values())
        return sum(self.ratings[r] for r in SATISFIED) / rated if rated else None

    @property
    def reopen_rate(self) -> float | None:
        return self.reopened / self.replied if self.replied else None

    def add(self, other: DepartmentReport) -> None:
        self.received += other.received
        self.closed += other.closed
        self.replied += other.replied
        self.judged += other.judged
        self.on_time += other.on_time
        self.returns += other.returns
        self.reopened += other.reopened
        for rating, count in other.ratings.items():
            self.ratings[rating] += count
        self.handling_days.extend(other.handling_days)

    def to_dict(self) -> dict[str, Any]:
        return {"department": self.department, "department_id": self.department_id, "received": self.received,
                "closed": self.closed, "replied": self.replied, "judged": self.judged, "on_time": self.on_time,
                "on_time_rate": _round(self.on_time_rate), "median_working_days": self.median_working_days,
                "ratings": dict(self.ratings), "satisfaction_rate": _round(self.satisfaction_rate),
                "returns": self.returns, "reopened": self.reopened, "reopen_rate": _round(self.reopen_rate)}


@dataclass(frozen=True)
class Report:
    window: Window
    departments: list[DepartmentReport]  # most received first
    total: DepartmentReport

    def to_dict(self) -> dict[str, Any]:
        return {"window": {"days": (self.window.last - self.window.first).days + 1,
                           "first": self.window.first.isoformat(), "last": self.window.last.isoformat()},
                "departments": [row.to_dict() for row in self.departments], "total": self.total.to_dict()}


class WorkingDayCounter:
    """Working days in (start, end] by a prefix count over a span of days: one calendar look-up per
    day of the span instead of one per day per demand (each look-up of chinese-calendar costs tens of
    microseconds). The span grows when a date outside it is asked for: back with a margin, forward
    only as far as asked (the calendar may not know next year yet)."""

    MARGIN = datetime.timedelta(days=90)

    def __init__(self) -> None:
        self._first: datetime.date | None = None
        self._prefix: list[int] = []

    def between(self, start: datetime.date, end: datetime.date) -> int:
        if end <= start:
            return 0
        self.cover(start, end)
        assert self._first is not None
        return self._prefix[(end - self._first).days] - self._prefix[(start - self._first).days]

    def cover(self, start: datetime.date, end: datetime.date) -> None:
        """Count the days ``start``..``end`` (and those already counted) now."""
        if self._first is not None and self._first <= start and end < self._first + datetime.timedelta(len(self._prefix)):
            return
        first, last = start - self.MARGIN, end
        if self._first is not None:
            first, last = min(first, self._first), max(last, self._first + datetime.timedelta(len(self._prefix) - 1))
        prefix, count = [], 0
        for offset in range((last - first).days + 1):
            if offset and _is_working_day(first + datetime.timedelta(offset)):
                count += 1
            prefix.append(count)
        self._first, self._prefix = first, prefix


@functools.lru_cache(maxsize=8192)
def _is_working_day(day: datetime.date) -> bool:
    # The package's look-up checks its whole table each time; its answers do not change while the
    # process runs (a new calendar year comes with a package upgrade, hence a restart). An error
    # (a year it does not know) is raised each time, never remembered.
    return is_working_day(day)


def period(first: datetime.date, last: datetime.date, offset_hours: float) -> Window:
    """Local calendar days ``first``..``last`` as a window (a report's period chosen by dates)."""
    if last < first:
        raise DeskError(f"结束日期 {last.isoformat()} 早于开始日期 {first.isoformat()}，请调换后重试")
    if (last - first).days + 1 > MAX_DAYS:
        raise DeskError(f"统计区间最长 {MAX_DAYS} 天，收到 {(last - first).days + 1} 天")
    zone = datetime.timezone(datetime.timedelta(hours=offset_hours))
    def midnight(day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(), zone).astimezone(datetime.UTC)
    return Window(first, last, midnight(first), midnight(last + datetime.timedelta(days=1)), zone)


class LocalDay(FunctionElement[datetime.date]):
    """The local calendar day of a UTC timestamp column, computed by the database (reading 10,000
    timestamps into Python datetimes costs more than the whole report): SQLite's ``date(x, '+8
    hours')`` (text), PostgreSQL's ``timezone(interval, x)::date``."""

    inherit_cache = True
    type = Date()

    def __init__(self, column: Any, offset_hours: float) -> None:
        super().__init__(column)
        self.offset_minutes = round(offset_hours * 60)


@compiles(LocalDay, "sqlite")
def _local_day_sqlite(element: LocalDay, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '{element.offset_minutes:+d} minutes')"


@compiles(LocalDay, "postgresql")
def _local_day_postgresql(element: LocalDay, compiler: Any, **kw: Any) -> str:
    return f"CAST(timezone(INTERVAL '{element.offset_minutes:+d} minutes', {compiler.process(element.clauses, **kw)}) AS DATE)"


def department_report(session: Session, span: Window, today: datetime.date | None = None,
                      department_id: int | None = None) -> Report:
    """The period's numbers per department (and in total); ``department_id`` keeps one department."""
    today = today or span.last
    names = dict(session.execute(select(Department.id, Department.name)).tuples().all())
    offset = span.zone.utcoffset(None).total_seconds() / 3600
    received_day, replied_day = LocalDay(Demand.created_at, offset), LocalDay(Demand.replied_at, offset)
    query = select(Demand.department_id, Demand.status, received_day, Demand.due_date, replied_day, Demand.rating,
                   Demand.reopen_count > 0).where(Demand.created_at >= span.start, Demand.created_at < span.end)
    if department_id is not None:
        query = query.where(Demand.department_id == department_id)
    rows = session.execute(query).tuples().all()
    counter = WorkingDayCounter()
    counter.cover(span.first, max(today, span.last))  # every receipt and reply falls in it, once counted
    reports: dict[int | None, DepartmentReport] = {}

    def report_for(key: int | None) -> DepartmentReport:
        if key not in reports:
            reports[key] = DepartmentReport(names.get(key, UNASSIGNED) if key else UNASSIGNED, key)
        return reports[key]

    for dept, status, received_on, due_date, replied_on, rating, was_reopened in rows:
        row = report_for(dept)
        row.received += 1
        row.closed += status == DemandState.CLOSED.value
        if replied_on is not None:
            replied = _day(replied_on)
            row.replied += 1
            row.judged += 1
            row.on_time += replied <= due_date
            row.handling_days.append(counter.between(_day(received_on), replied))
            row.reopened += bool(was_reopened)
        elif status in _OPEN and due_date < today:
            row.judged += 1
        if rating in row.ratings:
            row.ratings[rating] += 1
    for dept in _returns(session, span):
        if department_id is None or dept == department_id:
            report_for(dept).returns += 1
    ordered = sorted(reports.values(), key=lambda r: (-r.received, r.department_id is None, r.department))
    total = DepartmentReport("合计", None)
    for row in ordered:
        total.add(row)
    return Report(span, ordered, total)


def _day(value: datetime.date | str) -> datetime.date:
    # SQLite's date() answers text, PostgreSQL a date.
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _returns(session: Session, span: Window) -> list[int | None]:
    """The department of each 退单 of the window's demands (events after the window count too: the
    demand was received in it)."""
    # From the window's demands that were ever returned (return_count) to their events (indexed by
    # demand): the events table, several rows a demand, is never scanned.
    query = select(DemandEvent.detail).join(Demand, Demand.id == DemandEvent.demand_id).where(
        Demand.return_count > 0, Demand.created_at >= span.start, Demand.created_at < span.end,
        DemandEvent.action == DemandAction.RETURN.value)
    return [(detail or {}).get("department_id") for detail in session.scalars(query)]


# ---------------------------------------------------------------------------------- topics

def topic_demands(session: Session, span: Window, department_id: int | None = None,
                  limit: int = MAX_TOPIC_DEMANDS) -> list[GapQuestion]:
    """The window's demand texts (personal data masked, most recent first) as the clustering's
    questions; the tracking number stands where a gap question keeps its conversation."""
    query = select(Demand.content, Demand.tracking_number, Demand.created_at).where(
        Demand.created_at >= span.start, Demand.created_at < span.end)
    if department_id is not None:
        query = query.where(Demand.department_id == department_id)
    rows = session.execute(query.order_by(Demand.created_at.desc(), Demand.id.desc()).limit(limit)).all()
    # source "escalated": a demand is a question a person has to take up (the field is the gap
    # loop's signal; the topics answer shows only labels, counts and examples).
    return [GapQuestion(free_text(content), "escalated", number, _utc(created_at))
            for content, number, created_at in rows]


def demand_topics(questions: Sequence[GapQuestion], encoder: Encoder, threshold: float,
                  limit: int = 10) -> list[dict[str, Any]]:
    """The most frequent topics: clusters of the demands' texts, largest first."""
    if not questions:
        return []
    clusters: list[GapCluster] = cluster_questions(questions, embed_questions(encoder, questions), threshold)
    return [{"label": c.label, "count": c.count, "examples": list(c.examples),
             "tracking_numbers": list(c.conversation_ids[:20])} for c in clusters[:limit]]


# ---------------------------------------------------------------------------------- CSV

DEPARTMENT_HEADER = ("部门", "受理", "办结", "已答复", "按时答复", "应评按时", "按时率", "办理用时中位数（工作日）",
                     "满意", "基本满意", "不满意", "满意率", "退单", "重办", "重办率")
DEMAND_HEADER = ("诉求编号", "类别", "承办部门", "状态", "受理时间", "办理时限", "答复时间", "按时答复",
                 "办理用时（工作日）", "退单次数", "重办次数", "回访评价", "评价意见", "企业名称", "联系人", "联系电话",
                 "诉求内容", "办理结果")
EXPORTS = ("departments", "demands")


def report_csv(report: Report) -> str:
    """The department table as CSV (UTF-8 with BOM, for Excel)."""
    def rows() -> Iterable[Sequence[Any]]:
        for row in [*report.departments, report.total]:
            yield (row.department, row.received, row.closed, row.replied, row.on_time, row.judged,
                   _percent(row.on_time_rate), _number(row.median_working_days),
                   *(row.ratings[r.value] for r in Rating), _percent(row.satisfaction_rate), row.returns,
                   row.reopened, _percent(row.reopen_rate))
    return csv_text(DEPARTMENT_HEADER, rows())


def demands_csv(session: Session, span: Window, department_id: int | None = None) -> str:
    """The window's demands one per line; every free text masked (phones, ID and credit-code numbers),
    contact name and phone masked as in the public lookup: a file leaves the desk."""
    names = dict(session.execute(select(Department.id, Department.name)).tuples().all())
    query = select(Demand).where(Demand.created_at >= span.start, Demand.created_at < span.end)
    if department_id is not None:
        query = query.where(Demand.department_id == department_id)
    counter = WorkingDayCounter()
    counter.cover(span.first, span.last)

    def rows() -> Iterable[Sequence[Any]]:
        for d in session.scalars(query.order_by(Demand.created_at, Demand.id)):
            received = span.local_date(aware(d.created_at))
            replied = span.local_date(aware(d.replied_at)) if d.replied_at else None
            yield (d.tracking_number, d.category, names.get(d.department_id or 0, UNASSIGNED),
                   DemandState(d.status).label, _local_time(d.created_at, span), d.due_date.isoformat(),
                   _local_time(d.replied_at, span), ("是" if replied <= d.due_date else "否") if replied else "",
                   counter.between(received, replied) if replied else "", d.return_count, d.reopen_count,
                   d.rating or "", free_text(d.rating_comment), free_text(d.enterprise_name),
                   free_text(mask_name(d.contact_name)), mask_phone(d.contact_phone), free_text(d.content),
                   free_text(d.reply))
    return csv_text(DEMAND_HEADER, rows())


# ---------------------------------------------------------------------------------- helpers

def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _local_time(value: datetime.datetime | None, span: Window) -> str:
    stamp = aware(value)
    return stamp.astimezone(span.zone).strftime("%Y-%m-%d %H:%M:%S") if stamp else ""


def _utc(value: datetime.datetime) -> datetime.datetime:
    stamp = aware(value)
    assert stamp is not None
    return stamp.astimezone(datetime.UTC)

