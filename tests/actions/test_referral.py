"""Matters the catalog lacks: the action refers them to their department instead of "没有找到" or a
wrong item (real rasa-sdk tracker and dispatcher, the small fixture index, the shipped mapping)."""
from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswerQuestion, respond
from indexer.matters import MatterGuide
from indexer.search import SearchService
from tests.actions.conftest import run, slots, tracker_for


def test_applying_for_a_permit_the_catalog_only_lists_as_a_look_up_gets_a_referral(confident: SearchService) -> None:
    # The fixture catalog has 食品经营许可查询 only; answering its card at high confidence would be wrong.
    assert confident.search("食品经营许可证怎么申请").hits[0].title == "食品经营许可查询"
    dispatcher, events = run(ActionAnswerQuestion(confident), tracker_for("食品经营许可证怎么申请", "ask_item"))
    (message,) = dispatcher.messages
    referral = message["custom"]["referral"]
    assert referral["matter_id"] == "food_business_permit"
    assert referral["department"] == "市场监督管理局" and referral["hotline"] == "12345"
    assert "市场监督管理局" in message["text"] and "12345" in message["text"] and "转人工" in message["text"]
    assert "暂时没有“食品经营许可”" in message["text"]
    # Still a knowledge gap for editors (the desk collects replies with the not-found marker).
    assert message["custom"]["not_found"]["question"] == "食品经营许可证怎么申请"
    assert message["buttons"] == [{"title": "转人工", "payload": "/request_human"}]
    assert "item_card" not in message["custom"]
    assert slots(events) == {"candidates": [], "pending_offer": "human", "answered": False}


def test_nothing_found_about_a_mapped_matter_names_the_department(lost: SearchService) -> None:
    dispatcher, events = run(ActionAnswerQuestion(lost), tracker_for("营业执照丢了怎么补办", "ask_item"))
    (message,) = dispatcher.messages
    assert message["custom"]["referral"]["title"] == "营业执照（企业、个体工商户登记）（补领）"
    assert "没有找到" not in message["text"]
    # A useful answer is not a failed turn: no automatic handoff builds up.
    assert "failed_turns" not in slots(events) and "handoff_reason" not in slots(events)


def test_a_catalog_item_is_still_answered(confident: SearchService) -> None:
    dispatcher, _ = run(ActionAnswerQuestion(confident), tracker_for("股权出质注销登记在哪办", "ask_item"))
    assert "item_card" in dispatcher.messages[0]["custom"]


def test_a_new_company_registration_is_answered_from_the_catalog(confident: SearchService) -> None:
    dispatcher, _ = run(ActionAnswerQuestion(confident), tracker_for("开公司办营业执照，内资有限责任公司设立登记要什么材料", "ask_item"))
    assert dispatcher.messages[0]["custom"]["item_card"]["name"] == "内资有限责任公司设立登记"


def test_without_a_mapping_the_plain_not_found_answer_stays(lost: SearchService) -> None:
    dispatcher = CollectingDispatcher()
    events = respond(dispatcher, tracker_for("营业执照丢了怎么补办", "ask_item"), lost.search("营业执照丢了怎么补办"),
                     matters=MatterGuide([]))
    (message,) = dispatcher.messages
    assert "没有找到" in message["text"] and "referral" not in message["custom"]
    assert slots(events)["failed_turns"] == 1.0


def test_a_broken_mapping_file_costs_only_the_referral(lost: SearchService, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "matters").mkdir()
    (tmp_path / "matters" / "enterprise_matters.jsonl").write_text("{broken\n", encoding="utf-8")
    monkeypatch.setenv("DAOFU_KB_DIR", str(tmp_path))
    dispatcher, _ = run(ActionAnswerQuestion(lost), tracker_for("营业执照丢了怎么补办", "ask_item"))
    assert "没有找到" in dispatcher.messages[0]["text"]
