"""Exact under concurrency on SQLite: 50 parallel bookings of one slot, exactly its capacity succeed
(threads released together by a barrier; the PostgreSQL run is tests/scale/test_appointments_postgres.py)."""
from __future__ import annotations

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from desk.appointments.service import BookableItem, BookingRequest, ensure_location, record_booking, take_place
from desk.appointments.slots import SlotTime
from desk.db import Database
from desk.models import Appointment, AppointmentSlot
from tests.desk.appointments.conftest import COMPANY, MARKET_HALL, login

PARALLEL = 50
CAPACITY = 7
SLOT = SlotTime(datetime.date(2026, 10, 10), "09:00")  # the make-up Saturday
ITEM = BookableItem(COMPANY, "内资有限责任公司设立登记", "广东省市场监督管理局", MARKET_HALL, "020-12345")


def book_in_parallel(url: str, parallel: int = PARALLEL, capacity: int = CAPACITY) -> tuple[int, int, int]:
    """(successes, counter, rows) after ``parallel`` threads book one slot of ``capacity`` at once."""
    database = Database(url)
    with database.session() as session:
        location_id = ensure_location(session, MARKET_HALL).id
    barrier = threading.Barrier(parallel)

    def attempt(number: int) -> bool:
        barrier.wait()
        with database.session() as session:
            if not take_place(session, location_id, capacity, SLOT):
                return False
            record_booking(session, ITEM, location_id, SLOT, f"申请人{number}", f"1380000{number:04d}",
                           BookingRequest(COMPANY, SLOT.wire(), "", ""))
            return True

    with ThreadPoolExecutor(parallel) as pool:
        results = list(pool.map(attempt, range(parallel)))
    with database.session() as session:
        counter = session.scalar(select(AppointmentSlot.booked).where(AppointmentSlot.location_id == location_id))
        rows = session.scalar(select(func.count()).select_from(Appointment))
    database.engine.dispose()
    return sum(results), int(counter or 0), int(rows or 0)


def test_fifty_threads_exactly_capacity_succeed_on_sqlite(desk_url: str) -> None:
    assert book_in_parallel(desk_url) == (CAPACITY, CAPACITY, CAPACITY)


def test_fifty_parallel_requests_get_201_or_409_with_next_free(app_client: TestClient) -> None:
    admin = login(app_client, "admin")
    location = next(row for row in admin.get("/api/appointments/locations").json() if row["name"] == MARKET_HALL)
    assert admin.patch(f"/api/appointments/locations/{location['id']}", json={"capacity": 4}).status_code == 200
    public = TestClient(app_client.app)
    barrier = threading.Barrier(PARALLEL)

    def attempt(number: int) -> Any:
        body = {"item_id": COMPANY, "slot": SLOT.wire(), "name": f"申请人{number}", "phone": f"1390000{number:04d}"}
        barrier.wait()
        return public.post("/api/appointments", json=body)

    with public, ThreadPoolExecutor(PARALLEL) as pool:
        responses = list(pool.map(attempt, range(PARALLEL)))
    codes = sorted(response.status_code for response in responses)
    assert codes == [201] * 4 + [409] * (PARALLEL - 4)
    assert len({response.json()["confirmation"] for response in responses if response.status_code == 201}) == 4
    refused = next(response.json() for response in responses if response.status_code == 409)
    assert refused["next_free"][0]["slot"] == "2026-10-10T09:30+08:00"
