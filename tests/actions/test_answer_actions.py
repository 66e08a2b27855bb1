"""Action tests: real rasa-sdk trackers and dispatcher, a small real index (fixture knowledge base,
character-bigram encoder)."""
from __future__ import annotations

import pytest

from actions.answer import ActionAnswerFollowup, ActionAnswerQuestion, ordinal
from indexer.search import SearchService
from tests.actions.conftest import run, slots, tracker_for


def test_high_confidence_answers_with_an_item_card(confident: SearchService) -> None:
    dispatcher, events = run(ActionAnswerQuestion(confident), tracker_for("股权出质注销登记在哪办", "ask_item"))
    (message,) = dispatcher.messages
    card = message["custom"]["item_card"]
    assert card["name"] == "对股权出质注销登记"
    assert card["source"]["catalog"] == "广东省政务服务事项目录"
    assert "【对股权出质注销登记】" in message["text"] and "来源" in message["text"]
    assert slots(events)["current_item"] == card["id"]
    assert slots(events)["current_title"] == "对股权出质注销登记"
    assert slots(events)["failed_turns"] == 0.0


def test_policy_answer_quotes_the_passage_and_names_the_document(confident: SearchService) -> None:
    dispatcher, events = run(ActionAnswerQuestion(confident),
                             tracker_for("受疫情影响企业可以缓缴社会保险费吗", "ask_policy"))
    custom = dispatcher.messages[0]["custom"]
    if "policy_passage" not in custom:
        pytest.fail(f"expected a policy passage, got {custom}")
    passage = custom["policy_passage"]
    assert passage["passage"] and passage["title"] in dispatcher.messages[0]["text"]
    assert slots(events)["current_kind"] == "policy"


def test_medium_confidence_asks_with_three_buttons(unsure: SearchService) -> None:
    dispatcher, events = run(ActionAnswerQuestion(unsure), tracker_for("取水许可", "ask_item"))
    (message,) = dispatcher.messages
    assert 1 <= len(message["buttons"]) <= 3
    assert all(b["payload"].startswith('/choose{"candidate_id": ') for b in message["buttons"])
    assert [c["title"] for c in slots(events)["candidates"]] == [b["title"] for b in message["buttons"]]


def test_clicking_a_button_answers_that_candidate(unsure: SearchService) -> None:
    index = unsure.index()
    item = next(i for i in index.items if i.name == "延续取水许可")
    tracker = tracker_for(f'/choose{{"candidate_id": "{item.id}"}}', "choose",
                          entities=[{"entity": "candidate_id", "value": item.id}])
    dispatcher, events = run(ActionAnswerQuestion(unsure), tracker)
    assert dispatcher.messages[0]["custom"]["item_card"]["name"] == "延续取水许可"
    assert slots(events)["current_item"] == item.id


def test_typing_a_position_answers_that_candidate(unsure: SearchService) -> None:
    index = unsure.index()
    first, second = index.items[0], index.items[1]
    candidates = [{"id": first.id, "kind": "item", "title": first.name}, {"id": second.id, "kind": "item", "title": second.name}]
    dispatcher, _ = run(ActionAnswerQuestion(unsure), tracker_for("第二个", "choose", slots={"candidates": candidates}))
    assert dispatcher.messages[0]["custom"]["item_card"]["name"] == second.name


def test_low_confidence_says_not_found_then_hands_off_on_the_second_miss(lost: SearchService) -> None:
    dispatcher, events = run(ActionAnswerQuestion(lost), tracker_for("火星上能办结婚证吗", "ask_item"))
    assert "没有找到" in dispatcher.messages[0]["text"] and "人工" in dispatcher.messages[0]["text"]
    assert slots(events)["failed_turns"] == 1.0 and slots(events)["pending_offer"] == "human"
    dispatcher, events = run(ActionAnswerQuestion(lost),
                             tracker_for("月球上呢", "ask_item", slots={"failed_turns": 1.0}))
    assert slots(events)["handoff_reason"] == "repeated_failure"


def test_followup_lists_materials_of_the_current_item(service: SearchService) -> None:
    item = next(i for i in service.index().items if i.materials)
    tracker = tracker_for("需要什么材料", "ask_followup", slots={"current_item": item.id},
                          entities=[{"entity": "asked_field", "value": "materials"}])
    dispatcher, _ = run(ActionAnswerFollowup(service), tracker)
    text = dispatcher.messages[0]["text"]
    assert f"【{item.name}】所需材料" in text
    assert all(material in text for material in item.materials)
    assert "来源" in text


@pytest.mark.parametrize(("question", "label"), [("在哪办", "办理地点"), ("要多久", "办理时限"), ("电话多少", "咨询电话"),
                                                  ("依据是什么", "办理依据和条件"), ("收费吗", "收费")])
def test_followup_fields_by_keyword(service: SearchService, question: str, label: str) -> None:
    item = service.index().items[0]
    dispatcher, _ = run(ActionAnswerFollowup(service), tracker_for(question, "ask_followup", slots={"current_item": item.id}))
    assert dispatcher.messages[0]["text"].startswith(f"【{item.name}】{label}")


def test_followup_without_current_item_asks_which_service(service: SearchService) -> None:
    dispatcher, _ = run(ActionAnswerFollowup(service), tracker_for("需要什么材料", "ask_followup"))
    assert "哪个事项" in dispatcher.messages[0]["text"]


def test_followup_naming_another_service_switches_to_it(confident: SearchService) -> None:
    first = confident.index().items[0]
    tracker = tracker_for("那股权出质注销登记要什么材料", "ask_followup", slots={"current_item": first.id})
    dispatcher, events = run(ActionAnswerFollowup(confident), tracker)
    assert "【对股权出质注销登记】所需材料" in dispatcher.messages[0]["text"]
    assert slots(events)["current_title"] == "对股权出质注销登记"


def test_ordinals() -> None:
    assert [ordinal(t) for t in ("第一个", "第二个吧", "选3", "最后一个", "中间那个", "随便")] == [0, 1, 2, -1, 1, None]
