"""What the desk does with on-site appointments (在线预约): locations, free slots, exact bookings,
look-up and cancellation, each day's list, the reminder the day before.

Booking is exact under concurrency without a lock table: each half-hour slot of a location has one
counter row (``appointment_slots``), created on first use with INSERT ... ON CONFLICT DO NOTHING, and
a booking is ``UPDATE ... SET booked = booked + 1 WHERE booked < capacity``. On PostgreSQL concurrent
updates of the row wait for each other and re-check the condition; on SQLite the first statement of
the transaction is a write, so writers queue on the database lock (busy timeout) and each sees the
count its predecessors committed. Either way exactly the capacity succeed; the others get
``SlotFull`` with the next free slots.

Synchronous functions take a SQLAlchemy session; ``Appointments`` runs them on worker threads
(DeskService.run), one transaction each, and is what routers and the remote-help session call.
"""
from __future__ import annotations

import asyncio
import datetime
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from daofu_core.clock import CHINA_TZ, utcnow
from daofu_protocol.booking import hall_of
from desk.appointments.slots import (
    DEFAULT_CAPACITY,
    DEFAULT_HOURS,
    MAX_CAPACITY,
    MAX_DAYS,
    AppointmentError,
    ServiceHours,
    SlotTime,
    check_bookable_slot,
    parse_slot,
    slots_between,
)
from desk.demands.service import (
    canonical_tracking_number,
    last4_matches,
    mask_name,
    mask_phone,
    new_tracking_number,
    normalize_phone,
)
from desk.errors import Conflict, NotFound
from desk.models import Appointment, AppointmentLocation, AppointmentSlot, NotificationOutbox
from indexer.normalize import to_halfwidth

logger = logging.getLogger(__name__)
T = TypeVar("T")
NEXT_FREE = 5  # free slots offered when the asked one is full
NEXT_FREE_DAYS = 14  # how far ahead they are looked for
MAX_NUMBER_ATTEMPTS = 5
NAME_MAX = 64


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"booked": "已预约", "cancelled": "已取消"}[self.value]


class Channel(StrEnum):
    WIDGET = "widget"  # the enterprise booked it in the widget (or any client of the public API)
    STAFF = "staff"  # a staff member booked it for them during help


class SlotFull(Conflict):
    """The slot has no room left (409); ``next_free`` are the slots offered instead."""

    code = "slot_full"

    def __init__(self, slot: SlotTime, next_free: list[dict[str, Any]]) -> None:
        super().__init__(f"{slot.label()} 已约满，请选择其他时段" + ("（下面是最近的可约时段）" if next_free else ""))
        self.next_free = next_free


class RecordSource(Protocol):
    """Where items come from: the served search service (``record(id)``), so a booking matches the
    item card the user saw, edits by editors included."""

    def record(self, record_id: str) -> Any: ...


@dataclass(frozen=True)
class BookableItem:
    id: str
    name: str
    department: str
    hall: str  # the catalog's 办理地点
    consult_phone: str


@dataclass(frozen=True)
class BookingRequest:
    item_id: str
    slot: str  # the contract's form, 2026-10-08T09:00+08:00
    name: str
    phone: str
    channel: Channel = Channel.WIDGET
    staff_id: int | None = None
    conversation_id: str | None = None


@dataclass(frozen=True)
class Booked:
    confirmation: str
    slot: SlotTime
    location: str
    item_id: str
    item_name: str

    def to_json(self) -> dict[str, Any]:
        return {"confirmation": self.confirmation, "slot": self.slot.wire(), "slot_text": self.slot.label(),
                "location": self.location, "item_id": self.item_id, "item_name": self.item_name}


# ---------------------------------------------------------------------- items and locations

