"""Router of /api/appointments (desk/PROTOCOL.md "On-site appointments").

Anonymous (the widget, or any client of the contract): free slots of an item, book, look a booking
up and cancel it with the confirmation code and the phone's last 4 digits; rate-limited per client,
the writes marked CROSS_ORIGIN_WRITES (the widget runs on other sites' pages). Staff who serve chats
book for an enterprise during help and see each day's list per location; admins set each location's
service hours, bookings per slot and whether it takes bookings.

Query parameters are taken as text and checked here, so a bad one is a 422 that names the field in
Chinese (预约时段, 开始日期 ...) rather than a type error.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime
import functools
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from daofu_core.errors import DaofuError
from daofu_protocol.booking import hall_of
from desk import auth
from desk.api.deps import RecordId, RouterContext
from desk.appointments.service import Appointments, BookingRequest, Channel, SlotFull, seed_locations
from desk.appointments.slots import MAX_DAYS, AppointmentError
from desk.errors import NotFound
from desk.models import Conversation, Staff
from desk.periodic import every
from desk.security.origins import CROSS_ORIGIN_WRITES
from desk.security.rate_limits import ClientLimiter, client_address
from desk.service import CONSOLE_TOPIC, DeskService

logger = logging.getLogger(__name__)
LOOKUP_FACTOR = 10  # slot lists, look-ups and cancellations may come ten times as often as bookings
DEFAULT_DAYS = 7


class _Body(BaseModel):
    # Fields default to "": a missing one is reported by the service with its Chinese label.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BookingBody(_Body):
    item_id: str = ""
    slot: str = ""
    name: str = ""
    phone: str = ""


class StaffBookingBody(BookingBody):
    conversation_id: str | None = None  # the chat the booking was made in (remote help)


class LocationPatch(_Body):
    hours: str | None = None  # 09:00-12:00,13:30-17:00
    capacity: int | None = None  # checked by the service (1-200), so the answer names it in Chinese
    active: bool | None = None


def build_router(context: RouterContext, appointments: Appointments | None = None) -> APIRouter:
    settings = context.settings
    appointments = appointments or Appointments(context.service.run, context.knowledge)
    bookings = ClientLimiter(settings.appointment_rate_limit, redis_url=settings.redis_url,
                             setting="DAOFU_APPOINTMENT_RATE_LIMIT")
    lookups = ClientLimiter(settings.appointment_rate_limit, LOOKUP_FACTOR, redis_url=settings.redis_url,
                            setting="DAOFU_APPOINTMENT_RATE_LIMIT")
    run = context.service.run

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from indexer.settings import IndexerSettings

        # The remote-help session books through the same object (request.app.state.appointments).
        app.state.appointments = appointments
        catalog = IndexerSettings.from_env().knowledge_base_dir / "catalog"
        try:
            halls = await asyncio.to_thread(catalog_halls, catalog)
            await run(lambda s: seed_locations(s, halls))
        except (DaofuError, SQLAlchemyError, OSError):
            # Locations are also created on first use: a start without them still books.
            logger.exception("could not add the catalog's halls as appointment locations")
        # The demands' sweep delivers the outbox on the same cadence; this only writes the rows.
        async with every(settings.demand_sweep_seconds, appointments.remind, "appointment reminders"):
            yield

    router = APIRouter(lifespan=lifespan)
    chat_staff = context.require_role(*auth.CHAT_ROLES)
    admin = context.require_role("admin")

    def limit_booking(request: Request) -> None:
        bookings.check(client_address(request), "appointment-book")

    def limit_lookup(request: Request) -> None:
        lookups.check(client_address(request), "appointment-lookup")

    async def book(request: BookingRequest) -> JSONResponse:
        try:
            booked = await appointments.book(request)
        except SlotFull as full:
            return JSONResponse({"detail": str(full), "next_free": full.next_free}, status_code=409)
        await context.hub.publish(CONSOLE_TOPIC, {"type": "appointments"})
        return JSONResponse(booked.to_json(), status_code=201)

    # ------------------------------------------------------------------ anonymous (the contract)

    @router.get("/api/appointments/slots", dependencies=[Depends(limit_lookup)])
    async def slots(request: Request, item_id: str = "", days: str = "") -> list[dict[str, Any]]:
        # ``from`` is a Python keyword: read from the query string itself.
        first = _date(request.query_params.get("from", ""), "from", "开始日期")
        return await appointments.slots(item_id, first, _days(days))

    @router.post("/api/appointments", status_code=201, dependencies=[Depends(limit_booking)],
                 openapi_extra=CROSS_ORIGIN_WRITES, responses={409: {"description": "slot full; next_free"}})
    async def book_public(body: BookingBody) -> JSONResponse:
        return await book(BookingRequest(body.item_id, body.slot, body.name, body.phone))

    # ------------------------------------------------------------------ staff (static paths first)

    @router.get("/api/appointments/locations")
    async def locations(staff: Staff = Depends(chat_staff)) -> list[dict[str, Any]]:
        return await appointments.locations()

    @router.patch("/api/appointments/locations/{location_id}")
    async def edit_location(location_id: RecordId, body: LocationPatch, staff: Staff = Depends(admin)) -> dict[str, Any]:
        changed = await appointments.update_location(location_id, body.hours, body.capacity, body.active)
        await context.hub.publish(CONSOLE_TOPIC, {"type": "appointments"})
        return changed

    @router.get("/api/appointments/locations/{location_id}/day")
    async def day_list(location_id: RecordId, date: str = "", staff: Staff = Depends(chat_staff)) -> dict[str, Any]:
        day = _date(date, "date", "日期") or appointments.now().date()
        return await appointments.day_list(location_id, day)

    @router.post("/api/appointments/staff", status_code=201)
    async def book_for(body: StaffBookingBody, staff: Staff = Depends(chat_staff)) -> JSONResponse:
        conversation_id = body.conversation_id or None
        if conversation_id is not None:
            def serving(session: Session) -> None:
                # Booking for a chat is part of serving it: its staff member (or an admin) only.
                if session.get(Conversation, conversation_id[:64]) is None:
                    raise NotFound(f"对话 {conversation_id[:64]} 不存在")
                DeskService._held_by(session, conversation_id[:64], staff)
            await run(serving)
        return await book(BookingRequest(body.item_id, body.slot, body.name, body.phone, Channel.STAFF,
                                         staff.id, conversation_id))

    # ------------------------------------------------------------------ anonymous look-up (after the static paths)

    @router.get("/api/appointments/{confirmation}", dependencies=[Depends(limit_lookup)])
    async def lookup(confirmation: str, phone_last4: str = "") -> dict[str, Any]:
        return await appointments.lookup(confirmation, phone_last4)

    @router.delete("/api/appointments/{confirmation}", dependencies=[Depends(limit_lookup)],
                   openapi_extra=CROSS_ORIGIN_WRITES)
    async def cancel(confirmation: str, phone_last4: str = "") -> dict[str, Any]:
        cancelled = await appointments.cancel(confirmation, phone_last4)
        await context.hub.publish(CONSOLE_TOPIC, {"type": "appointments"})
        return cancelled

    return router


def catalog_halls(catalog_dir: Path) -> list[tuple[str, str]]:
    """(hall, department) of every item of the catalog files that can be booked on site, read with
    the indexer's loader; remembered while the files are unchanged."""
    from indexer.loaders.catalog import CATALOG_SUFFIXES

    files = tuple((str(path), path.stat().st_mtime_ns) for path in sorted(catalog_dir.glob("*"))
                  if path.suffix.lower() in CATALOG_SUFFIXES) if catalog_dir.is_dir() else ()
    return list(_halls_in(files))


@functools.lru_cache(maxsize=4)
def _halls_in(files: tuple[tuple[str, int], ...]) -> tuple[tuple[str, str], ...]:
    from indexer.loaders.catalog import load_catalog_file
    from indexer.loaders.report import LoadReport

    report = LoadReport()
    halls: dict[str, str] = {}
    for path, _ in files:
        for item in load_catalog_file(Path(path), report):
            hall = hall_of(item.online_booking, item.location)
            if hall:
                halls.setdefault(hall, item.department)
    return tuple(sorted(halls.items()))


def _date(raw: str, field: str, label: str) -> datetime.date | None:
    if not raw.strip():
        return None
    try:
        return datetime.date.fromisoformat(raw.strip())
    except ValueError:
        raise AppointmentError(field, label, "格式不正确，应为 2026-10-08") from None


def _days(raw: str) -> int:
    if not raw.strip():
        return DEFAULT_DAYS
    if not raw.strip().isdigit() or not 1 <= int(raw.strip()) <= MAX_DAYS:
        raise AppointmentError("days", "天数", f"须是 1 到 {MAX_DAYS} 之间的整数")
    return int(raw.strip())
