"""Browser end-to-end of the 政策计算器: "我们是做餐饮的小微企业，有哪些补贴" → the form's questions →
the measures that may apply, with reasons → consent → on return the saved profile answers at once.

Real stack (Rasa with the test model, action server, desk) over the fixture knowledge base plus the
shipped support measures, matched as of 2020-03-01 (DAOFU_POLICY_AS_OF: the shipped measures
have expired by today). Headless Debian Chromium; screenshots in test-artifacts/e2e/.
"""
from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import ask, console_login, shot
from tests.stack import PROJECT_ROOT, Stack, running_stack

pytestmark = pytest.mark.e2e
QUESTION = "我们是做餐饮的小微企业，有哪些补贴"
EDITOR = ("zhaobian", "password-zhaobian", "editor")
SHADOW = "document.querySelector('#daofu-widget').shadowRoot"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("policy-e2e")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAOFU_POLICY_AS_OF", "2020-03-01")
        with running_stack(root, staff=(EDITOR,)) as running:
            # The actions read the measures on every turn from DAOFU_KB_DIR (the stack's copy).
            shutil.copytree(PROJECT_ROOT / "knowledge_base" / "policy_measures",
                            root / "knowledge_base" / "policy_measures")
            # The documents the measures quote, so an editor's change is checked against their text
            # (the served index stays the fixture's: it was built before).
            shutil.copy(PROJECT_ROOT / "knowledge_base" / "policies" / "ncpqa_policy_docs.jsonl",
                        root / "knowledge_base" / "policies" / "shipped_policy_docs.jsonl")
            yield running


def wait_for_bot(page, containing: str, timeout: int = 90_000) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        f"(t) => Array.from({SHADOW}.querySelectorAll('.daofu-msg-bot')).some(m => m.textContent.includes(t))",
        arg=containing, timeout=timeout)


def test_a_restaurant_finds_its_subsidies_with_reasons(stack: Stack, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    user = context.new_page()
    user.goto(f"{stack.desk_url}/")
    user.locator(".daofu-launcher").click()

    # 1. The question states the industry (餐饮) and the size (小微): the first question is the region.
    ask(user, QUESTION)
    wait_for_bot(user, "注册地")
    shot(user, "policy-01-asks-region")

    # 2. Typed answer; the next question comes with buttons (资质), answered by a click.
    ask(user, "北京市海淀区")
    wait_for_bot(user, "资质")
    none_button = user.locator(".daofu-buttons button", has_text="都没有").last
    none_button.wait_for(timeout=30_000)
    shot(user, "policy-02-asks-qualifications")
    none_button.click()

    # 3. The result: a card with measures that may apply, each with its conditions met and open.
    card = user.locator(".daofu-policy-matches").last
    card.wait_for(timeout=90_000)
    text = card.inner_text()
    assert "餐饮业 · 小型 · 北京市海淀区" in text
    # Every checkable condition met; the shipped measures keep 需人工确认 ones, so "可能符合".
    assert card.locator(".daofu-result-possible").count() >= 1
    # The reasons: conditions met (the measures of 海淀区 ask to be registered there) and open.
    assert card.locator(".daofu-met-true").count() >= 1 and card.locator(".daofu-met-null").count() >= 1
    assert "✓ 在海淀区注册、纳税、纳统" in text and "（需确认）" in text
    assert "按 2020-03-01 的政策执行期判断" in text
    measures = card.locator(".daofu-measure")
    assert measures.count() >= 3
    assert "补贴标准" in measures.first.inner_text() and "获取方式" in measures.first.inner_text()
    shot(user, "policy-03-result")

    # 4. Consent: the profile is saved for this browser.
    user.locator(".daofu-buttons button", has_text="保存企业信息").last.click()
    wait_for_bot(user, "已保存企业信息")
    user.wait_for_function("() => JSON.parse(localStorage.getItem('daofu.widget') || '{}').profile_token")

    # 5. Return with a new conversation (as after expiry): the desk gives the bot the saved profile,
    # so the same question is answered at once, without asking again.
    stored = json.loads(user.evaluate("() => localStorage.getItem('daofu.widget')"))
    user.evaluate("(d) => localStorage.setItem('daofu.widget', d)",
                  json.dumps({"profile_token": stored["profile_token"]}))
    user.reload()
    user.locator(".daofu-launcher").click()
    ask(user, "我们公司能享受哪些政策")
    again = user.locator(".daofu-policy-matches").last
    again.wait_for(timeout=90_000)
    assert "餐饮业 · 小型 · 北京市海淀区" in again.inner_text()
    transcript = user.evaluate(f"() => {SHADOW}.querySelector('.daofu-body').textContent")
    assert "注册地在哪里" not in transcript
    shot(user, "policy-04-returning-enterprise")
    context.close()


def test_an_editor_reviews_a_measure_in_the_knowledge_console(stack: Stack, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN").new_page()
    console_login(page, stack.desk_url, EDITOR[0], EDITOR[1], start="/console/knowledge")
    page.locator("#tab-measures").click()
    rows = page.locator("#measures-list tbody tr")
    rows.first.wait_for(timeout=30_000)
    assert rows.count() >= 40
    assert "对话使用：未发布" in page.locator("#measures-version").inner_text()
    rows.first.click()
    editor = page.locator("#measure-json")
    edited = editor.input_value().replace('"title": "', '"title": "【已审核】', 1)
    editor.fill(edited)
    page.locator("#measure-editor button", has_text="保存").click()
    page.locator("#measures-status", has_text="已保存为第 2 版").wait_for(timeout=30_000)
    page.locator("#measures-versions li", has_text="第 2 版").locator("button", has_text="发布").click()
    page.locator("#measures-version", has_text="对话使用：第 2 版").wait_for(timeout=30_000)
    assert "【已审核】" in page.locator("#measures-list tbody").inner_text()
    shot(page, "policy-05-measures-console")
    # 免申即享: the measure's 推送名单 (saved profiles that qualify or may), and its CSV export.
    automatic = page.locator("#measures-list tbody tr", has_text="免申即享").first
    automatic.locator("button", has_text="推送名单").click()
    page.locator("#push-list-panel").wait_for(state="visible", timeout=30_000)
    assert "推送名单：" in page.locator("#push-list-title").inner_text()
    assert page.locator("#push-list thead").inner_text().startswith("结果")
    exported = page.request.get(stack.desk_url + page.locator("#push-list-csv").get_attribute("href"))
    assert exported.status == 200 and "text/csv" in exported.headers["content-type"]
    shot(page, "policy-06-push-list")
    # The other tabs still work and hide this view.
    page.locator("#tab-records").click()
    assert page.locator("#view-measures").is_hidden()
