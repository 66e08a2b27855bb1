"""The appointments contract (issue 16): slots, book, full slot, 422s, look-up and cancel, staff
booking, each day's list, admins' location settings, the reminder the day before."""
from __future__ import annotations

import asyncio
import datetime
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from daofu_core.clock import CHINA_TZ
from desk.db import Database
from desk.models import Appointment, AppointmentLocation, Conversation, Handoff, NotificationOutbox, Staff
from desk.security.retention import purge
from tests.desk.appointments.conftest import COMPANY, MARKET_HALL, ONLINE_ONLY, SHARES, login, widget_client

SLOT = "2026-10-08T09:00+08:00"
CONFIRMATION = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


def booking(slot: str = SLOT, item_id: str = COMPANY, phone: str = "13812345678", name: str = "张三") -> dict[str, str]:
    return {"item_id": item_id, "slot": slot, "name": name, "phone": phone}


def set_capacity(app_client: TestClient, capacity: int, hours: str | None = None) -> int:
    admin = login(app_client, "admin")
    location = next(row for row in admin.get("/api/appointments/locations").json() if row["name"] == MARKET_HALL)
    body: dict[str, Any] = {"capacity": capacity, **({"hours": hours} if hours else {})}
    response = admin.patch(f"/api/appointments/locations/{location['id']}", json=body)
    assert response.status_code == 200, response.text
    admin.post("/api/logout")
    return int(location["id"])


def test_slots_contract_over_national_day(app_client: TestClient) -> None:
    public = widget_client(app_client)
    response = public.get("/api/appointments/slots", params={"item_id": COMPANY, "from": "2026-09-30", "days": 11})
    assert response.status_code == 200, response.text
    slots = response.json()
    assert set(slots[0]) == {"slot", "location", "capacity", "remaining"}
    days = sorted({row["slot"][:10] for row in slots})
    assert days == ["2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10"]
    assert {"slot": SLOT, "location": MARKET_HALL, "capacity": 3, "remaining": 3} in slots


