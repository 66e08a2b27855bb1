"""The 政策计算器 in the chat (actions/policy_matching.py): which fields the form asks for which
measures, how answers are read, the result's replies and card, consent and the saved profile.

The measures are the shipped ones (knowledge_base/policy_measures) or inline ones built with the
library's own models; the form runs through rasa-sdk's FormValidationAction with the real domain.
"""
from __future__ import annotations

import asyncio
import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import policy_matching as pm
from daofu_protocol import POLICY_ANSWER_ENTITY, SAVE_POLICY_PROFILE_PAYLOAD, parse_custom
from indexer.policy_matching.catalog import load_catalog
from indexer.policy_matching.measures import parse_measure
from tests.actions.conftest import run, slots
from tests.stack import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
DEMO_DATE = datetime.date(2020, 3, 1)
TODAY = datetime.date(2026, 12, 2)
QUESTION = "我们是做餐饮的小微企业，有哪些补贴"


@pytest.fixture(scope="module")
def shipped() -> tuple[Any, ...]:
    return tuple(load_catalog(Path(PROJECT_ROOT / "knowledge_base"), check_sources=False))


def measure(conditions: list[dict[str, Any]], how: str = "申报", end: str | None = None, **extra: Any) -> Any:
    data: dict[str, Any] = {"id": extra.pop("id", "m1"), "policy_id": "doc1", "title": extra.pop("title", "测试补贴"),
                            "issuer": "北京市人民政府", "region": "北京市", "conditions": conditions,
                            "benefit": {"text": "每户补贴1万元", "amount_wan": 1}, "how": how,
                            "source": {"document_id": "doc1", "passage": "原文"}, **extra}
    if end:
        data["application_period"] = {"end": end, "text": f"至{end}"}
    return parse_measure(data)


def catalog(*measures: Any, as_of: datetime.date = DEMO_DATE) -> pm.PolicyCatalog:
    return pm.PolicyCatalog(tuple(measures), as_of)


def form_tracker(text: str, requested: str | None, filled: dict[str, Any] | None = None,
                 entities: list[dict[str, Any]] | None = None, intent: str = "nlu_fallback") -> Tracker:
    """The tracker rasa hands the validation action right after the user answered ``requested``
    (from_text has put the raw text into the slot)."""
    values = dict(filled or {})
    if requested:
        values[requested] = text
    values["requested_slot"] = requested
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}
    events = [{"event": "active_loop", "name": pm.FORM},
              {"event": "user", "text": text, "parse_data": latest}]
    if requested:
        events.append({"event": "slot", "name": requested, "value": text})
    return Tracker(sender_id="t", slots=values, latest_message=latest, events=events, paused=False,
                   followup_action=None, active_loop={"name": pm.FORM}, latest_action_name="action_listen")


