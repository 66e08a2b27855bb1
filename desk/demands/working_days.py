"""Due dates in working days on the official Chinese calendar (package ``chinese-calendar``).

Weekends, statutory holidays and make-up working days (调休) come from the package, which knows the
years the State Council has published. The package lags the publication (the next year's schedule
appears in November; 1.11.0 ends with 2026), and a demand filed in December has its deadline in the
next year: refusing it would lose the enterprise's demand. So a deadline that reaches a year the
package lacks is *estimated* by the statutory rule (《全国年节及纪念日放假办法》, 2024 revision:
元旦 1 day, 春节 除夕 to 初三, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3; a holiday on a weekend is
made up on the next weekday), lunar dates from ``lunar_python``; the unknowable make-up Saturdays
are left out. ``add_working_days_estimated`` says when it estimated, so the demand says so too.
Appointments book real days and stay strict: ``is_working_day`` raises CalendarOutOfRange for an
unpublished year (upgrading ``chinese-calendar`` in requirements/app.lock adds it).
"""
from __future__ import annotations

import datetime
import functools
import logging
import math

import chinese_calendar

from desk.errors import DeskError

logger = logging.getLogger(__name__)
# Estimates cover the years right after the published ones: a deadline is weeks away, never years.
ESTIMATED_YEARS_AHEAD = 2


class CalendarOutOfRange(DeskError):
    """The working-day calendar has no data for a date (the year is not published or not packaged)."""

    code = "calendar_out_of_range"
    status = 503


def _out_of_range(day: datetime.date, error: NotImplementedError) -> CalendarOutOfRange:
    return CalendarOutOfRange(f"工作日历没有 {day.year} 年的数据（{error}）：请升级 chinese-calendar 包"
                              f"（requirements/app.lock）到包含 {day.year} 年放假安排的版本")


def is_working_day(day: datetime.date) -> bool:
    """On the published calendar only: CalendarOutOfRange for a year it lacks."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as error:
        # The package raises NotImplementedError for years it has no schedule for.
        raise _out_of_range(day, error) from error


@functools.cache
def last_published_year() -> int:
    """The last year the package has the State Council's schedule for."""
    year = max(day.year for day in chinese_calendar.holidays)
    while True:  # the holiday table may end before the year does (an empty December)
        try:
            chinese_calendar.is_workday(datetime.date(year + 1, 1, 1))
        except NotImplementedError:
            return year
        year += 1


@functools.cache
def statutory_days_off(year: int) -> frozenset[datetime.date]:
    """The days off of ``year`` by the statutory rule, holidays on a weekend made up on the next free
    weekdays; no make-up working Saturdays (only the published schedule knows them)."""
    from lunar_python import Lunar

    def lunar(month: int, day: int, lunar_year: int = year) -> datetime.date:
        solar = Lunar.fromYmd(lunar_year, month, day).getSolar()
        return datetime.date(solar.getYear(), solar.getMonth(), solar.getDay())

    def span(first: datetime.date, days: int) -> list[datetime.date]:
        return [first + datetime.timedelta(days=offset) for offset in range(days)]

    # 除夕 is the day before 正月初一 (the 29th or the 30th of the twelfth month).
    new_year = lunar(1, 1)
    qingming = next(day for day, name in chinese_calendar.get_solar_terms(
        datetime.date(year, 4, 1), datetime.date(year, 4, 10)) if name == "清明")
    holidays = [datetime.date(year, 1, 1), *span(new_year - datetime.timedelta(days=1), 4), qingming,
                *span(datetime.date(year, 5, 1), 2), lunar(5, 5), lunar(8, 15), *span(datetime.date(year, 10, 1), 3)]
    off = {day for day in holidays if day.year == year}
    for day in sorted(off):
        if day.weekday() >= 5:  # made up on the next weekday that is not off already
            make_up = day
            while make_up.weekday() >= 5 or make_up in off:
                make_up += datetime.timedelta(days=1)
            off.add(make_up)
    return frozenset(off)


def _working_day(day: datetime.date) -> tuple[bool, bool]:
    """(is a working day, estimated): the published calendar, else the statutory estimate for the
    years right after it."""
    try:
        return bool(chinese_calendar.is_workday(day)), False
    except NotImplementedError as error:
        if day.year > last_published_year() + ESTIMATED_YEARS_AHEAD or day.year < last_published_year():
            raise _out_of_range(day, error) from error
        return day.weekday() < 5 and day not in statutory_days_off(day.year), True


def add_working_days_estimated(start: datetime.date, days: int) -> tuple[datetime.date, bool]:
    """The ``days``-th working day after ``start`` (counting starts on the next working day; 0 gives
    ``start`` itself), and whether a year the package lacks made it an estimate (logged)."""
    due, estimated = _add_working_days(start, days)
    if estimated:
        logger.warning("deadline %s estimated by the statutory holiday rule: chinese-calendar has no %s schedule; "
                       "upgrade it in requirements/app.lock once the State Council's schedule is packaged",
                       due.isoformat(), due.year)
    return due, estimated


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The ``days``-th working day after ``start`` (see ``add_working_days_estimated``)."""
    return _add_working_days(start, days)[0]


def _add_working_days(start: datetime.date, days: int) -> tuple[datetime.date, bool]:
    if days < 0:
        raise DeskError(f"工作日天数不能为负数，收到 {days}")
    _, estimated = _working_day(start)  # a start outside any calendar is an error too, even with days = 0
    current, counted = start, 0
    while counted < days:
        current += datetime.timedelta(days=1)
        working, guessed = _working_day(current)
        estimated |= guessed
        if working:
            counted += 1
    return current, estimated


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days in (start, end]: how many of a time limit have passed by the end of ``end``."""
    if end <= start:
        return 0
    return sum(1 for offset in range(1, (end - start).days + 1)
               if _working_day(start + datetime.timedelta(days=offset))[0])


def reminder_day(start: datetime.date, days: int, share: float = 0.8) -> datetime.date:
    """The working day on which ``share`` of a ``days``-working-day limit from ``start`` is used up."""
    return add_working_days(start, math.ceil(days * share))