def bookable_item(records: RecordSource, item_id: str) -> BookableItem:
    """The item ``item_id`` when it can be booked on site (daofu_protocol.booking's rule); a 422
    naming ``item_id`` otherwise."""
    from indexer.records import ServiceItem

    item_id = (item_id or "").strip()
    if not item_id:
        raise AppointmentError("item_id", "办事事项", "必须填写")
    record = records.record(item_id) if len(item_id) <= 100 else None
    if not isinstance(record, ServiceItem):
        raise AppointmentError("item_id", "办事事项", f"没有编号为 {item_id[:40]} 的办事事项")
    hall = hall_of(record.online_booking, record.location)
    if not hall:
        raise AppointmentError("item_id", "办事事项", f"“{record.name}”不支持预约到大厅办理（目录未写明可网上预约的办理地点）")
    return BookableItem(record.id, record.name, record.department, hall, record.consult_phone)


def find_location(session: Session, hall: str) -> AppointmentLocation | None:
    return session.scalar(select(AppointmentLocation).where(AppointmentLocation.name == hall[:300]))


def ensure_location(session: Session, hall: str, department: str = "") -> AppointmentLocation:
    """The location row of a hall, created with the default hours and capacity when first used.
    The insert comes first (ignored when the row exists): two desks creating it at once both read
    the one row, and on SQLite the transaction starts as a writer (no read-then-write upgrade)."""
    now = utcnow()
    _insert_ignoring_duplicates(session, AppointmentLocation.__table__, {  # type: ignore[arg-type]
        "name": hall[:300], "department": department[:100], "hours": DEFAULT_HOURS, "capacity": DEFAULT_CAPACITY,
        "active": True, "created_at": now, "updated_at": now}, ["name"])
    location = find_location(session, hall)
    assert location is not None  # inserted or found just now, in this transaction
    return location


def seed_locations(session: Session, halls: Sequence[tuple[str, str]]) -> int:
    """Create the location of every bookable hall of the catalog ((hall, department) pairs) that has
    none yet, so admins can set hours before the first booking; returns how many were added."""
    known = set(session.scalars(select(AppointmentLocation.name)))
    added = 0
    for hall, department in halls:
        if hall[:300] not in known:
            ensure_location(session, hall, department)
            known.add(hall[:300])
            added += 1
    return added


def update_location(session: Session, location_id: int, hours: str | None, capacity: int | None,
                    active: bool | None) -> AppointmentLocation:
    location = session.get(AppointmentLocation, location_id)
    if location is None:
        raise NotFound(f"预约地点 {location_id} 不存在")
    if hours is not None:
        location.hours = ServiceHours.parse(hours).text()
    if capacity is not None:
        if not 1 <= capacity <= MAX_CAPACITY:
            raise AppointmentError("capacity", "每时段可约人数", f"须在 1 到 {MAX_CAPACITY} 之间")
        location.capacity = capacity
    if active is not None:
        location.active = active
    location.updated_at = utcnow()
    return location


# ---------------------------------------------------------------------- slots

def free_slots(session: Session, location: AppointmentLocation, first: datetime.date, days: int,
               now: datetime.datetime, only_free: bool = False, limit: int | None = None) -> list[dict[str, Any]]:
    """The contract's slot list: ``{"slot", "location", "capacity", "remaining"}`` for every future
    slot of the working days in [first, first + days)."""
    days = max(0, min(days, MAX_DAYS))
    hours = ServiceHours.parse(location.hours)
    last = first + datetime.timedelta(days=days)
    counts = {(row.day, row.start): row.booked for row in session.scalars(
        select(AppointmentSlot).where(AppointmentSlot.location_id == location.id, AppointmentSlot.day >= first,
                                      AppointmentSlot.day < last))}
    found: list[dict[str, Any]] = []
    for slot in slots_between(first, days, hours, after=now):
        remaining = max(location.capacity - counts.get((slot.day, slot.start), 0), 0)
        if only_free and not remaining:
            continue
        found.append({"slot": slot.wire(), "location": location.name, "capacity": location.capacity,
                      "remaining": remaining})
        if limit is not None and len(found) >= limit:
            break
    return found


# ---------------------------------------------------------------------- booking