def test_book_look_up_and_cancel(app_client: TestClient) -> None:
    public = widget_client(app_client)
    response = public.post("/api/appointments", json=booking())
    assert response.status_code == 201, response.text
    booked = response.json()
    assert booked["slot"] == SLOT and booked["location"] == MARKET_HALL
    assert CONFIRMATION.match(booked["confirmation"]), booked["confirmation"]
    code = booked["confirmation"]

    found = public.get(f"/api/appointments/{code}", params={"phone_last4": "5678"})
    assert found.status_code == 200
    assert found.json()["phone"] == "138****5678" and found.json()["name"] == "张*"
    assert found.json()["status"] == "booked"
    # Typed loosely: lower case, no dashes.
    assert public.get(f"/api/appointments/{code.replace('-', '').lower()}", params={"phone_last4": "5678"}).status_code == 200

    slots = public.get("/api/appointments/slots", params={"item_id": SHARES, "from": "2026-10-08", "days": 1}).json()
    assert slots[0] == {"slot": SLOT, "location": MARKET_HALL, "capacity": 3, "remaining": 2}  # one hall, one counter

    wrong_digits = public.get(f"/api/appointments/{code}", params={"phone_last4": "0000"})
    wrong_code = public.get("/api/appointments/ABCD-EFGH-JKMN-PQRS", params={"phone_last4": "5678"})
    assert wrong_digits.status_code == wrong_code.status_code == 404
    assert wrong_digits.json() == wrong_code.json()
    assert public.delete(f"/api/appointments/{code}", params={"phone_last4": "1234"}).status_code == 404

    cancelled = public.delete(f"/api/appointments/{code}", params={"phone_last4": "5678"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert public.delete(f"/api/appointments/{code}", params={"phone_last4": "5678"}).json()["status"] == "cancelled"
    slots = public.get("/api/appointments/slots", params={"item_id": COMPANY, "from": "2026-10-08", "days": 1}).json()
    assert slots[0]["remaining"] == 3  # the place came back, once


def test_full_slot_is_409_with_next_free_slots(app_client: TestClient) -> None:
    set_capacity(app_client, 1)
    public = widget_client(app_client)
    assert public.post("/api/appointments", json=booking()).status_code == 201
    full = public.post("/api/appointments", json=booking(phone="13900001111"))
    assert full.status_code == 409
    body = full.json()
    assert "已约满" in body["detail"]
    assert [row["slot"] for row in body["next_free"][:2]] == ["2026-10-08T09:30+08:00", "2026-10-08T10:00+08:00"]
    assert all(row["remaining"] == 1 for row in body["next_free"])


def test_non_working_day_and_items_without_booking_are_422_naming_the_field(app_client: TestClient) -> None:
    public = widget_client(app_client)
    holiday = public.post("/api/appointments", json=booking(slot="2026-10-05T09:00+08:00"))
    assert holiday.status_code == 422
    assert holiday.json()["problems"][0]["field"] == "slot" and "不是工作日" in holiday.json()["detail"]
    online_only = public.post("/api/appointments", json=booking(item_id=ONLINE_ONLY))
    assert online_only.status_code == 422 and online_only.json()["problems"][0]["field"] == "item_id"
    assert "不支持预约" in online_only.json()["detail"]
    assert public.get("/api/appointments/slots", params={"item_id": ONLINE_ONLY}).status_code == 422
    unknown = public.post("/api/appointments", json=booking(item_id="no-such-item"))
    assert unknown.status_code == 422 and unknown.json()["problems"][0]["field"] == "item_id"


def test_bad_input_is_a_chinese_422(app_client: TestClient) -> None:
    public = widget_client(app_client)
    cases = [
        (booking(phone="12345"), "phone", "手机号码"),
        (booking(name=" "), "name", "必须填写"),
        (booking(slot="2026-10-08 9点"), "slot", "格式不正确"),
        (booking(slot="2026-10-08T12:30+08:00"), "slot", "服务时间"),
        ({"item_id": COMPANY}, "slot", "必须填写"),
    ]
    for body, field, words in cases:
        response = public.post("/api/appointments", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["problems"][0]["field"] == field and words in response.json()["detail"], response.text
    extra = public.post("/api/appointments", json={**booking(), "admin": True})
    assert extra.status_code == 422
    for params, field in (({"item_id": COMPANY, "from": "10/08"}, "from"), ({"item_id": COMPANY, "days": "99"}, "days")):
        response = public.get("/api/appointments/slots", params=params)
        assert response.status_code == 422 and response.json()["problems"][0]["field"] == field


def test_staff_book_during_help_and_see_the_day_list(app_client: TestClient) -> None:
    public = widget_client(app_client)
    assert public.post("/api/appointments", json=booking(slot="2026-10-08T10:00+08:00")).status_code == 201
    staff = login(app_client, "alice")
    made = staff.post("/api/appointments/staff", json=booking(name="李四", phone="020-12345678"))
    assert made.status_code == 201, made.text
    assert staff.post("/api/appointments/staff", json={**booking(), "conversation_id": "nobody"}).status_code == 404
    location = next(row for row in staff.get("/api/appointments/locations").json() if row["name"] == MARKET_HALL)
    day = staff.get(f"/api/appointments/locations/{location['id']}/day", params={"date": "2026-10-08"}).json()
    assert [(row["start"], row["name"], row["phone"], row["channel"]) for row in day["appointments"]] == [
        ("09:00", "李四", "02012345678", "staff"), ("10:00", "张三", "13812345678", "widget")]
    assert day["booked"] == 2
    # Only admins set a location's hours and capacity.
    assert staff.patch(f"/api/appointments/locations/{location['id']}", json={"capacity": 9}).status_code == 403


def test_admin_sets_hours_capacity_and_closes_a_location(app_client: TestClient) -> None:
    location_id = set_capacity(app_client, 5, "08:30-11:30")
    public = widget_client(app_client)
    slots = public.get("/api/appointments/slots", params={"item_id": COMPANY, "from": "2026-10-08", "days": 1}).json()
    assert [row["slot"][11:16] for row in slots] == ["08:30", "09:00", "09:30", "10:00", "10:30", "11:00"]
    assert {row["capacity"] for row in slots} == {5}
    admin = login(app_client, "admin")
    bad = admin.patch(f"/api/appointments/locations/{location_id}", json={"hours": "9点-12点"})
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "hours"
    assert admin.patch(f"/api/appointments/locations/{location_id}", json={"capacity": 0}).status_code == 422
    assert admin.patch(f"/api/appointments/locations/{location_id}", json={"active": False}).status_code == 200
    assert public.get("/api/appointments/slots", params={"item_id": COMPANY, "from": "2026-10-08"}).json() == []
    closed = public.post("/api/appointments", json=booking(slot="2026-10-08T08:30+08:00"))
    assert closed.status_code == 422 and "暂停预约" in closed.json()["detail"]


def test_reminder_goes_to_the_outbox_the_day_before_once(app_client: TestClient, desk_url: str) -> None:
    public = widget_client(app_client)
    code = public.post("/api/appointments", json=booking(slot="2026-10-09T14:00+08:00")).json()["confirmation"]
    public.post("/api/appointments", json=booking(slot="2026-10-10T14:00+08:00"))
    appointments = app_client.app.state.appointments  # type: ignore[attr-defined]
    appointments.clock = lambda: datetime.datetime(2026, 10, 8, 18, 0, tzinfo=CHINA_TZ)
    assert asyncio.run(appointments.remind()) == 1
    assert asyncio.run(appointments.remind()) == 0
    with Database(desk_url).session() as session:
        rows = session.scalars(select(NotificationOutbox)).all()
        assert [(row.channel, row.recipient) for row in rows] == [("sms", "13812345678")]
        assert code in rows[0].text and "2026年10月9日 14:00-14:30" in rows[0].text


def test_catalog_halls_are_seeded_as_locations(app_client: TestClient, desk_url: str) -> None:
    # The desk's own catalog (knowledge_base/catalog) is read at start: its halls are listed before any booking.
    with Database(desk_url).session() as session:
        names = set(session.scalars(select(AppointmentLocation.name)))
    assert len(names) > 10 and not any("无线下办理窗口" in name for name in names)


def test_retention_purge_keeps_a_booking_but_drops_its_chat_link(app_client: TestClient, desk_url: str) -> None:
    old = datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC)
    with Database(desk_url).session() as session:
        alice = session.scalars(select(Staff).where(Staff.username == "alice")).one()
        session.add(Conversation(id="old-chat", status="live", created_at=old, updated_at=old))
        session.flush()
        session.add(Handoff(conversation_id="old-chat", reason="user_request", priority=2, status="claimed",
                            claimed_by=alice.id, created_at=old))
    # Booking for a chat is for the staff member serving it.
    other = login(app_client, "carol")
    assert other.post("/api/appointments/staff", json={**booking(), "conversation_id": "old-chat"}).status_code == 403
    staff = login(app_client, "alice")
    made = staff.post("/api/appointments/staff", json={**booking(), "conversation_id": "old-chat"})
    assert made.status_code == 201, made.text
    with Database(desk_url).session() as session:
        session.execute(update(Conversation).where(Conversation.id == "old-chat").values(status="closed", updated_at=old))
        session.execute(update(Handoff).where(Handoff.conversation_id == "old-chat").values(status="resolved"))
    with Database(desk_url).session() as session:
        result = purge(session, 30, now=datetime.datetime(2026, 9, 28, tzinfo=datetime.UTC))
        assert result.conversations == 1
    with Database(desk_url).session() as session:
        kept = session.scalars(select(Appointment)).one()
        assert kept.confirmation == made.json()["confirmation"] and kept.conversation_id is None
