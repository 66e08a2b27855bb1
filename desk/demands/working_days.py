"""Due dates in working days on the official Chinese calendar (package ``chinese-calendar``).

Weekends, statutory holidays and make-up working days (调休) come from the package, which knows the
years the State Council has published. A date outside them is an error (CalendarOutOfRange), never a
guess: upgrading ``chinese-calendar`` (requirements/app.lock) adds a year once it is published.
"""
from __future__ import annotations

import datetime
import math

import chinese_calendar

from desk.errors import DeskError


class CalendarOutOfRange(DeskError):
    """The working-day calendar has no data for a date (the year is not published or not packaged)."""

    code = "calendar_out_of_range"
    status = 503


def is_working_day(day: datetime.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as error:
        # The package raises NotImplementedError for years it has no schedule for.
        raise CalendarOutOfRange(
            f"工作日历没有 {day.year} 年的数据（{error}）：请升级 chinese-calendar 包"
            f"（requirements/app.lock）到包含 {day.year} 年放假安排的版本") from error


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The ``days``-th working day after ``start`` (counting starts on the next working day);
    ``days`` = 0 gives ``start`` itself."""
    if days < 0:
        raise DeskError(f"工作日天数不能为负数，收到 {days}")
    is_working_day(start)  # a start outside the calendar is an error too, even with days = 0
    current, counted = start, 0
    while counted < days:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            counted += 1
    return current


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days in (start, end]: how many of a time limit have passed by the end of ``end``."""
    if end <= start:
        return 0
    return sum(1 for offset in range(1, (end - start).days + 1)
               if is_working_day(start + datetime.timedelta(days=offset)))


def reminder_day(start: datetime.date, days: int, share: float = 0.8) -> datetime.date:
    """The working day on which ``share`` of a ``days``-working-day limit from ``start`` is used up."""
    return add_working_days(start, math.ceil(days * share))
