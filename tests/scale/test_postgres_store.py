"""The desk's store on a real PostgreSQL: migrations both ways, and the races the desk must win."""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TypeVar

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, inspect, select

from desk.auth import create_staff
from desk.db import MIGRATIONS, Database, migrate
from desk.demands.service import DemandService, seed_departments
from desk.demands.states import DemandTransitionError
from desk.errors import Conflict
from desk.hub import Hub
from desk.models import Base, Conversation, Demand, DemandEvent, Department, Handoff, Message, Staff
from desk.service import DeskService
from desk.settings import DeskSettings

pytestmark = [pytest.mark.scale, pytest.mark.timeout(60)]
T = TypeVar("T")
DESK_TABLES = {"conversations", "messages", "handoffs", "staff", "departments", "demands", "demand_events",
               "notification_outbox"}


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_upgrade_downgrade_upgrade(pg_url: str) -> None:
    config = alembic_config(pg_url)
    command.upgrade(config, "head")
    assert tables(pg_url) >= DESK_TABLES
    command.downgrade(config, "0001")
    after_first = tables(pg_url)
    assert {"demands", "demand_events", "departments", "notification_outbox"}.isdisjoint(after_first)
    assert {"conversations", "messages", "handoffs", "staff"} <= after_first
    command.downgrade(config, "base")
    assert tables(pg_url) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert tables(pg_url) >= DESK_TABLES


def test_migrated_schema_matches_the_models(pg_url: str) -> None:
    """What the ORM expects is what the migrations built on PostgreSQL (autogenerate finds nothing)."""
    migrate(pg_url)
    engine = create_engine(pg_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def _staff(database: Database, count: int, role: str = "staff", department: str | None = None) -> list[Staff]:
    with database.session() as session:
        return [create_staff(session, f"{role}{i}", f"password-{role}{i}", role, f"同事{i}", department)
                for i in range(count)]


def _waiting_handoff(database: Database, conversation_id: str) -> int:
    with database.session() as session:
        session.add(Conversation(id=conversation_id, status="queued"))
        session.flush()
        handoff = Handoff(conversation_id=conversation_id, reason="user_request", priority=2, summary="用户要求转人工")
        session.add(handoff)
        session.flush()
        return handoff.id


class _Rasa:
    """Claiming never talks to the bot; any call would be a test failure."""

    async def send(self, *args: object, **kwargs: object) -> list[dict[str, object]]:
        raise AssertionError("claim must not call Rasa")

    async def resume(self, conversation_id: str) -> None:
        raise AssertionError("claim must not call Rasa")

    async def close(self) -> None:
        return None


def test_claim_is_atomic_across_desk_replicas(pg_url: str) -> None:
    """Eight staff on four desk processes' worth of connection pools claim one queued chat at once,
    twenty times over: each time exactly one gets it and the others are told who has it."""
    migrate(pg_url)
    replicas = [Database(pg_url) for _ in range(4)]
    settings = DeskSettings(database_url=pg_url)
    services = [DeskService(settings, database, Hub(), _Rasa()) for database in replicas]  # type: ignore[arg-type]
    staff = _staff(replicas[0], 8)

    async def race(handoff_id: int) -> list[str | BaseException]:
        claims = [services[i % len(services)].claim(handoff_id, person) for i, person in enumerate(staff)]
        return await asyncio.gather(*claims, return_exceptions=True)

    try:
        for round_number in range(20):
            conversation_id = f"race{round_number:02d}"
            handoff_id = _waiting_handoff(replicas[0], conversation_id)
            outcomes = asyncio.run(race(handoff_id))
            winners = [outcome for outcome in outcomes if isinstance(outcome, str)]
            losers = [outcome for outcome in outcomes if not isinstance(outcome, str)]
            assert winners == [conversation_id]
            assert len(losers) == 7 and all(isinstance(loser, Conflict) for loser in losers), losers
            with replicas[0].session() as session:
                handoff = session.get(Handoff, handoff_id)
                assert handoff is not None and handoff.status == "claimed"
                holder = session.get(Staff, handoff.claimed_by)
                assert holder is not None and all(f"已被{holder.display_name}接入" == str(loser) for loser in losers)
                greetings = session.scalars(select(Message.text).where(Message.conversation_id == conversation_id)).all()
                assert greetings == [f"人工客服 {holder.display_name} 为您服务。"]
                assert session.get(Conversation, conversation_id).status == "live"  # type: ignore[union-attr]
    finally:
        for database in replicas:
            database.engine.dispose()


def _concurrently(count: int, work: Callable[[int], T]) -> list[T | BaseException]:
    """Run ``work(i)`` on ``count`` threads released together; results or exceptions in order."""
    barrier = threading.Barrier(count)
    results: list[T | BaseException] = [RuntimeError("not run")] * count

    def target(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as error:
            results[i] = error

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_demand_accept_race_has_one_winner(pg_url: str) -> None:
    """Four handlers of one department accept the same dispatched demand at the same moment."""
    migrate(pg_url)
    database = Database(pg_url)
    demands = DemandService(DeskSettings(database_url=pg_url))
    with database.session() as session:
        seed_departments(session, ["广东省水利厅"])
        department_id = session.scalar(select(Department.id).where(Department.name == "广东省水利厅"))
    handlers = _staff(database, 4, "handler", "广东省水利厅")
    try:
        for round_number in range(10):
            with database.session() as session:
                demand = Demand(status="dispatched", department_id=department_id,
                                tracking_number=f"RACE-{round_number:04d}", category="求助",
                                content="取水许可证延续办理进度查询", enterprise_name="某某水务有限公司",
                                contact_name="张三", contact_phone="13812345678",
                                start_date=demands.today(), time_limit_days=10,
                                due_date=demands.today(), remind_date=demands.today())
                session.add(demand)
                session.flush()
                demand_id = demand.id

            def accept(i: int, demand_id: int = demand_id) -> int:
                with database.session() as session:
                    return demands.accept(session, handlers[i], demand_id).handler_id or 0

            outcomes = _concurrently(len(handlers), accept)
            winners = [outcome for outcome in outcomes if isinstance(outcome, int)]
            assert len(winners) == 1, outcomes
            assert all(isinstance(o, DemandTransitionError) for o in outcomes if not isinstance(o, int)), outcomes
            with database.session() as session:
                stored = session.get(Demand, demand_id)
                assert stored is not None and stored.status == "accepted" and stored.handler_id == winners[0]
                accepts = session.scalar(select(func.count()).select_from(DemandEvent)
                                         .where(DemandEvent.demand_id == demand_id, DemandEvent.action == "accept"))
                assert accepts == 1
    finally:
        database.engine.dispose()