def take_place(session: Session, location_id: int, capacity: int, slot: SlotTime) -> bool:
    """Count one booking in the slot if it has room: True when counted. The first statement is a
    write (see the module docstring: it is what makes SQLite writers queue instead of fail)."""
    _insert_ignoring_duplicates(session, AppointmentSlot.__table__, {  # type: ignore[arg-type]
        "location_id": location_id, "day": slot.day, "start": slot.start, "booked": 0},
        ["location_id", "day", "start"])
    counted = session.execute(
        update(AppointmentSlot)
        .where(AppointmentSlot.location_id == location_id, AppointmentSlot.day == slot.day,
               AppointmentSlot.start == slot.start, AppointmentSlot.booked < capacity)
        .values(booked=AppointmentSlot.booked + 1)
        .execution_options(synchronize_session=False))
    return bool(getattr(counted, "rowcount", 0) == 1)


def record_booking(session: Session, item: BookableItem, location_id: int, slot: SlotTime, name: str, phone: str,
                   request: BookingRequest) -> str:
    """Write the appointment row (after ``take_place`` counted it); returns the confirmation code."""
    for _ in range(MAX_NUMBER_ATTEMPTS):
        code = new_tracking_number()
        if session.scalar(select(Appointment.id).where(Appointment.confirmation == code)) is None:
            break
    else:  # 80 random bits: five collisions in a row do not happen
        raise Conflict("暂时无法生成确认码，请重试")
    session.add(Appointment(confirmation=code, item_id=item.id, item_name=item.name[:300], location_id=location_id,
                            day=slot.day, start=slot.start, name=name, phone=phone,
                            status=AppointmentStatus.BOOKED.value, channel=request.channel.value,
                            staff_id=request.staff_id, conversation_id=request.conversation_id))
    session.flush()
    return code


def check_contact(name: str, phone: str) -> tuple[str, str]:
    """The booker's name and phone as stored; 422 naming the field otherwise."""
    name = to_halfwidth(name or "").strip()
    if not name:
        raise AppointmentError("name", "姓名", "必须填写")
    if len(name) > NAME_MAX:
        raise AppointmentError("name", "姓名", f"不能超过{NAME_MAX}个字")
    if not (phone or "").strip():
        raise AppointmentError("phone", "联系电话", "必须填写")
    try:
        return name, normalize_phone(phone)
    except ValueError as error:
        raise AppointmentError("phone", "联系电话", str(error)) from None


def find_appointment(session: Session, confirmation: str, phone_last4: str) -> Appointment:
    """The appointment for its code and the phone's last 4 digits; a wrong code and wrong digits
    answer alike (404), so neither can be probed on its own."""
    code = canonical_tracking_number(confirmation or "")
    found = session.scalar(select(Appointment).where(Appointment.confirmation == code)) if code else None
    if not last4_matches(found.phone if found is not None else None, phone_last4) or found is None:
        raise NotFound("没有找到这个预约：请核对确认码和手机号后四位")
    return found


def cancel_appointment(session: Session, appointment: Appointment) -> Appointment:
    """Cancel once and give its place back (a second cancel changes nothing)."""
    if appointment.status == AppointmentStatus.CANCELLED.value:
        return appointment
    # Conditional, like the booking: two cancels at once give the place back once.
    changed = session.execute(update(Appointment).where(Appointment.id == appointment.id,
                                                        Appointment.status == AppointmentStatus.BOOKED.value)
                              .values(status=AppointmentStatus.CANCELLED.value, cancelled_at=utcnow())
                              .execution_options(synchronize_session=False))
    if getattr(changed, "rowcount", 0) == 1:
        session.execute(update(AppointmentSlot)
                        .where(AppointmentSlot.location_id == appointment.location_id,
                               AppointmentSlot.day == appointment.day, AppointmentSlot.start == appointment.start,
                               AppointmentSlot.booked > 0)
                        .values(booked=AppointmentSlot.booked - 1).execution_options(synchronize_session=False))
    session.refresh(appointment)
    return appointment


