"""Working-day arithmetic across 2026's holidays and make-up days (the package's published data)."""
from __future__ import annotations

import datetime

import pytest

from desk.__main__ import main
from desk.demands.working_days import (
    CalendarOutOfRange,
    add_working_days,
    add_working_days_estimated,
    is_working_day,
    last_published_year,
    reminder_day,
    statutory_days_off,
    working_days_between,
)

D = datetime.date.fromisoformat


@pytest.mark.parametrize(("start", "days", "due"), [
    # National Day 10-01..10-07; Saturday 10-10 is a make-up working day (the contract's example).
    ("2026-09-30", 3, "2026-10-10"),
    ("2026-09-30", 1, "2026-10-08"),
    ("2026-09-30", 4, "2026-10-12"),
    # Spring Festival 02-15..02-23; Saturday 02-14 and 02-28 are make-up working days.
    ("2026-02-13", 1, "2026-02-14"),
    ("2026-02-14", 1, "2026-02-24"),
    ("2026-02-24", 4, "2026-02-28"),
    # May Day 05-01..05-05; Saturday 05-09 is a make-up working day.
    ("2026-04-30", 1, "2026-05-06"),
    ("2026-05-06", 3, "2026-05-09"),
    # An ordinary week: Friday + 1 is Monday.
    ("2026-06-12", 1, "2026-06-15"),
    # Zero days: the start itself, even on a holiday.
    ("2026-10-03", 0, "2026-10-03"),
])
def test_due_dates_follow_the_official_calendar(start: str, days: int, due: str) -> None:
    assert add_working_days(D(start), days) == D(due)


def test_make_up_days_are_working_days_and_holidays_are_not() -> None:
    assert is_working_day(D("2026-10-10"))  # Saturday, make-up day
    assert is_working_day(D("2026-02-28"))
    assert not is_working_day(D("2026-10-05"))  # Monday, holiday
    assert not is_working_day(D("2026-06-13"))  # ordinary Saturday


def test_working_days_between_counts_the_half_open_span() -> None:
    assert working_days_between(D("2026-09-30"), D("2026-10-10")) == 3
    assert working_days_between(D("2026-10-10"), D("2026-09-30")) == 0


def test_reminder_at_eighty_percent() -> None:
    # 5 working days from Monday 2026-06-08 (counting from Tuesday): the 4th is Friday, due Monday.
    assert reminder_day(D("2026-06-08"), 5) == D("2026-06-12")
    assert add_working_days(D("2026-06-08"), 5) == D("2026-06-15")


def test_a_published_year_is_not_an_estimate() -> None:
    assert add_working_days_estimated(D("2026-09-30"), 3) == (D("2026-10-10"), False)


@pytest.mark.parametrize("year", range(2015, 2027))
def test_statutory_rule_agrees_with_the_published_years_but_their_moved_days(year: int) -> None:
    # The estimate against years the package has: they differ only where the State Council moved
    # days to make longer breaks (调休: a Saturday worked, a weekday off), 10-16 days a year; a wrong
    # lunar date would add several more.
    day, differing = D(f"{year}-01-01"), []
    while day.year == year:
        estimated = day.weekday() < 5 and day not in statutory_days_off(year)
        if estimated != is_working_day(day):
            differing.append(day)
        day += datetime.timedelta(days=1)
    assert len(differing) <= 16, differing
    assert {D(f"{year}-01-01"), D(f"{year}-10-01")} <= statutory_days_off(year)


def test_an_unpublished_year_is_estimated_by_the_statutory_rule() -> None:
    # 2027 is not in chinese-calendar 1.11.0: 除夕 Fri 02-05, 初一..初三 Sat 02-06..Mon 02-08; the
    # weekend's two made up on Tue 02-09 and Wed 02-10.
    if last_published_year() >= 2027:
        pytest.skip("the package publishes 2027 now: the official days apply")
    off = statutory_days_off(2027)
    assert {D("2027-01-01"), D("2027-02-05"), D("2027-02-08"), D("2027-02-09"), D("2027-02-10"), D("2027-04-05"),
            D("2027-05-03"), D("2027-06-09"), D("2027-09-15"), D("2027-10-01"), D("2027-10-04")} <= off
    # 05-01/05-02 fall on a weekend: made up on Monday 05-03 and Tuesday 05-04.
    assert D("2027-05-04") in off
    assert add_working_days_estimated(D("2027-02-04"), 1) == (D("2027-02-11"), True)
    # From December of the last published year into the next: an estimate, never an error.
    due, estimated = add_working_days_estimated(D("2026-12-20"), 30)
    assert estimated and due.year == 2027 and due.weekday() < 5
    assert working_days_between(D("2027-02-04"), D("2027-02-11")) == 1


def test_far_beyond_the_published_years_is_an_explicit_error() -> None:
    with pytest.raises(CalendarOutOfRange, match="chinese-calendar"):
        add_working_days(D("2100-01-04"), 0)
    with pytest.raises(CalendarOutOfRange):
        is_working_day(D(f"{last_published_year() + 1}-03-01"))  # appointments stay strict


def test_negative_days_are_refused() -> None:
    with pytest.raises(Exception, match="不能为负数"):
        add_working_days(D("2026-06-08"), -1)


def test_cli_prints_the_iso_due_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["working-days", "--from", "2026-09-30", "--days", "3"]) == 0
    assert capsys.readouterr().out.strip() == "2026-10-10"


@pytest.mark.parametrize("argv", [
    ["working-days", "--from", "2026-13-01", "--days", "3"],
    ["working-days", "--from", "2026-09-30", "--days", "-1"],
    ["working-days", "--from", "2026-09-30", "--days", "x"],
    ["working-days", "--from", "2099-01-01", "--days", "3"],
    ["working-days", "--days", "3"],
])
def test_cli_bad_input_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip()
