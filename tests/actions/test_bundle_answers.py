"""A bundle (一件事) question is answered with its ordered steps, each a button to its item card;
clicking or naming a step's position then shows that item (fixture index, real rasa-sdk objects)."""
from __future__ import annotations

import json

from actions import formatting
from actions.answer import ActionAnswerFollowup, ActionAnswerQuestion
from indexer.records import Bundle, BundleStep
from indexer.search import SearchService
from tests.actions.conftest import run, slots, tracker_for

COMPANY = "11440000MB2D0234372440125017008"
FOOD_LICENCE = "11440000MB2D0234372442125080000"


def test_bundle_question_lists_the_steps_in_order_with_buttons(service: SearchService) -> None:
    dispatcher, events = run(ActionAnswerQuestion(service), tracker_for("开饭店要办什么证", "ask_item"))
    (message,) = dispatcher.messages
    bundle = message["custom"]["bundle"]
    assert bundle["id"] == "bundle-restaurant" and bundle["name"] == "开餐馆"
    assert [(s["item_id"], s["title"]) for s in bundle["steps"]] == [
        (COMPANY, "内资有限责任公司设立登记"), (FOOD_LICENCE, "食品经营许可查询")]
    assert bundle["steps"][0]["note"] == "先取得营业执照" and bundle["steps"][0]["department"] == "广东省市场监督管理局"
    assert bundle["outside_catalog"] == ["食品经营许可证的申请（区市场监督管理局）"]
    assert bundle["source"] == {"bundle_id": "bundle-restaurant", "title": "一件事：开餐馆", "catalog": "广东省政务服务事项目录"}
    lines = message["text"].splitlines()
    assert lines[1] == "1. 内资有限责任公司设立登记（广东省市场监督管理局）：先取得营业执照"
    assert lines[2].startswith("2. 食品经营许可查询")
    assert "不在本目录中" in message["text"] and lines[-1].startswith("来源：")
    payloads = [json.loads(b["payload"].removeprefix("/choose")) for b in message["buttons"]]
    assert payloads == [{"candidate_id": COMPANY}, {"candidate_id": FOOD_LICENCE}]
    assert [b["title"] for b in message["buttons"]] == ["内资有限责任公司设立登记", "食品经营许可查询"]
    state = slots(events)
    assert [c["id"] for c in state["candidates"]] == [COMPANY, FOOD_LICENCE]
    assert state["current_item"] is None and state["current_kind"] == "bundle" and state["answered"] is True


def test_clicking_a_step_shows_its_item_card(service: SearchService) -> None:
    _, events = run(ActionAnswerQuestion(service), tracker_for("开饭店要办什么证", "ask_item"))
    candidates = slots(events)["candidates"]
    entity = [{"entity": "candidate_id", "value": FOOD_LICENCE}]
    dispatcher, events = run(ActionAnswerQuestion(service),
                             tracker_for(f'/choose{{"candidate_id": "{FOOD_LICENCE}"}}', "choose",
                                         slots={"candidates": candidates}, entities=entity))
    assert dispatcher.messages[0]["custom"]["item_card"]["name"] == "食品经营许可查询"
    assert slots(events)["current_item"] == FOOD_LICENCE


def test_naming_a_steps_position_shows_its_item_card(service: SearchService) -> None:
    _, events = run(ActionAnswerQuestion(service), tracker_for("开饭店要办什么证", "ask_item"))
    dispatcher, events = run(ActionAnswerQuestion(service),
                             tracker_for("第二个", "choose", slots={"candidates": slots(events)["candidates"]}))
    assert dispatcher.messages[0]["custom"]["item_card"]["name"] == "食品经营许可查询"


def test_a_followup_that_names_a_bundle_gets_its_steps(service: SearchService) -> None:
    dispatcher, events = run(ActionAnswerFollowup(service), tracker_for("开一家小饭馆要准备哪些材料", "ask_followup"))
    assert dispatcher.messages[-1]["custom"]["bundle"]["id"] == "bundle-restaurant"
    assert slots(events)["current_item"] is None


def test_bundle_text_without_editor_intro_or_outside_steps() -> None:
    bundle = Bundle(id="b", name="企业注销", steps=(BundleStep("x1", "", "税务注销即时办理", "国家税务总局广东省税务局"),
                                                BundleStep("x2", "最后办", "用电服务销户", "")))
    text = formatting.bundle_answer_text(bundle)
    assert text.splitlines()[:3] == ["办理“企业注销”，按顺序需要办理以下事项（点选或回复序号可查看办事指南）：",
                                     "1. 税务注销即时办理（国家税务总局广东省税务局）", "2. 用电服务销户：最后办"]
    assert "不在本目录中" not in text
    assert formatting.bundle_candidates(bundle)[1] == {"id": "x2", "kind": "item", "title": "用电服务销户", "score": 1.0}
