"""Half-hour slots of a service location: its service hours on working days of the official calendar.

Pure functions, no store: the service hours a location keeps as text ("09:00-12:00,13:30-17:00"),
the slots of a day, the slot's wire form ("2026-10-08T09:00+08:00", China Standard Time) and the rule
of which catalog items can be booked on site. Working days come from desk/demands/working_days.py
(chinese-calendar): weekends and statutory holidays have no slots, make-up working days (调休) do.
"""
from __future__ import annotations

import datetime
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from daofu_core.clock import CHINA_TZ
from desk.demands.working_days import CalendarOutOfRange, is_working_day
from desk.errors import DeskError

SLOT_MINUTES = 30
DEFAULT_HOURS = "09:00-12:00,13:30-17:00"  # a service hall's usual day: morning and afternoon sessions
DEFAULT_CAPACITY = 3  # bookings per half-hour slot until an admin sets the location's own
MAX_CAPACITY = 200
MAX_DAYS = 31  # the furthest ahead one slots request reaches

_RANGE = re.compile(r"^\s*([01]?\d|2[0-3])[:：]([0-5]\d)\s*[-\u2013\u2014~\uff5e至]\s*([01]?\d|2[0-3])[:：]([0-5]\d)\s*$")
_SLOT = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::00)?(\+08:00|\+0800)?$")


class AppointmentError(DeskError):
    """Input a booking cannot take (422), with the field it is about, named for the form."""

    code = "appointment_invalid"
    status = 422

    def __init__(self, field: str, label: str, reason: str) -> None:
        super().__init__(f"请检查：{label}{reason}")
        self.problems = [{"field": field, "label": label, "reason": reason}]


@dataclass(frozen=True, order=True)
class SlotTime:
    """The start of one half-hour slot, in China Standard Time."""

    day: datetime.date
    start: str  # "09:00"

    @property
    def moment(self) -> datetime.datetime:
        hour, minute = (int(part) for part in self.start.split(":"))
        return datetime.datetime(self.day.year, self.day.month, self.day.day, hour, minute, tzinfo=CHINA_TZ)

    def wire(self) -> str:
        """The contract's form: ``2026-10-08T09:00+08:00``."""
        return f"{self.day.isoformat()}T{self.start}+08:00"

    def label(self) -> str:
        """How a person reads it: ``2026年10月8日 09:00-09:30``."""
        end = (self.moment + datetime.timedelta(minutes=SLOT_MINUTES)).strftime("%H:%M")
        return f"{self.day.year}年{self.day.month}月{self.day.day}日 {self.start}-{end}"


@dataclass(frozen=True)
class ServiceHours:
    """The sessions of a working day, as (start, end) minute-of-day pairs, ordered, not overlapping."""

    sessions: tuple[tuple[int, int], ...]

    @classmethod
    def parse(cls, text: str) -> ServiceHours:
        """``09:00-12:00,13:30-17:00``; DeskError (422, field ``hours``) says what is wrong."""
        sessions: list[tuple[int, int]] = []
        for part in re.split(r"[,，;；、]", text.strip()):
            if not part.strip():
                continue
            match = _RANGE.match(part)
            if match is None:
                raise AppointmentError("hours", "服务时间", f"“{part.strip()[:20]}”格式不正确，应为 09:00-12:00，多段用逗号分隔")
            start = int(match.group(1)) * 60 + int(match.group(2))
            end = int(match.group(3)) * 60 + int(match.group(4))
            if start % SLOT_MINUTES or end % SLOT_MINUTES:
                raise AppointmentError("hours", "服务时间", f"“{part.strip()}”须从整点或半点开始和结束（每段半小时）")
            if end - start < SLOT_MINUTES:
                raise AppointmentError("hours", "服务时间", f"“{part.strip()}”结束须晚于开始至少半小时")
            sessions.append((start, end))
        if not sessions:
            raise AppointmentError("hours", "服务时间", "不能为空，例如 09:00-12:00,13:30-17:00")
        sessions.sort()
        for (_, end), (start, _) in itertools.pairwise(sessions):
            if start < end:
                raise AppointmentError("hours", "服务时间", "各时段不能重叠")
        return cls(tuple(sessions))

    def text(self) -> str:
        return ",".join(f"{_hhmm(start)}-{_hhmm(end)}" for start, end in self.sessions)

    def starts(self) -> tuple[str, ...]:
        """The start of every half-hour slot of a working day."""
        return tuple(_hhmm(minute) for start, end in self.sessions for minute in range(start, end, SLOT_MINUTES))


def day_slots(day: datetime.date, hours: ServiceHours) -> list[SlotTime]:
    """The slots of ``day``: none on a weekend or holiday, the service hours on a working day
    (make-up working days included). CalendarOutOfRange for a year the calendar has not published."""
    if not is_working_day(day):
        return []
    return [SlotTime(day, start) for start in hours.starts()]


def slots_between(first: datetime.date, days: int, hours: ServiceHours,
                  after: datetime.datetime | None = None) -> Iterator[SlotTime]:
    """Slots of ``days`` calendar days from ``first`` that start after ``after`` (past slots are not
    offered). Stops quietly at the end of the published calendar: nobody can book a year the State
    Council has not scheduled yet."""
    for offset in range(days):
        day = first + datetime.timedelta(days=offset)
        try:
            slots = day_slots(day, hours)
        except CalendarOutOfRange:
            return
        for slot in slots:
            if after is None or slot.moment > after:
                yield slot


def parse_slot(raw: str) -> SlotTime:
    """A slot as the contract writes it (``2026-10-08T09:00+08:00``; the offset may be left out, it
    is always China Standard Time). Only the form and the half hour are checked here."""
    if not (raw or "").strip():
        raise AppointmentError("slot", "预约时段", "必须填写")
    match = _SLOT.match(raw.strip())
    if match is None:
        raise AppointmentError("slot", "预约时段", "格式不正确，应为 2026-10-08T09:00+08:00")
    try:
        day = datetime.date.fromisoformat(match.group(1))
    except ValueError:
        raise AppointmentError("slot", "预约时段", f"日期 {match.group(1)} 不存在") from None
    hour, minute = int(match.group(2)), int(match.group(3))
    if hour > 23 or minute % SLOT_MINUTES:
        raise AppointmentError("slot", "预约时段", "须从整点或半点开始")
    return SlotTime(day, f"{hour:02d}:{minute:02d}")


def check_bookable_slot(slot: SlotTime, hours: ServiceHours, now: datetime.datetime) -> None:
    """AppointmentError (field ``slot``) unless ``slot`` is a future slot of a working day in the hours."""
    try:
        working = is_working_day(slot.day)
    except CalendarOutOfRange:
        raise AppointmentError("slot", "预约时段", f"{slot.day.year} 年的放假安排尚未发布，暂不能预约该日期") from None
    if not working:
        raise AppointmentError("slot", "预约时段", f"{slot.day.isoformat()} 不是工作日（周末或法定节假日），请选择工作日")
    if slot.start not in hours.starts():
        raise AppointmentError("slot", "预约时段", f"{slot.start} 不在该大厅的服务时间（{hours.text()}）内")
    if slot.moment <= now:
        raise AppointmentError("slot", "预约时段", "该时段已过，请选择以后的时段")


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