def public_json(session: Session, appointment: Appointment) -> dict[str, Any]:
    """What whoever holds the code and 4 digits sees: personal data masked."""
    location = session.get(AppointmentLocation, appointment.location_id)
    slot = SlotTime(appointment.day, appointment.start)
    status = AppointmentStatus(appointment.status)
    return {"confirmation": appointment.confirmation, "slot": slot.wire(), "slot_text": slot.label(),
            "location": location.name if location else "", "item_id": appointment.item_id,
            "item_name": appointment.item_name, "name": mask_name(appointment.name),
            "phone": mask_phone(appointment.phone), "status": status.value, "status_text": status.label}


def staff_json(appointment: Appointment) -> dict[str, Any]:
    """A row of a day's list for the hall's staff (they call the booker: name and phone in full)."""
    slot = SlotTime(appointment.day, appointment.start)
    status = AppointmentStatus(appointment.status)
    return {"id": appointment.id, "confirmation": appointment.confirmation, "slot": slot.wire(),
            "start": appointment.start, "item_id": appointment.item_id, "item_name": appointment.item_name,
            "name": appointment.name, "phone": appointment.phone, "status": status.value,
            "status_text": status.label, "channel": appointment.channel, "conversation_id": appointment.conversation_id}


def location_json(location: AppointmentLocation) -> dict[str, Any]:
    return {"id": location.id, "name": location.name, "department": location.department, "hours": location.hours,
            "capacity": location.capacity, "active": location.active,
            "slots_per_day": len(ServiceHours.parse(location.hours).starts())}


def remind_tomorrow(session: Session, today: datetime.date, now: datetime.datetime) -> int:
    """One SMS row in the notification outbox for each booking of tomorrow (the day before the
    visit), each booking once; returns how many were written."""
    tomorrow = today + datetime.timedelta(days=1)
    rows = session.scalars(select(Appointment).where(Appointment.day == tomorrow,
                                                     Appointment.status == AppointmentStatus.BOOKED.value,
                                                     Appointment.reminded_at.is_(None))).all()
    for appointment in rows:
        location = session.get(AppointmentLocation, appointment.location_id)
        slot = SlotTime(appointment.day, appointment.start)
        session.add(NotificationOutbox(channel="sms", recipient=appointment.phone, text=(
            f"【预约提醒】您预约的“{appointment.item_name}”将于明天 {slot.label()} 在 "
            f"{location.name if location else '办理大厅'} 办理，确认码 {appointment.confirmation}。"
            "请携带材料按时到场；不能前往请凭确认码取消。")))
        appointment.reminded_at = now
    return len(rows)


