"""On-site appointments on a real PostgreSQL: 50 parallel bookings of one slot, exactly its capacity
succeed (the conditional UPDATE on the slot's counter row), and cancellations racing each other give
the place back once."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from desk.appointments.service import cancel_appointment, ensure_location, find_appointment
from desk.db import Database, migrate
from desk.models import Appointment, AppointmentSlot
from tests.desk.appointments.conftest import MARKET_HALL
from tests.desk.appointments.test_concurrency import CAPACITY, PARALLEL, book_in_parallel

pytestmark = [pytest.mark.scale, pytest.mark.timeout(120)]


def test_fifty_threads_exactly_capacity_succeed_on_postgresql(pg_url: str) -> None:
    migrate(pg_url)
    assert book_in_parallel(pg_url) == (CAPACITY, CAPACITY, CAPACITY)


def test_capacity_one_under_fifty_threads(pg_url: str) -> None:
    migrate(pg_url)
    assert book_in_parallel(pg_url, PARALLEL, 1) == (1, 1, 1)


def test_parallel_cancels_give_the_place_back_once(pg_url: str) -> None:
    migrate(pg_url)
    assert book_in_parallel(pg_url, 10, 2)[0] == 2
    database = Database(pg_url)
    with database.session() as session:
        first = session.scalars(select(Appointment).order_by(Appointment.id)).first()
        assert first is not None
        code, last4 = first.confirmation, first.phone[-4:]
        location_id = ensure_location(session, MARKET_HALL).id
    barrier = threading.Barrier(8)

    def cancel(_: int) -> str:
        barrier.wait()
        with database.session() as session:
            return cancel_appointment(session, find_appointment(session, code, last4)).status

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(cancel, range(8))) == {"cancelled"}
    with database.session() as session:
        booked = session.scalar(select(AppointmentSlot.booked).where(AppointmentSlot.location_id == location_id))
        live = session.scalar(select(func.count()).select_from(Appointment).where(Appointment.status == "booked"))
    database.engine.dispose()
    assert (booked, live) == (1, 1)
