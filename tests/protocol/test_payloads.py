"""parse_custom: the one way the desk reads a custom payload, and what it makes of bad input."""
from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from actions import formatting
from daofu_protocol import (
    CustomKey,
    CustomPayload,
    DemandCategory,
    HandoffReason,
    demand_form_payload,
    demand_track_payload,
    parse_custom,
    parse_message_payload,
)
from indexer.matters import Matter, Referral
from indexer.records import Bundle, BundleStep, FaqEntry, PolicyDoc, ServiceItem

ITEM = ServiceItem(id="11440000MB2D0234", name="新增取水许可", department="广东省水利厅", item_type="行政许可",
                   promised_time_limit="20(工作日)", statutory_time_limit="45(工作日)", materials=("取水许可申请书",),
                   location="广州市", consult_phone="020-1234", url="https://example.gov.cn/item",
                   conditions="依据《取水许可和水资源费征收管理条例》")
POLICY = PolicyDoc(id="policy-1", title="关于支持中小企业的若干措施", issuer="广东省人民政府办公厅",
                   doc_number="粤府办〔2020〕12号", date="2020-02-10", body="免收2个月租金。")
FAQ = FaqEntry(id="faq-1", question="营业执照丢了怎么办", answer="登报声明后申请补领。", item_id="11440000MB2D0234")
BUNDLE = Bundle(id="bundle-restaurant", name="开餐馆", variants=("开饭店",), intro="",
                steps=(BundleStep(item_id="11440000MB2D0234", title="新增取水许可", department="广东省水利厅", note="先办"),),
                outside_catalog=("食品经营许可证的申请（所在区市场监督管理局）",))
MATTER = Matter(id="license_reissue", name="营业执照补领", terms=("营业执照",), department="区市场监督管理局",
                catalog_department="广东省市场监督管理局", where="区政务服务中心")


def built_payloads() -> dict[str, dict[str, Any]]:
    """Every custom payload the actions send, built by the real formatting code."""
    return {
        "item_card": formatting.item_card_message(ITEM),
        "item_card_field": formatting.item_card_message(ITEM, "materials"),
        "policy_passage": formatting.policy_passage_message(POLICY, "免收2个月租金。"),
        "faq": formatting.faq_message(FAQ),
        "bundle": formatting.bundle_message(BUNDLE),
        "not_found": formatting.not_found_payload("开个奶茶店", 0.31),
        "referral": formatting.referral_payload(Referral(MATTER, "补领", "营业执照丢了"), 0.42),
        "demand_form": demand_form_payload(DemandCategory.HELP, "补贴一直没到账"),
        "demand_track": demand_track_payload("7K2M-9QXP-4RTW-8HNB"),
        "handoff": formatting.handoff_payload(HandoffReason.COMPLAINT, "转人工原因：用户投诉",
                                              [{"id": "A", "kind": "item", "title": "新增取水许可", "score": 0.4}]),
    }


@pytest.mark.parametrize("name", sorted(built_payloads()))
def test_every_built_payload_parses_back_unchanged(name: str) -> None:
    payload = built_payloads()[name]
    # Through JSON, as Rasa and the database carry it.
    carried = json.loads(json.dumps(payload, ensure_ascii=False))
    parsed = parse_custom(carried)
    assert parsed is not None and parsed.to_json() == payload
    assert parse_message_payload({"custom": carried, "buttons": []}) == parsed


def test_parsed_payloads_are_typed() -> None:
    payloads = built_payloads()
    handoff = parse_custom(payloads["handoff"])
    assert handoff is not None and handoff.handoff_reason is HandoffReason.COMPLAINT
    assert handoff.handoff is not None and handoff.handoff["candidates"][0]["title"] == "新增取水许可"
    referral = parse_custom(payloads["referral"])
    assert referral is not None and referral.referral is not None and referral.not_found is not None
    assert referral.not_found["question"] == "营业执照丢了"
    field = parse_custom(payloads["item_card_field"])
    assert field is not None and field.field == "materials" and field.item_card is not None
    assert parse_custom({"bot_timeout": True}) == CustomPayload(bot_timeout=True)
    assert set(CustomKey) == set(CustomPayload.__dataclass_fields__)


def _with(payload: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(payload)
    target = changed
    for key in path[:-1]:
        target = target[key]
    if value is _DROP:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


_DROP = object()


@pytest.mark.parametrize("bad", [
    None, "item_card", 3, ["not_found"], {}, {"unknown": 1},
    {"not_found": None}, {"not_found": "开个奶茶店"}, {"not_found": {"question": "x"}},
    {"not_found": {"question": "x", "confidence": "high"}}, {"not_found": {"question": "x", "confidence": True}},
    {"not_found": {"question": "x", "confidence": float("nan")}},
    {"not_found": {"question": "x", "confidence": 0.3, "extra": 1}},
    {"bot_timeout": False}, {"bot_timeout": 1}, {"field": 3},
])
def test_bad_input_parses_to_none(bad: object) -> None:
    assert parse_custom(bad) is None
    assert parse_message_payload({"custom": bad}) is None


@pytest.mark.parametrize("path, value", [
    (("handoff", "reason"), "timeout"),  # a reason nobody emits
    (("handoff", "reason"), None),
    (("handoff", "candidates"), None),
    (("handoff", "candidates", 0, "score"), "0.4"),
    (("handoff", "summary"), _DROP),
    (("handoff", "surprise"), "x"),
])
def test_a_damaged_handoff_parses_to_none(path: tuple[Any, ...], value: Any) -> None:
    assert parse_custom(_with(built_payloads()["handoff"], path, value)) is None


def test_a_damaged_item_card_parses_to_none() -> None:
    card = built_payloads()["item_card"]
    assert parse_custom(_with(card, ("item_card", "materials"), "取水许可申请书")) is None
    assert parse_custom(_with(card, ("item_card", "online_booking"), "yes")) is None
    assert parse_custom(_with(card, ("item_card", "source", "item_id"), 7)) is None
    assert parse_custom(_with(card, ("item_card", "name"), _DROP)) is None


@pytest.mark.parametrize("payload", [None, "x", [], {"buttons": []}, {"custom": None}])
def test_message_payloads_without_custom_give_none(payload: object) -> None:
    assert parse_message_payload(payload) is None


def test_a_demand_form_with_an_unknown_category_parses_to_none() -> None:
    form = built_payloads()["demand_form"]
    assert parse_custom(_with(form, ("demand_form", "category"), "表扬")) is None
    assert parse_custom(_with(form, ("demand_form", "categories"), "咨询")) is None
    assert parse_custom(_with(built_payloads()["demand_track"], ("demand_track", "tracking_number"), None)) is None