def run_form(action: pm.ValidatePolicyProfileForm, tracker: Tracker) -> tuple[CollectingDispatcher, dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return dispatcher, slots(events)


# ------------------------------------------------------------------ which fields are asked


def test_the_question_states_industry_and_size() -> None:
    assert pm.prefill(QUESTION) == {"policy_industry": "62", "policy_size": "小型/微型"}
    assert pm.prefill("我们是北京市海淀区的软件公司") == {"policy_industry": "65", "policy_region": "北京市海淀区"}
    assert pm.prefill("我们公司能享受哪些政策") == {}


def test_only_the_fields_a_measure_needs_are_asked() -> None:
    taxpayer = measure([{"type": "taxpayer_type", "text": "小规模纳税人", "value": "小规模纳税人"}])
    qualification = measure([{"type": "qualification", "text": "高新技术企业", "any_of": ["高新技术企业"]}], id="m2")
    both = catalog(taxpayer, qualification)
    # The region (both measures are Beijing's) decides two, each condition one.
    assert pm.slots_to_ask({}, both) == ["policy_region", "policy_taxpayer_type", "policy_qualifications"]
    # Answered fields, including 跳过 (unknown), are not asked again.
    assert pm.slots_to_ask({"policy_region": "北京市", "policy_taxpayer_type": pm.UNKNOWN}, both) == [
        "policy_qualifications"]
    # A failed condition rules the measure out: nothing more is asked for it.
    assert pm.slots_to_ask({"policy_region": "北京市", "policy_taxpayer_type": "一般纳税人"},
                           catalog(taxpayer)) == []
    # Outside the measure's region nothing is asked at all.
    assert pm.slots_to_ask({"policy_region": "陕西省"}, both) == []


def test_a_stated_small_micro_size_stands_in_for_the_figures_only_when_no_measure_tells_them_apart() -> None:
    small_or_micro = measure([{"type": "size_in", "text": "小微企业", "sizes": ["小型", "微型"]}])
    micro_only = measure([{"type": "size_in", "text": "微型企业", "sizes": ["微型"]}], id="m2")
    stated = {"policy_region": "北京市", "policy_industry": "62", "policy_size": "小型/微型"}
    assert pm.slots_to_ask(stated, catalog(small_or_micro)) == []
    # 餐饮业's size needs employees and revenue (not assets: the standard does not use them there).
    assert pm.slots_to_ask(stated, catalog(small_or_micro, micro_only)) == ["policy_employees", "policy_revenue"]
    # Fewer than 10 people is 微型 whatever the revenue; 50 people needs the revenue to tell.
    assert pm.slots_to_ask({**stated, "policy_employees": "8"}, catalog(micro_only)) == []
    assert pm.slots_to_ask({**stated, "policy_employees": "50"}, catalog(micro_only)) == ["policy_revenue"]


def test_expired_measures_ask_nothing(shipped: tuple[Any, ...]) -> None:
    period_over = measure([{"type": "taxpayer_type", "text": "小规模纳税人", "value": "小规模纳税人"}],
                          end="2020-06-30")
    assert pm.slots_to_ask({"policy_region": "北京市"}, catalog(period_over, as_of=TODAY)) == []
    assert pm.slots_to_ask({"policy_region": "北京市"}, catalog(period_over)) == ["policy_taxpayer_type"]


def test_the_shipped_measures_ask_a_restaurant_for_its_region_first(shipped: tuple[Any, ...]) -> None:
    asked = pm.slots_to_ask(pm.prefill(QUESTION), catalog(*shipped))
    assert asked[0] == "policy_region"
    assert "policy_industry" not in asked and "policy_assets" not in asked
    after = pm.slots_to_ask({**pm.prefill(QUESTION), "policy_region": "北京市海淀区"}, catalog(*shipped))
    assert after == ["policy_qualifications"]


def test_a_cancel_asks_nothing_more(shipped: tuple[Any, ...]) -> None:
    assert pm.slots_to_ask({pm.CANCELLED: True}, catalog(*shipped)) == []


# ------------------------------------------------------------------ reading answers


@pytest.mark.parametrize(("field", "text", "value"), [
    ("employees", "大概30人", "30"),
    ("employees", "三十个人", None),  # no digits: asked again
    ("revenue", "500万", "500"),
    ("revenue", "1.2亿", "12000"),
    ("revenue", "1234567.5", "1234567.5"),
    ("assets", "2000", "2000"),
    ("region", "北京市海淀区", "北京市海淀区"),
    ("region", "在江苏省泰州市", "江苏省泰州市"),
    ("region", "随便", None),
    ("industry", "开饭店的", "62"),
    ("industry", "软件和信息技术服务业", "65"),
    ("industry", "卖东西", None),
    ("declared_size", "小型", "小型"),
    ("taxpayer_type", "小规模", "小规模纳税人"),
    ("tax_credit_level", "b级", "B"),
    ("tax_credit_level", "A或者B", None),
    ("qualifications", "高新技术企业、专精特新", "高新技术企业、专精特新中小企业"),
    ("qualifications", "都没有", "无"),
    ("serious_dishonesty", "没有", "无"),
    ("serious_dishonesty", "有", "有"),
    ("established", "2015年6月", "2015-06-01"),
    ("established", "2015-13-01", None),
    ("employees", "不清楚", pm.UNKNOWN),
    ("region", "跳过", pm.UNKNOWN),
])
def test_answers_are_read(field: str, text: str, value: str | None) -> None:
    parsed, problem = pm.parse_answer(field, text)
    assert parsed == value
    assert bool(problem) == (value is None)


def test_the_slots_make_a_profile() -> None:
    profile = pm.profile_from_slots({"policy_industry": "62", "policy_employees": "30", "policy_revenue": "500",
                                     "policy_qualifications": "无", "policy_serious_dishonesty": "无",
                                     "policy_tax_credit_level": pm.UNKNOWN})
    assert profile.industry == "62" and profile.employees == 30 and profile.revenue == 500
    assert profile.qualifications == [] and profile.serious_dishonesty is False
    assert profile.tax_credit_level is None
    assert str(profile.size()) == "小型"  # 餐饮业: 10-99 people and 100-1999 万元
    # A value that no longer validates (an old saved one) is dropped, not an error.
    assert pm.profile_from_slots({"policy_industry": "不存在的行业", "policy_employees": "3"}).employees == 3


# ------------------------------------------------------------------ the form


def test_the_form_asks_one_field_at_a_time(shipped: tuple[Any, ...]) -> None:
    action = pm.ValidatePolicyProfileForm(catalog(*shipped))
    dispatcher, set_ = run_form(action, form_tracker("北京市海淀区", "policy_region", pm.prefill(QUESTION)))
    assert set_["policy_region"] == "北京市海淀区"
    assert set_["requested_slot"] == "policy_qualifications"
    assert dispatcher.messages == []


def test_a_clicked_button_answers_with_its_entity(shipped: tuple[Any, ...]) -> None:
    action = pm.ValidatePolicyProfileForm(catalog(*shipped))
    text = pm.answer_payload("没有")
    tracker = form_tracker(text, "policy_qualifications", {**pm.prefill(QUESTION), "policy_region": "北京市海淀区"},
                           entities=[{"entity": POLICY_ANSWER_ENTITY, "value": "没有"}], intent="inform_enterprise")
    _, set_ = run_form(action, tracker)
    assert set_["policy_qualifications"] == "无"
    assert set_["requested_slot"] is None  # nothing else to ask: the form is done


def test_an_answer_not_understood_is_asked_again_with_a_hint(shipped: tuple[Any, ...]) -> None:
    action = pm.ValidatePolicyProfileForm(catalog(*shipped))
    dispatcher, set_ = run_form(action, form_tracker("随便", "policy_region", pm.prefill(QUESTION)))
    assert set_["policy_region"] is None
    assert set_["requested_slot"] == "policy_region"
    assert "注册地" in dispatcher.messages[0]["text"]


def test_cancel_ends_the_form(shipped: tuple[Any, ...]) -> None:
    action = pm.ValidatePolicyProfileForm(catalog(*shipped))
    dispatcher, set_ = run_form(action, form_tracker("算了", "policy_region", pm.prefill(QUESTION)))
    assert set_[pm.CANCELLED] is True and set_["requested_slot"] is None
    assert dispatcher.messages[0]["text"] == "好的，不再询问了。"


def test_every_slot_the_form_may_ask_has_a_question_and_a_text_mapping() -> None:
    required = DOMAIN["forms"][pm.FORM]["required_slots"]
    assert set(required) == set(pm.FIELD_SLOTS.values())
    for slot in required:
        assert f"utter_ask_{slot}" in DOMAIN["responses"]
        (mapping,) = DOMAIN["slots"][slot]["mappings"]
        assert mapping["type"] == "from_text"
        assert mapping["conditions"] == [{"active_loop": pm.FORM, "requested_slot": slot}]
        for response in DOMAIN["responses"][f"utter_ask_{slot}"]:
            for button in response.get("buttons", []):
                # A button carries its answer as the entity the validation reads.
                assert button["payload"] in {pm.answer_payload(button["title"]),
                                             pm.answer_payload("没有")}
                value = button["payload"].split('"policy_answer": "')[1].rstrip('"}')
                field = pm.SLOT_FIELDS[slot]
                assert pm.parse_answer(field, value)[0] is not None


# ------------------------------------------------------------------ the result


def match_tracker(filled: dict[str, Any]) -> Tracker:
    latest = {"text": "", "intent": {"name": "ask_eligible_policies", "confidence": 0.9}, "entities": []}
    return Tracker(sender_id="t", slots=dict(filled), latest_message=latest, events=[], paused=False,
                   followup_action=None, active_loop={}, latest_action_name=pm.FORM)


def test_the_result_lists_measures_that_may_apply_with_reasons(shipped: tuple[Any, ...]) -> None:
    filled = {**pm.prefill(QUESTION), "policy_region": "北京市海淀区", "policy_qualifications": "无"}
    dispatcher, events = run(pm.ActionPolicyMatch(catalog(*shipped)), match_tracker(filled))
    result, consent = dispatcher.messages
    payload = parse_custom(result["custom"])
    assert payload is not None and payload.policy_matches is not None
    card = payload.policy_matches
    assert card["as_of"] == "2020-03-01" and card["measures"]
    assert all(m["result"] in ("eligible", "possible", "unknown") for m in card["measures"])
    first = card["measures"][0]
    assert any(c["met"] is True for c in first["conditions"])  # the reasons: conditions met ...
    assert first["benefit"] and first["how"]
    assert "根据您提供的企业信息（餐饮业 · 小型 · 北京市海淀区）" in result["text"]
    assert "已满足：" in result["text"] and first["title"] in result["text"]
    assert card["eligible"] + card["possible"] + card["unknown"] + card["ineligible"] == len(shipped)
    # ... then the offer to save the profile, with buttons.
    assert [b["payload"] for b in consent["buttons"]] == [SAVE_POLICY_PROFILE_PAYLOAD, "/deny"]
    assert slots(events) == {pm.CANCELLED: None}


def test_measures_past_their_period_are_never_shown_as_eligible() -> None:
    over = measure([{"type": "taxpayer_type", "text": "小规模纳税人", "value": "小规模纳税人"}], end="2020-06-30")
    filled = {"policy_region": "北京市", "policy_taxpayer_type": "小规模纳税人"}
    dispatcher, _ = run(pm.ActionPolicyMatch(catalog(over)), match_tracker(filled))
    on_time = parse_custom(dispatcher.messages[0]["custom"])
    assert on_time is not None and on_time.policy_matches is not None
    assert on_time.policy_matches["measures"][0]["result"] == "eligible"
    dispatcher, _ = run(pm.ActionPolicyMatch(catalog(over, as_of=TODAY)), match_tracker(filled))
    late = parse_custom(dispatcher.messages[0]["custom"])
    assert late is not None and late.policy_matches is not None
    assert late.policy_matches["measures"] == [] and late.policy_matches["expired"] == 1
    assert "已过执行期" in dispatcher.messages[0]["text"]


def test_a_saved_profile_is_not_offered_again(shipped: tuple[Any, ...]) -> None:
    filled = {**pm.prefill(QUESTION), "policy_region": "北京市海淀区", pm.SAVED: True}
    dispatcher, _ = run(pm.ActionPolicyMatch(catalog(*shipped)), match_tracker(filled))
    assert len(dispatcher.messages) == 1


def test_consent_sends_the_profile_to_the_desk() -> None:
    filled = {"policy_industry": "62", "policy_size": "小型/微型", "policy_region": "北京市海淀区",
              "policy_employees": pm.UNKNOWN}
    dispatcher, events = run(pm.ActionPolicySaveProfile(), match_tracker(filled))
    payload = parse_custom(dispatcher.messages[0]["custom"])
    assert payload is not None and payload.policy_profile is not None
    assert payload.policy_profile["consent"] is True
    assert {f["name"]: f["value"] for f in payload.policy_profile["fields"]} == {
        "region": "北京市海淀区", "industry": "62", "declared_size": "小型/微型", "employees": pm.UNKNOWN}
    assert slots(events) == {pm.SAVED: True}


def test_nothing_to_save_says_so() -> None:
    dispatcher, events = run(pm.ActionPolicySaveProfile(), match_tracker({}))
    assert "还没有可保存的企业信息" in dispatcher.messages[0]["text"] and events == []


def test_without_measures_the_form_ends_and_the_bot_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAOFU_KB_DIR", str(tmp_path))  # no policy_measures/ there
    _, set_ = run_form(pm.ValidatePolicyProfileForm(), form_tracker("北京市海淀区", "policy_region", pm.prefill(QUESTION)))
    assert set_["requested_slot"] is None
    dispatcher, _ = run(pm.ActionPolicyMatch(), match_tracker(pm.prefill(QUESTION)))
    assert dispatcher.messages[0]["text"] == pm.UNAVAILABLE


def test_the_date_comes_from_the_setting_and_measures_are_read_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAOFU_KB_DIR", str(PROJECT_ROOT / "knowledge_base"))
    monkeypatch.setenv("DAOFU_POLICY_AS_OF", "2020-03-01")
    access = pm.CatalogAccess()
    assert access.catalog.as_of == DEMO_DATE and len(access.catalog.measures) >= 40
    monkeypatch.setenv("DAOFU_POLICY_AS_OF", "2021-06-30")
    assert access.catalog.as_of == datetime.date(2021, 6, 30)


def test_a_typed_answer_whose_entity_is_the_wrong_span_is_read_whole(shipped: tuple[Any, ...]) -> None:
    action = pm.ValidatePolicyProfileForm(catalog(*shipped))
    tracker = form_tracker("注册在北京市海淀区", "policy_region", pm.prefill(QUESTION),
                           entities=[{"entity": POLICY_ANSWER_ENTITY, "value": "注册"}], intent="inform_enterprise")
    _, set_ = run_form(action, tracker)
    assert set_["policy_region"] == "北京市海淀区"
