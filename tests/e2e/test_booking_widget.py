"""Browser end-to-end: booking a visit from an item answer in the widget, looking it up and
cancelling it, and the hall's day list in the console (headless Debian Chromium, Playwright).

The desk runs under uvicorn with the fixture knowledge base's index; the bot's turn is the real
composer's answer for the item (actions.composer.item_answer: card and booking offer) sent the way
Rasa's REST channel sends it, so no Rasa model is needed. The appointments' clock stands on
2026-09-28 (the week before National Day) so the slots do not depend on today's date.
"""
from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from actions import composer
from desk.app import create_app
from desk.auth import create_staff
from desk.db import Database, migrate
from desk.settings import DeskSettings
from indexer.records import ServiceItem
from tests.desk.appointments.conftest import COMPANY, MARKET_HALL, NOW, build_fixture_search
from tests.e2e.conftest import ask, console_login, shot
from tests.fakes import ScriptedRasa
from tests.scale.servers import free_port

pytestmark = pytest.mark.e2e
ADMIN = ("admin", "password-admin")


class ItemAnsweringRasa(ScriptedRasa):
    """Answers every question with the composer's reply for one item (text + custom, as Rasa's REST
    channel sends an utterance)."""

    def __init__(self, item: ServiceItem) -> None:
        super().__init__()
        self.item = item

    async def send(self, conversation_id: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        reply = composer.item_answer(self.item)
        return [{"recipient_id": conversation_id, "text": reply.text, "custom": dict(reply.custom or {})}]


@pytest.fixture(scope="module")
def desk_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder: Path = tmp_path_factory.mktemp("booking-e2e")
    fixture_search = build_fixture_search(folder / "index")
    url = f"sqlite:///{folder / 'desk.sqlite3'}"
    migrate(url)
    with Database(url).session() as session:
        create_staff(session, ADMIN[0], ADMIN[1], "admin", "管理员")
    item = fixture_search.record(COMPANY)
    assert isinstance(item, ServiceItem)
    app = create_app(DeskSettings(database_url=url, demand_sweep_seconds=0), rasa=ItemAnsweringRasa(item),  # type: ignore[arg-type]
                     knowledge=fixture_search)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "the desk did not start"
        time.sleep(0.05)
    app.state.appointments.clock = lambda: NOW
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(timeout=30)


def test_book_look_up_and_cancel_in_the_widget(desk_url: str, browser: Any) -> None:
    user = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    user.on("dialog", lambda dialog: dialog.accept())  # the cancel confirmation
    user.goto(f"{desk_url}/")
    user.locator(".daofu-launcher").click()
    ask(user, "内资有限责任公司设立登记在哪办")
    offer = user.locator("[data-testid=booking-offer]").last
    offer.wait_for(timeout=30_000)
    assert "可以帮您预约到大厅办理" in offer.inner_text()
    offer.click()
    card = user.locator("[data-testid=booking-card]").last
    card.locator("[data-testid=booking-slot]").first.wait_for(timeout=30_000)
    days = card.locator("[data-testid=booking-day]").evaluate_all("(nodes) => nodes.map((n) => n.dataset.day)")
    assert days[:4] == ["2026-09-28", "2026-09-29", "2026-09-30", "2026-10-08"]  # National Day left out
    assert "2026-10-10" in days  # the make-up Saturday
    assert MARKET_HALL in card.inner_text()
    card.locator("[data-testid=booking-day][data-day='2026-10-08']").click()
    card.locator("[data-testid=booking-slot][data-slot='2026-10-08T09:00+08:00']").click()
    card.locator("[data-testid=booking-name]").fill("张三")
    card.locator("[data-testid=booking-phone]").fill("12345")
    card.locator("[data-testid=booking-submit]").click()
    error = card.locator("[data-testid=booking-error]")
    user.wait_for_function("() => document.querySelector('#daofu-widget').shadowRoot"
                           ".querySelector('[data-testid=booking-error]').textContent.includes('手机号码')", timeout=30_000)
    assert "手机号码" in error.inner_text()
    card.locator("[data-testid=booking-phone]").fill("13812345678")
    card.locator("[data-testid=booking-submit]").click()
    confirmation = user.locator("[data-testid=booking-confirmation]").last
    confirmation.wait_for(timeout=30_000)
    code = confirmation.locator("[data-testid=booking-code]").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code), code
    assert "2026年10月8日 09:00-09:30" in confirmation.inner_text()
    shot(user, "booking-01-confirmed")

    # Look it up (the card offers the code this browser booked), then cancel it there.
    offer.click()
    user.locator("[data-testid=booking-card]").last.locator("[data-testid=booking-open-lookup]").click()
    lookup = user.locator("[data-testid=booking-lookup]").last
    assert lookup.locator("[data-testid=booking-lookup-code]").input_value() == code
    lookup.locator("[data-testid=booking-lookup-submit]").click()
    result = lookup.locator("[data-testid=booking-lookup-result]")
    result.locator("[data-testid=booking-lookup-status]").wait_for(timeout=30_000)
    assert "已预约" in result.inner_text()
    result.locator("[data-testid=booking-cancel]").click()
    user.wait_for_function("() => [...document.querySelector('#daofu-widget').shadowRoot"
                           ".querySelectorAll('[data-testid=booking-status]')].some((n) => n.textContent.includes('已取消预约'))",
                           timeout=30_000)
    shot(user, "booking-02-cancelled")


def test_staff_see_the_days_list_and_admins_set_the_hall(desk_url: str, browser: Any) -> None:
    import httpx

    booked = httpx.post(f"{desk_url}/api/appointments", json={"item_id": COMPANY, "slot": "2026-10-09T10:00+08:00",
                                                             "name": "李四", "phone": "13900001111"})
    assert booked.status_code == 201, booked.text
    admin = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
    console_login(admin, desk_url, *ADMIN)
    admin.locator("[data-testid=appointments-open]").click()
    dialog = admin.locator("[data-testid=appointments-dialog]")
    dialog.wait_for()
    location = dialog.locator("[data-testid=appointments-location]")
    value = location.locator("option", has_text=MARKET_HALL).get_attribute("value")
    location.select_option(value)
    dialog.locator("[data-testid=appointments-date]").fill("2026-10-09")
    dialog.locator("[data-testid=appointments-date]").dispatch_event("change")
    row = dialog.locator("[data-testid=appointments-row]").first
    row.wait_for(timeout=30_000)
    assert "李四" in row.inner_text() and "13900001111" in row.inner_text() and "10:00" in row.inner_text()
    dialog.locator("[data-testid=appointments-capacity]").fill("5")
    dialog.locator("[data-testid=appointments-save]").click()
    admin.wait_for_function("() => document.querySelector('[data-testid=appointments-list]').textContent.includes('每半小时 5 人')",
                            timeout=30_000)
    shot(admin, "booking-03-console-day-list")