def _insert_ignoring_duplicates(session: Session, table: Table, values: dict[str, Any],
                                conflict: list[str]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING on PostgreSQL and SQLite (each dialect's own construct)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql.insert(table).values(**values).on_conflict_do_nothing(index_elements=conflict))
    elif dialect == "sqlite":
        session.execute(sqlite.insert(table).values(**values).on_conflict_do_nothing(index_elements=conflict))
    else:  # another database: a savepoint keeps the transaction usable when the row exists
        try:
            with session.begin_nested():
                session.execute(table.insert().values(**values))
        except IntegrityError:
            pass


# ---------------------------------------------------------------------- the async face

Runner = Callable[[Callable[[Session], Any]], Awaitable[Any]]


class Appointments:
    """Appointments for routers and the remote-help session: each step one transaction on a worker
    thread. ``clock`` is injectable so tests can stand on a given day."""

    def __init__(self, run: Runner, records: RecordSource,
                 clock: Callable[[], datetime.datetime] = utcnow) -> None:
        self._run = run
        self.records = records
        self.clock = clock

    async def run(self, work: Callable[[Session], T]) -> T:
        result: T = await self._run(work)
        return result

    def now(self) -> datetime.datetime:
        return self.clock().astimezone(CHINA_TZ)

    async def item(self, item_id: str) -> BookableItem:
        # The search service loads its index on first use: in a worker thread, not on the event loop.
        return await asyncio.to_thread(bookable_item, self.records, item_id)

    async def location_id(self, item: BookableItem) -> int:
        """The id of the item's hall, its row created on first use (a read, then a write-first
        transaction only when it is missing)."""
        found = await self.run(lambda s: find_location(s, item.hall))
        if found is None:
            found = await self.run(lambda s: ensure_location(s, item.hall, item.department))
        return found.id

    async def slots(self, item_id: str, first: datetime.date | None, days: int) -> list[dict[str, Any]]:
        item = await self.item(item_id)
        location_id = await self.location_id(item)
        now = self.now()
        start = first or now.date()

        def work(session: Session) -> list[dict[str, Any]]:
            location = session.get(AppointmentLocation, location_id)
            return free_slots(session, location, start, days, now) if location and location.active else []
        return await self.run(work)

    async def book(self, request: BookingRequest) -> Booked:
        """Book ``request``: 201's answer, or AppointmentError (422), SlotFull (409)."""
        item = await self.item(request.item_id)
        slot = parse_slot(request.slot)
        name, phone = check_contact(request.name, request.phone)
        now = self.now()
        found_id = await self.location_id(item)

        def prepare(session: Session) -> tuple[int, int, str]:
            location = session.get(AppointmentLocation, found_id)
            assert location is not None  # locations are never deleted
            if not location.active:
                raise AppointmentError("item_id", "办事事项", f"{location.name} 暂停预约，请直接前往或电话咨询")
            check_bookable_slot(slot, ServiceHours.parse(location.hours), now)
            return location.id, location.capacity, location.name
        location_id, capacity, location_name = await self.run(prepare)

        def take(session: Session) -> str | None:
            if not take_place(session, location_id, capacity, slot):
                return None
            return record_booking(session, item, location_id, slot, name, phone, request)
        code = await self.run(take)
        if code is None:
            def alternatives(session: Session) -> list[dict[str, Any]]:
                location = session.get(AppointmentLocation, location_id)
                assert location is not None
                return free_slots(session, location, slot.day, NEXT_FREE_DAYS, max(now, slot.moment),
                                  only_free=True, limit=NEXT_FREE)
            raise SlotFull(slot, await self.run(alternatives))
        return Booked(code, slot, location_name, item.id, item.name)

    async def lookup(self, confirmation: str, phone_last4: str) -> dict[str, Any]:
        return await self.run(lambda s: public_json(s, find_appointment(s, confirmation, phone_last4)))

    async def cancel(self, confirmation: str, phone_last4: str) -> dict[str, Any]:
        def work(session: Session) -> dict[str, Any]:
            return public_json(session, cancel_appointment(session, find_appointment(session, confirmation, phone_last4)))
        return await self.run(work)

    async def day_list(self, location_id: int, day: datetime.date) -> dict[str, Any]:
        def work(session: Session) -> dict[str, Any]:
            location = session.get(AppointmentLocation, location_id)
            if location is None:
                raise NotFound(f"预约地点 {location_id} 不存在")
            rows = session.scalars(select(Appointment).where(Appointment.location_id == location_id,
                                                             Appointment.day == day)
                                   .order_by(Appointment.start, Appointment.id)).all()
            booked = [row for row in rows if row.status == AppointmentStatus.BOOKED.value]
            return {"location": location_json(location), "day": day.isoformat(), "booked": len(booked),
                    "appointments": [staff_json(row) for row in rows]}
        return await self.run(work)

    async def locations(self) -> list[dict[str, Any]]:
        def work(session: Session) -> list[dict[str, Any]]:
            rows = session.scalars(select(AppointmentLocation).order_by(AppointmentLocation.name)).all()
            return [location_json(row) for row in rows]
        return await self.run(work)

    async def update_location(self, location_id: int, hours: str | None, capacity: int | None,
                              active: bool | None) -> dict[str, Any]:
        return await self.run(lambda s: location_json(update_location(s, location_id, hours, capacity, active)))

    async def remind(self) -> int:
        now = self.now()
        return await self.run(lambda s: remind_tomorrow(s, now.date(), now))
