"""Browser end-to-end: a demand (诉求) from the widget to reopening, in headless Chromium.

The real stack (tests/stack.py: Rasa with the test model, the action server, the desk with a
temporary SQLite store and a search over the fixture knowledge base, base e5 model), so the bot's
intent `file_demand` offers the form and the suggested department comes from the search. Accounts
are made with `python -m desk create-user` (the handler with `--role handler --department 广东省水利厅`).

1. The enterprise tells the widget its problem; the bot's form card comes, category and text
   filled in; it adds enterprise, contact, phone and consent and files it (tracking number shown).
2. 应答 (staff) opens 诉求办理 from the console's nav, sees it in 待派单 with the suggested
   department preselected, tries 派单 without a department (the desk's 422 shown in Chinese), then
   dispatches to the suggestion.
3. The handler lands on 诉求办理, sees it under 本部门, 签收 and replies with the result.
4. In the widget the reply's push shows the reply; the enterprise opens 查询诉求 with the number and
   the phone's last 4 digits (the card is replaced, never doubled), sees the reply and rates 不满意:
   the demand reopens, and the handler's open page shows 重办中 live (/ws/demands).
Screenshots: test-artifacts/e2e/demand-*.png.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.conftest import PROJECT_ROOT, ask, shot
from tests.stack import running_stack

pytestmark = pytest.mark.e2e
WATER = "广东省水利厅"
CONTENT = "我要反映一个问题：新增取水许可申请提交两个月了还没有结果，请帮忙催办"
PHONE = "13812345678"
REPLY = "经核查，取水许可已于今日审批通过，请登录广东政务服务网下载批文。"
ACCOUNTS = {"yingda": ("password-yingda", "staff", None), "chengban": ("password-chengban", "handler", WATER),
            "duban": ("password-duban", "supervisor", None), "guanli": ("password-guanli", "admin", None)}


@dataclass(frozen=True)
class Desk:
    url: str
    database_url: str


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    root = tmp_path_factory.mktemp("demand-flow")
    with running_stack(root) as stack:
        database_url = stack.environment["DAOFU_DATABASE_URL"]
        # After the start: the desk seeds the catalog's departments, which a handler's account names.
        for username, (password, role, department) in ACCOUNTS.items():
            command = [sys.executable, "-m", "desk", "create-user", username, "--role", role,
                       "--password-env", "DAOFU_E2E_PASSWORD"]
            if department:
                command += ["--department", department]
            done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
                                  env={**os.environ, "DAOFU_DATABASE_URL": database_url, "DAOFU_E2E_PASSWORD": password})
            assert done.returncode == 0, done.stderr
        yield Desk(stack.desk_url, database_url)


def sign_in(browser: Any, desk: Desk, username: str, landing: str) -> Any:
    """Sign in through the login form; the role's home page is ``landing``."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{desk.url}/console")
    page.wait_for_url("**/console/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(ACCOUNTS[username][0])
    page.locator("#login-submit").click()
    page.wait_for_url(re.compile(f".*{re.escape(landing)}$"))
    return page


def open_demand(page: Any, number: str) -> None:
    item = page.locator("#dm-list .dm-item", has_text=number)
    item.wait_for(timeout=15_000)
    item.locator(".dm-open").click()
    page.locator("#dm-detail h2", has_text=number).wait_for()


def test_a_demand_from_filing_to_reopening(desk: Desk, browser: Any) -> None:
    # The enterprise, in the widget on the desk's demo page: the bot's form card
    user = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    user.goto(f"{desk.url}/")
    user.locator(".daofu-launcher").click()
    ask(user, CONTENT)
    form = user.locator("[data-testid=demand-form]").last
    form.wait_for(timeout=90_000)  # Rasa's first turn
    assert form.locator("[data-testid=demand-category]").input_value() == "求助"  # "请帮忙催办"
    assert form.locator("[data-testid=demand-content]").input_value() == CONTENT
    form.locator("[data-testid=demand-enterprise]").fill("广州某某水务科技有限公司")
    form.locator("[data-testid=demand-contact-name]").fill("李明")
    form.locator("[data-testid=demand-phone]").fill("138-1234-5678")
    form.locator("[data-testid=demand-consent]").check()
    form.locator("[data-testid=demand-submit]").click()
    filed = user.locator("[data-testid=demand-tracking-number]").last
    filed.wait_for(timeout=15_000)
    number = filed.inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", number), number
    shot(user, "demand-filed")
    # A reload replays the chat: the form comes back folded behind a button, not empty to fill again.
    user.reload()
    user.locator(".daofu-launcher").click()
    user.locator("[data-testid=demand-form-reopen]").last.wait_for(timeout=30_000)
    assert user.locator("[data-testid=demand-form]").count() == 0

    # 应答: from the chat console's nav to 诉求办理, 待派单
    staff = sign_in(browser, desk, "yingda", "/console")
    staff.locator("#link-demands").click()
    staff.wait_for_url("**/console/demands")
    staff.locator(".dm-views [data-view='dispatch'][aria-pressed='true']").wait_for()  # its first view
    open_demand(staff, number)
    assert PHONE in staff.locator(".dm-contact").inner_text()  # the desk holds it: contact in full
    chip = staff.locator("#dm-suggestions .dm-chip").first
    chip.wait_for(timeout=60_000)  # the search loads its model on first use
    assert WATER in chip.inner_text()
    department = staff.locator("#dm-dispatch select[name=department]")
    assert department.input_value() == WATER  # the suggestion is preselected: confirm or change
    department.select_option("")
    staff.locator("#dm-dispatch button[type=submit]").click()
    error = staff.locator("#dm-action-error")
    error.wait_for(state="visible")
    assert "请检查" in error.inner_text()  # the desk's 422, in Chinese
    department.select_option(WATER)
    staff.locator("#dm-dispatch button[type=submit]").click()
    staff.locator("#dm-detail-status", has_text="已派单").wait_for()
    assert WATER in staff.locator(".dm-department").inner_text()
    assert "138****5678" in staff.locator(".dm-contact").inner_text()  # now with the department: masked
    history = staff.locator("#dm-history tbody").inner_text()
    assert "派单：" + WATER in history and "已受理 → 已派单" in history
    shot(staff, "demand-dispatched")

    # 承办: lands on 诉求办理, its department's list; accept, reply
    handler = sign_in(browser, desk, "chengban", "/console/demands")
    handler.locator(".dm-views [data-view='mine'][aria-pressed='true']").wait_for()
    open_demand(handler, number)
    assert PHONE in handler.locator(".dm-contact").inner_text()
    handler.locator("#dm-accept button[type=submit]").click()
    handler.locator("#dm-detail-status", has_text="办理中").wait_for()
    handler.locator("#dm-reply textarea").fill(REPLY)
    handler.locator("#dm-reply button[type=submit]").click()
    handler.locator("#dm-detail-status", has_text="已答复").wait_for()
    assert REPLY in handler.locator(".dm-reply").inner_text()

    # The enterprise, in the widget: the reply's push ("有新进展") shows the reply by itself (this
    # browser filed the demand, so it knows the phone's last 4 digits) ...
    cards = user.locator(f"[data-testid=demand-result][data-tracking-number='{number}']")
    user.locator(f"[data-testid=demand-result][data-tracking-number='{number}'][data-status=replied]").wait_for(
        timeout=15_000)
    cards.evaluate("card => { card.dataset.e2ePushed = 'yes'; }")
    # ... and 查询诉求 with the number and the 4 digits takes that card's place: one card per demand.
    user.locator("[data-testid=demand-track-open]").click()
    track = user.locator("[data-testid=demand-track]").last
    track.locator("[data-testid=demand-track-number]").fill(number)
    track.locator("[data-testid=demand-track-last4]").fill("5678")
    track.locator("[data-testid=demand-track-submit]").click()
    user.locator("[data-e2e-pushed]").wait_for(state="detached", timeout=15_000)  # the pushed card's place taken
    cards.wait_for(timeout=15_000)
    assert cards.count() == 1
    result = cards
    assert REPLY in result.locator("[data-testid=demand-reply]").inner_text()
    assert "已答复" in result.locator("[data-testid=demand-status]").inner_text()
    assert WATER in result.locator("[data-testid=demand-department]").inner_text()
    result.locator("[data-testid=demand-rating-score]").select_option("不满意")
    result.locator("[data-testid=demand-rating-comment]").fill("批文还是下载不了")
    result.locator("[data-testid=demand-rating-submit]").click()
    user.locator("[data-testid=demand-result] [data-testid=demand-status]", has_text="重办中").last.wait_for(timeout=15_000)
    shot(user, "demand-rated")

    # The handler's open page follows live: 重办中, with the rating in the history, ready to accept again
    handler.locator("#dm-detail-status", has_text="重办中").wait_for(timeout=15_000)
    assert "回访不满意，重办" in handler.locator("#dm-history tbody").inner_text()
    assert handler.locator("#dm-accept button[type=submit]").is_visible()
    shot(handler, "demand-reopened")


def test_extension_approved_by_the_supervisor_and_departments_edited_by_an_admin(desk: Desk, browser: Any) -> None:
    public = browser.new_context(locale="zh-CN")
    filed = public.request.post(f"{desk.url}/api/demands", data={
        "category": "咨询", "content": "取水许可延续需要准备哪些材料，已经问了两周", "enterprise_name": "某某水务公司",
        "contact_name": "王芳", "contact_phone": "13900001111"})
    assert filed.status == 201, filed.text()
    number = filed.json()["tracking_number"]
    staff = sign_in(browser, desk, "yingda", "/console")
    staff.goto(f"{desk.url}/console/demands")
    open_demand(staff, number)
    staff.locator("#dm-dispatch select[name=department]").select_option(WATER)
    staff.locator("#dm-dispatch button[type=submit]").click()
    staff.locator("#dm-detail-status", has_text="已派单").wait_for()

    # 承办 accepts and asks for 3 more working days
    handler = sign_in(browser, desk, "chengban", "/console/demands")
    open_demand(handler, number)
    handler.locator("#dm-accept button[type=submit]").click()
    handler.locator("#dm-detail-status", has_text="办理中").wait_for()
    handler.locator("#dm-extend input[name=days]").fill("3")
    handler.locator("#dm-extend input[name=reason]").fill("需要现场核查")
    handler.locator("#dm-extend button[type=submit]").click()
    handler.locator("#dm-detail-status", has_text="申请延期中").wait_for()
    due_before = handler.locator("#dm-detail .dm-field", has_text="办理时限").inner_text()

    # 督办 lands on the overdue board, finds it under 延期审批 (contact masked) and approves
    chief = sign_in(browser, desk, "duban", "/console/demands")
    chief.locator(".dm-views [data-view='overdue'][aria-pressed='true']").wait_for()
    chief.locator(".dm-views [data-view='extensions']").click()
    open_demand(chief, number)
    assert "139****1111" in chief.locator(".dm-contact").inner_text()
    chief.locator("#dm-extension button", has_text="批准延期").click()
    chief.locator("#dm-detail-status", has_text="办理中").wait_for()
    assert "批准延期（3个工作日）" in chief.locator("#dm-history tbody").inner_text()
    handler.locator("#dm-detail-status", has_text="办理中").wait_for(timeout=15_000)  # live on the handler's page
    assert handler.locator("#dm-detail .dm-field", has_text="办理时限").inner_text() != due_before
    shot(chief, "demand-extension-approved")

    # An admin adds a department in 部门管理; a name taken answers 409 in Chinese
    admin = sign_in(browser, desk, "guanli", "/console")
    admin.goto(f"{desk.url}/console/demands")
    admin.locator(".dm-views [data-view='departments']").click()
    admin.locator("#dept-name").fill("示范市营商环境局")
    admin.locator("#dept-add button[type=submit]").click()
    admin.locator("#dept-table tbody input[value='示范市营商环境局']").wait_for()
    admin.locator("#dept-name").fill(WATER)
    admin.locator("#dept-add button[type=submit]").click()
    admin.locator("#toast", has_text="已存在").wait_for()
    public.close()
