from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest

from desk.auth import create_staff
from desk.db import Database, migrate
from desk.demands.service import seed_departments
from desk.models import Demand, Staff

MARKET = "广东省市场监督管理局"
WATER = "广东省水利厅"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrating takes about a second: do it once and copy the file for each test."""
    path = tmp_path_factory.mktemp("demands-template") / "template.sqlite3"
    migrate(f"sqlite:///{path}")
    database = Database(f"sqlite:///{path}")
    with database.session() as session:
        seed_departments(session, [MARKET, WATER])
    database.engine.dispose()
    return path


@pytest.fixture()
def store(tmp_path: Path, migrated_template: Path) -> Database:
    """A migrated SQLite store with two departments."""
    path = tmp_path / "demands.sqlite3"
    shutil.copyfile(migrated_template, path)
    return Database(f"sqlite:///{path}")


def add_staff(database: Database, username: str, role: str, department: str | None = None) -> Staff:
    with database.session() as session:
        return create_staff(session, username, f"password-{username}", role, username, department)


def add_demand(database: Database, status: str = "received", **values: object) -> int:
    """A demand row put directly in ``status`` (to test the state machine from every state)."""
    today = datetime.date(2026, 6, 8)
    fields: dict[str, object] = {
        "tracking_number": f"T-{status}", "category": "咨询", "content": "营业执照变更一个月了还没办下来",
        "enterprise_name": "某某科技有限公司", "contact_name": "张三", "contact_phone": "13812345678",
        "start_date": today, "time_limit_days": 5, "due_date": datetime.date(2026, 6, 15),
        "remind_date": datetime.date(2026, 6, 12), **values}
    with database.session() as session:
        demand = Demand(status=status, **fields)
        session.add(demand)
        session.flush()
        return demand.id
