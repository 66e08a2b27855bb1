"""Browser end-to-end: the analytics page draws its charts and tables from seeded conversations.

The desk alone (no Rasa: viewing analytics asks no bot) under uvicorn in a thread, on a free port
with a temporary SQLite store; headless Debian Chromium driven by Playwright. Needs `make frontend`
(Chart.js) and `make system-deps` (Chromium). Screenshot: test-artifacts/e2e/analytics.png.
"""
from __future__ import annotations

import datetime
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from desk.api import analytics as analytics_api
from desk.app import create_app
from desk.auth import create_staff
from desk.db import Database, migrate
from desk.models import Conversation, Handoff, Message
from desk.settings import DeskSettings
from tests.e2e.conftest import shot

pytestmark = pytest.mark.e2e
ACCOUNTS = {"chief": ("password-chief", "admin"), "wangli": ("password-wangli", "staff")}
QUESTION = "营业执照怎么办理"
XSS = '<img src=x onerror="window.__pwned=1">社保卡'
NOT_FOUND = {"custom": {"not_found": {"question": XSS, "confidence": 0.2}}}
CHARTS = ("chart-daily", "chart-reasons", "chart-ratings")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(database_url: str) -> None:
    now = datetime.datetime.now(datetime.UTC)
    with Database(database_url).session() as session:
        for username, (password, role) in ACCOUNTS.items():
            create_staff(session, username, password, role)
        for i in range(6):
            opened = now - datetime.timedelta(days=i % 3, minutes=5)
            conversation_id = f"conv-{i}"
            session.add(Conversation(id=conversation_id, created_at=opened, updated_at=opened, rating=(i % 5) + 1))
            session.flush()
            question = QUESTION if i < 4 else XSS
            session.add(Message(conversation_id=conversation_id, sender="user", text=question, created_at=opened))
            session.add(Message(conversation_id=conversation_id, sender="bot", text="……", created_at=opened,
                                payload=NOT_FOUND if question == XSS else None))
            if i % 2:
                session.add(Handoff(conversation_id=conversation_id, reason="complaint" if i == 1 else "user_request",
                                    priority=2, status="claimed", created_at=opened,
                                    claimed_at=opened + datetime.timedelta(seconds=40 * i)))


@pytest.fixture(scope="module")
def desk_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    assert analytics_api.CHART_JS.is_file(), "Chart.js is missing: run `make frontend`"
    settings = DeskSettings(database_url=f"sqlite:///{tmp_path_factory.mktemp('analytics') / 'desk.sqlite3'}",
                            port=free_port())
    migrate(settings.database_url)
    app = create_app(settings)
    seed(settings.database_url)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=settings.port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the desk did not start"
        time.sleep(0.1)
    yield f"http://127.0.0.1:{settings.port}"
    server.should_exit = True
    thread.join(timeout=10)


def logged_in_page(browser, desk_url: str, username: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    # The login form's request, with the Origin the browser would send from the desk's own page.
    answer = context.request.post(f"{desk_url}/api/login", headers={"Origin": desk_url},
                                  data={"username": username, "password": ACCOUNTS[username][0]})
    assert answer.ok, answer.text()
    return context.new_page()


def test_admin_sees_charts_tables_and_exports(desk_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = logged_in_page(browser, desk_url, "chief")
    page.goto(f"{desk_url}/console/analytics")
    page.wait_for_function("() => window.Chart && ['chart-daily', 'chart-reasons', 'chart-ratings']"
                           ".every((id) => Chart.getChart(document.getElementById(id)))", timeout=30_000)
    page.locator("#top-questions tbody tr").first.wait_for()
    assert page.locator("#kpi-conversations").inner_text() == "6"
    assert page.locator("#kpi-share").inner_text() == "50.0%"
    first_row = page.locator("#top-questions tbody tr").first.inner_text()
    assert QUESTION in first_row and "4" in first_row
    # User text stays text: the img tag is shown, never parsed.
    assert XSS in page.locator("#top-unanswered tbody").inner_text()
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("main img").count() == 0
    labels = page.evaluate("() => Chart.getChart(document.getElementById('chart-reasons')).data.labels")
    assert sorted(labels) == ["用户投诉", "用户要求转人工"]
    ratings = page.evaluate("() => Chart.getChart(document.getElementById('chart-ratings')).data.datasets[0].data")
    assert ratings == [2, 1, 1, 1, 1]
    for chart in CHARTS:  # drawn: the canvas has a size and pixels were painted
        assert page.evaluate(f"() => document.getElementById('{chart}').width") > 100
    page.wait_for_timeout(600)  # let the entry animation finish for the screenshot
    shot(page, "analytics")

    page.locator(".an-seg button[data-days='7']").click()
    page.wait_for_function("() => document.querySelector(\".an-exports a[data-table='messages']\").href.endsWith('days=7')")
    assert page.evaluate("() => Chart.getChart(document.getElementById('chart-daily')).data.labels.length") == 7
    with page.expect_download() as download:
        page.locator(".an-exports a[data-table='messages']").click()
    assert download.value.suggested_filename.startswith("daofu-messages-")


def test_staff_is_sent_back_to_the_chat_console(desk_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    # The analytics page is for editors and admins (issue 13 item 4): staff never get its HTML.
    page = logged_in_page(browser, desk_url, "wangli")
    page.goto(f"{desk_url}/console/analytics")
    page.wait_for_url("**/console")
    assert page.locator("#an-content").count() == 0
