"""``python -m desk create-user … --role handler --department …`` on a fresh store."""
from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from desk.__main__ import main
from desk.db import Database
from desk.models import Demand, Department, Staff


def test_create_handler_with_department(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    monkeypatch.setenv("DAOFU_DATABASE_URL", url)
    monkeypatch.setenv("H6_PASSWORD", "password-li")
    assert main(["create-user", "li", "--role", "handler", "--department", "广东省市场监督管理局",
                 "--password-env", "H6_PASSWORD"]) == 0
    assert "created handler account li of 广东省市场监督管理局" in capsys.readouterr().out
    with Database(url).session() as session:
        staff = session.scalar(select(Staff).where(Staff.username == "li"))
        department = session.scalar(select(Department).where(Department.name == "广东省市场监督管理局"))
        assert staff is not None and department is not None and staff.department_id == department.id
    assert main(["create-user", "wang", "--role", "handler", "--password-env", "H6_PASSWORD"]) == 1
    assert "必须指定所属部门" in capsys.readouterr().err
    assert main(["create-user", "zhao", "--role", "handler", "--department", "没有的局",
                 "--password-env", "H6_PASSWORD"]) == 1
    assert "没有名为 没有的局 的部门" in capsys.readouterr().err


def test_demand_sweep_runs_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    monkeypatch.setenv("DAOFU_DATABASE_URL", url)
    assert main(["demand-sweep"]) == 0
    assert capsys.readouterr().out.strip() == "reminded 0, marked overdue 0, notifications sent 0"
    with Database(url).session() as session:
        # An accepted demand long past its deadline, as a desk without the periodic sweep leaves it.
        session.add(Demand(tracking_number="AAAA-BBBB-CCCC-DDDD", category="咨询", content="补贴一直没到账",
                           enterprise_name="某公司", contact_name="李四", contact_phone="13900001111",
                           status="accepted", start_date=datetime.date(2026, 3, 2), time_limit_days=5,
                           due_date=datetime.date(2026, 3, 9), remind_date=datetime.date(2026, 3, 6)))
    assert main(["demand-sweep"]) == 0
    assert capsys.readouterr().out.strip() == "reminded 1, marked overdue 1, notifications sent 2"
    with Database(url).session() as session:
        demand = session.scalar(select(Demand))
        assert demand is not None and demand.overdue and demand.reminded_at is not None
