"""Slots on the official calendar: 2026's National Day week, its make-up Saturday, service hours,
the slot's wire form, and the rule of which items can be booked on site."""
from __future__ import annotations

import datetime

import pytest

from daofu_core.clock import CHINA_TZ
from daofu_protocol.booking import BOOKING_OFFER_TEXT, booking_offer, hall_of
from desk.appointments.slots import (
    DEFAULT_HOURS,
    AppointmentError,
    ServiceHours,
    SlotTime,
    check_bookable_slot,
    day_slots,
    parse_slot,
    slots_between,
)

HOURS = ServiceHours.parse(DEFAULT_HOURS)
BEFORE = datetime.datetime(2026, 9, 1, 8, 0, tzinfo=CHINA_TZ)


def test_default_hours_give_thirteen_half_hours() -> None:
    assert HOURS.starts() == ("09:00", "09:30", "10:00", "10:30", "11:00", "11:30",
                              "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30")


@pytest.mark.parametrize("day", [f"2026-10-0{d}" for d in range(1, 8)])
def test_national_day_holidays_have_no_slots(day: str) -> None:
    assert day_slots(datetime.date.fromisoformat(day), HOURS) == []


def test_mid_autumn_weekend_and_plain_sunday_have_no_slots() -> None:
    assert day_slots(datetime.date(2026, 9, 26), HOURS) == []  # Mid-autumn Festival (Saturday)
    assert day_slots(datetime.date(2026, 10, 11), HOURS) == []  # an ordinary Sunday


@pytest.mark.parametrize("day", ["2026-10-10", "2026-09-20", "2026-02-14", "2026-02-28", "2026-05-09", "2026-01-04"])
def test_make_up_working_days_have_slots(day: str) -> None:
    slots = day_slots(datetime.date.fromisoformat(day), HOURS)
    assert [s.start for s in slots] == list(HOURS.starts())


def test_first_working_day_after_national_day() -> None:
    slots = list(slots_between(datetime.date(2026, 9, 30), 11, HOURS, after=BEFORE))
    days = sorted({slot.day.isoformat() for slot in slots})
    assert days == ["2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10"]
    assert slots[13].wire() == "2026-10-08T09:00+08:00"


def test_slots_stop_at_the_end_of_the_published_calendar() -> None:
    slots = list(slots_between(datetime.date(2026, 12, 30), 10, HOURS, after=BEFORE))
    assert {slot.day for slot in slots} == {datetime.date(2026, 12, 30), datetime.date(2026, 12, 31)}


def test_past_slots_are_not_offered() -> None:
    noon = datetime.datetime(2026, 10, 9, 12, 10, tzinfo=CHINA_TZ)
    slots = list(slots_between(datetime.date(2026, 10, 9), 1, HOURS, after=noon))
    assert slots[0].start == "13:30" and len(slots) == 7


@pytest.mark.parametrize(("text", "expected"), [
    ("08:30-12:00", ("08:30", 7)),
    ("09:00-11:00，14:00-15:00", ("09:00", 6)),
    (" 9:00 - 10:00 ", ("09:00", 2)),
])
def test_hours_parse(text: str, expected: tuple[str, int]) -> None:
    starts = ServiceHours.parse(text).starts()
    assert (starts[0], len(starts)) == expected


@pytest.mark.parametrize("text", ["", "9点到12点", "09:15-12:00", "12:00-09:00", "09:00-12:00,11:00-13:00", "09:00-09:00"])
def test_bad_hours_are_refused_naming_the_field(text: str) -> None:
    with pytest.raises(AppointmentError) as error:
        ServiceHours.parse(text)
    assert error.value.problems[0]["field"] == "hours" and error.value.status == 422


def test_slot_wire_form_round_trips() -> None:
    slot = parse_slot("2026-10-08T09:00+08:00")
    assert slot == SlotTime(datetime.date(2026, 10, 8), "09:00")
    assert slot.wire() == "2026-10-08T09:00+08:00"
    assert parse_slot("2026-10-08T09:30") == SlotTime(datetime.date(2026, 10, 8), "09:30")
    assert slot.label() == "2026年10月8日 09:00-09:30"


@pytest.mark.parametrize("raw", ["", "tomorrow", "2026-02-30T09:00+08:00", "2026-10-08T09:10+08:00",
                                 "2026-10-08T09:00+09:00", "2026-10-08T25:00"])
def test_bad_slot_strings_are_422(raw: str) -> None:
    with pytest.raises(AppointmentError) as error:
        parse_slot(raw)
    assert error.value.problems[0]["field"] == "slot"


def test_check_bookable_slot_reasons() -> None:
    with pytest.raises(AppointmentError, match="不是工作日"):
        check_bookable_slot(parse_slot("2026-10-05T09:00"), HOURS, BEFORE)
    with pytest.raises(AppointmentError, match="服务时间"):
        check_bookable_slot(parse_slot("2026-10-08T12:00"), HOURS, BEFORE)
    with pytest.raises(AppointmentError, match="已过"):
        check_bookable_slot(parse_slot("2026-10-08T09:00"), HOURS,
                            datetime.datetime(2026, 10, 8, 9, 0, tzinfo=CHINA_TZ))
    with pytest.raises(AppointmentError, match="尚未发布"):
        check_bookable_slot(parse_slot("2027-01-04T09:00"), HOURS, BEFORE)
    check_bookable_slot(parse_slot("2026-10-10T16:30"), HOURS, BEFORE)  # the make-up Saturday


def test_booking_rule_needs_the_flag_and_a_hall() -> None:
    hall = "广州市天河区体育西路57号二楼登记注册大厅1号至7号窗口。"
    assert hall_of(True, hall) == hall
    assert hall_of(False, hall) == ""
    assert hall_of(True, "无线下办理窗口") == ""
    assert hall_of(True, "") == ""
    offer = booking_offer("X1", "内资有限责任公司设立登记", True, hall)
    assert offer == {"item_id": "X1", "item_name": "内资有限责任公司设立登记", "location": hall, "text": BOOKING_OFFER_TEXT}
    assert booking_offer("X2", "食品经营许可查询", True, "无线下办理窗口") is None
