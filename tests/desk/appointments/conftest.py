"""A desk serving the fixture knowledge base (a real index built with the fast test encoder), with
its appointments' clock set to a chosen moment."""
from __future__ import annotations

import datetime
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from daofu_core.clock import CHINA_TZ
from desk.app import create_app
from desk.auth import create_staff
from desk.db import Database, migrate
from desk.demands.service import seed_departments
from desk.settings import DeskSettings
from indexer.search import SearchService
from tests.browser import console_client
from tests.conftest import build_fixture_search
from tests.fakes import ScriptedRasa

COMPANY = "11440000MB2D0234372440125017008"  # 内资有限责任公司设立登记: online_book 是, a hall
SHARES = "11440000MB2D0234372440125017014"  # 内资股份有限公司设立登记: the same hall
ONLINE_ONLY = "11440000MB2D0234372442125080000"  # 食品经营许可查询: online_book 是, 无线下办理窗口
MARKET_HALL = "广州市天河区体育西路57号二楼登记注册大厅1号至7号窗口。"
MARKET = "广东省市场监督管理局"
# Monday 2026-09-28, 08:00 in Guangzhou: the week before National Day.
NOW = datetime.datetime(2026, 9, 28, 8, 0, tzinfo=CHINA_TZ)


@pytest.fixture(scope="session")
def fixture_search(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    return build_fixture_search(tmp_path_factory.mktemp("appointments-index"))


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("appointments-template") / "template.sqlite3"
    migrate(f"sqlite:///{path}")
    database = Database(f"sqlite:///{path}")
    with database.session() as session:
        seed_departments(session, [MARKET, "广东省水利厅"])
        create_staff(session, "alice", "password-alice", "staff", "王小丽", MARKET)
        create_staff(session, "carol", "password-carol", "staff", "赵敏", "广东省水利厅")
        create_staff(session, "dave", "password-dave", "staff", "陈东")  # no department
        create_staff(session, "admin", "password-admin", "admin", "管理员")
        create_staff(session, "editor", "password-editor", "editor", "编辑")
    database.engine.dispose()
    return path


@pytest.fixture()
def desk_url(tmp_path: Path, migrated: Path) -> str:
    path = tmp_path / "desk.sqlite3"
    shutil.copyfile(migrated, path)
    return f"sqlite:///{path}"


@pytest.fixture()
def app_client(desk_url: str, fixture_search: SearchService) -> Iterator[TestClient]:
    settings = DeskSettings(database_url=desk_url, demand_sweep_seconds=0, appointment_rate_limit="1000/minute")
    app = create_app(settings, rasa=ScriptedRasa(), knowledge=fixture_search)  # type: ignore[arg-type]
    with console_client(app) as client:
        app.state.appointments.clock = lambda: NOW
        yield client


def widget_client(client: TestClient) -> TestClient:
    """The same app as the widget on another site calls it: no cookies, no same-origin header."""
    return TestClient(client.app)


def login(client: TestClient, username: str) -> TestClient:
    response = client.post("/api/login", json={"username": username, "password": f"password-{username}"})
    assert response.status_code == 200, response.text
    return client
