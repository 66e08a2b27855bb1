"""Browser end-to-end: a user in the widget and a staff member in the console, as people would click.

Real stack (Rasa, action server, desk) over the fixture knowledge base; headless Debian Chromium
driven by Playwright. Screenshots of every step go to test-artifacts/e2e/.
"""
from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import ask, console_login, shot
from tests.stack import Stack, running_stack

pytestmark = pytest.mark.e2e
STAFF = ("wangli", "password-wangli", "staff")
XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("e2e"), staff=(STAFF,)) as running:
        yield running


def test_user_and_staff_through_a_whole_conversation(stack: Stack, browser) -> None:  # type: ignore[no-untyped-def]
    user = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    staff = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN").new_page()
    dialogs: list[str] = []
    for page in (user, staff):
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # The staff member is on duty before the user asks for a person.
    console_login(staff, stack.desk_url, STAFF[0], STAFF[1])
    staff.locator("#queue").wait_for()
    shot(staff, "00-console-logged-in")

    # 1. A real question answered with an item card.
    user.goto(f"{stack.desk_url}/")
    user.locator(".daofu-launcher").click()
    ask(user, "股权出质注销登记在哪里办")
    card = user.locator(".daofu-item-card").last
    card.wait_for(timeout=60_000)
    assert "对股权出质注销登记" in card.inner_text()
    shot(user, "01-item-card")

    # 2. An ambiguous question: the bot asks, the user clicks a candidate, the card follows.
    ask(user, "取水许可")
    buttons = user.locator(".daofu-buttons button")
    buttons.first.wait_for(timeout=60_000)
    titles = buttons.all_inner_texts()
    assert any("取水许可" in title for title in titles), titles
    cards_before = user.locator(".daofu-item-card").count()
    buttons.first.click()
    user.wait_for_function(f"() => document.querySelector('#daofu-widget').shadowRoot"
                           f".querySelectorAll('.daofu-item-card').length > {cards_before}", timeout=60_000)
    assert titles[0] in user.locator(".daofu-item-card").last.inner_text()
    shot(user, "02-clarified-by-button")

    # 3. HTML typed by the user stays text; then 转人工 shows the queue position.
    ask(user, XSS)
    user.locator(".daofu-msg-user", has_text="<script>").wait_for()
    user.locator(".daofu-handoff").click()
    queue = user.locator(".daofu-queue")
    queue.wait_for(timeout=30_000)
    user.wait_for_function("() => document.querySelector('#daofu-widget').shadowRoot"
                           ".querySelector('.daofu-queue').textContent.includes('排队')", timeout=30_000)
    assert "前面还有" in queue.inner_text()
    shot(user, "03-queued")

    # 4. Staff sees it live, claims it, sees the transcript and what the bot found, replies.
    row = staff.locator(".queue-item").first
    row.wait_for(timeout=30_000)
    row.locator(".claim").click()
    staff.locator("#messages .msg-user", has_text="<script>").wait_for(timeout=30_000)
    assert staff.evaluate("() => window.__pwned") is None
    assert staff.locator("#messages img").count() == 0
    assert staff.locator("#bot-findings").inner_text().strip()
    staff.locator("#reply-text").fill("您好，我是工作人员王丽，请问还有什么问题？")
    staff.locator("#reply-send").click()
    shot(staff, "04-staff-claimed-and-replied")
    user.locator(".daofu-msg-staff", has_text="工作人员王丽").wait_for(timeout=30_000)
    assert user.evaluate("() => window.__pwned") is None
    assert user.evaluate("() => document.querySelector('#daofu-widget').shadowRoot.querySelectorAll('img').length") == 0
    shot(user, "05-user-sees-staff-reply")

    # 5. Staff hands the chat back; the bot answers the next question.
    # The claim already showed a system line: wait for the hand-back's own, or the question below
    # can reach the desk while the chat is still the staff member's (then no bot answer comes).
    system_before = user.locator(".daofu-msg-system").count()
    staff.locator("#handback").click()
    user.wait_for_function("() => document.querySelector('#daofu-widget').shadowRoot"
                           f".querySelectorAll('.daofu-msg-system').length > {system_before}", timeout=30_000)
    bot_before = user.locator(".daofu-msg-bot").count()
    ask(user, "复业登记需要什么材料")
    user.wait_for_function(f"() => document.querySelector('#daofu-widget').shadowRoot"
                           f".querySelectorAll('.daofu-msg-bot').length > {bot_before}", timeout=60_000)
    shot(user, "06-bot-answers-again")

    # 6. The user ends the chat and rates it.
    user.locator(".daofu-end").click()
    user.locator(".daofu-rating").wait_for()
    user.locator('.daofu-star[data-score="5"]').click()
    user.locator(".daofu-rating-comment").fill("很快就解决了")
    user.locator(".daofu-rating-submit").click()
    user.get_by_text("感谢您的评价").wait_for(timeout=30_000)
    shot(user, "07-rated")

    conversation_id = json.loads(user.evaluate("() => localStorage.getItem('daofu.widget')"))["conversation_id"]
    cookies = {c["name"]: c["value"] for c in staff.context.cookies()}
    request = urllib.request.Request(f"{stack.desk_url}/api/conversations/{conversation_id}",
                                     headers={"Cookie": f"daofu_session={cookies['daofu_session']}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        stored = json.loads(response.read())
    assert stored["conversation"]["rating"] == 5
    senders = [m["sender"] for m in stored["messages"]]
    assert {"user", "bot", "staff", "system"} <= set(senders)
    assert not dialogs, dialogs


def test_reload_restores_the_conversation_without_duplicates(stack: Stack, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{stack.desk_url}/")
    page.locator(".daofu-launcher").click()
    ask(page, "停业登记怎么办")
    page.locator(".daofu-msg-bot").first.wait_for(timeout=60_000)
    before = page.locator(".daofu-msg").all_inner_texts()
    page.reload()
    page.locator(".daofu-launcher").click()
    page.locator(".daofu-msg-bot").first.wait_for(timeout=30_000)
    after = page.locator(".daofu-msg").all_inner_texts()
    assert after == before
    shot(page, "08-reloaded")


def test_widget_is_styled_on_a_page_whose_policy_forbids_inline_styles(stack: Stack, browser) -> None:  # type: ignore[no-untyped-def]
    # A government page with a strict Content-Security-Policy: scripts only from the desk, no inline
    # styles. The widget's stylesheet is adopted into its Shadow DOM (a constructable stylesheet), which
    # that policy does not block; a <style> element is refused (the widget before its ES-module split
    # failed here: launcher unstyled, one style-src-elem violation). The page is answered by Playwright
    # on the desk's origin: Chromium's local-network checks refuse a loopback desk to other origins.
    desk = stack.desk_url
    policy = (f"default-src 'none'; script-src {desk}; style-src 'self'; "
              f"connect-src {desk} {desk.replace('http', 'ws', 1)}")
    html = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>严格策略的页面</title></head>'
            f'<body><p>政务服务网</p><script src="{desk}/widget.js" defer></script></body></html>')
    page = browser.new_context(locale="zh-CN").new_page()
    page.route(f"{desk}/strict-page", lambda route: route.fulfill(
        status=200, body=html, headers={"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": policy}))
    page.add_init_script("window.__violations = []; document.addEventListener('securitypolicyviolation',"
                         " (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));")
    page.goto(f"{desk}/strict-page")
    launcher = page.locator(".daofu-launcher")
    launcher.wait_for()
    styles = launcher.evaluate("b => { const s = getComputedStyle(b); return [s.position, s.backgroundColor]; }")
    assert styles == ["fixed", "rgb(31, 95, 191)"], styles
    launcher.click()
    panel = page.locator(".daofu-panel")
    panel.wait_for()
    assert panel.evaluate("p => [getComputedStyle(p).position, getComputedStyle(p).width]") == ["fixed", "380px"]
    assert page.evaluate("() => window.__violations") == []
    shot(page, "09-strict-csp-page")
