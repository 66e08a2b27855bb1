from __future__ import annotations

from typing import Any

from rasa_sdk.events import ConversationPaused

from actions.handoff import (
    ActionFeedbackBad,
    ActionHandleAffirm,
    ActionHandleDeny,
    ActionHandoff,
    ActionLeaveMessage,
    ActionOfferHuman,
)
from tests.actions.conftest import run, tracker_for


def handoff_reason(events: list[dict[str, Any]]) -> Any:
    return next((e["value"] for e in events if e.get("event") == "slot" and e["name"] == "handoff_reason"), None)


def test_request_human_pauses_and_sends_the_handoff_payload() -> None:
    candidates = [{"id": "A", "kind": "item", "title": "新增取水许可", "score": 0.3}]
    tracker = tracker_for("转人工", "request_human", slots={"candidates": candidates, "current_title": "新增取水许可"},
                          history=[("抽水要办什么", "ask_item")])
    dispatcher, events = run(ActionHandoff(), tracker)
    (message,) = dispatcher.messages
    handoff = message["custom"]["handoff"]
    assert handoff["reason"] == "user_request"
    assert handoff["candidates"] == candidates
    assert "抽水要办什么" in handoff["summary"] and "新增取水许可" in handoff["summary"]
    assert message["text"]
    assert ConversationPaused() in events


def test_complaint_reason_and_apology() -> None:
    dispatcher, _ = run(ActionHandoff(), tracker_for("你们办事太慢了我要投诉", "complain"))
    assert dispatcher.messages[0]["custom"]["handoff"]["reason"] == "complaint"
    assert "抱歉" in dispatcher.messages[0]["text"]
    # ... and the demand form, so the complaint can be filed for a department to handle.
    form = dispatcher.messages[1]["custom"]["demand_form"]
    assert form["category"] == "投诉" and form["content"] == "你们办事太慢了我要投诉"


def test_a_stuck_matter_complained_about_is_offered_as_a_help_demand() -> None:
    dispatcher, _ = run(ActionHandoff(), tracker_for("营业执照变更一个月了还没办下来", "complain"))
    assert dispatcher.messages[1]["custom"]["demand_form"]["category"] == "求助"
    other, _ = run(ActionHandoff(), tracker_for("转人工", "request_human"))
    assert len(other.messages) == 1  # only complaints are offered the form


def test_reason_set_by_the_deciding_action_wins() -> None:
    dispatcher, _ = run(ActionHandoff(), tracker_for("月球上呢", "ask_item", slots={"handoff_reason": "repeated_failure"}))
    assert dispatcher.messages[0]["custom"]["handoff"]["reason"] == "repeated_failure"


def test_feedback_bad_right_after_an_answer_hands_off() -> None:
    _, events = run(ActionFeedbackBad(), tracker_for("答非所问", "feedback_bad", slots={"answered": True}))
    assert handoff_reason(events) == "bad_feedback"
    dispatcher, events = run(ActionFeedbackBad(), tracker_for("没用", "feedback_bad", slots={"answered": False}))
    assert handoff_reason(events) is None and "人工" in dispatcher.messages[0]["text"]


def test_yes_to_an_offered_person_hands_off_and_no_does_not() -> None:
    _, events = run(ActionHandleAffirm(), tracker_for("好的", "affirm", slots={"pending_offer": "human"}))
    assert handoff_reason(events) == "user_request"
    dispatcher, events = run(ActionHandleDeny(), tracker_for("不用了", "deny", slots={"pending_offer": "human"}))
    assert handoff_reason(events) is None and dispatcher.messages
    dispatcher, events = run(ActionHandleAffirm(), tracker_for("好的", "affirm"))
    assert dispatcher.messages[0]["text"] == "好的。还有什么可以帮您？" and events == []


def test_out_of_scope_offers_a_person() -> None:
    dispatcher, events = run(ActionOfferHuman(), tracker_for("今天天气怎么样", "out_of_scope"))
    assert dispatcher.messages == []
    assert {"event": "slot", "timestamp": None, "name": "pending_offer", "value": "human"} in events


def test_leave_message_is_a_handoff_with_its_reason() -> None:
    dispatcher, events = run(ActionLeaveMessage(), tracker_for("我想留言", "leave_message"))
    assert dispatcher.messages[0]["custom"]["handoff"]["reason"] == "leave_message"
    assert ConversationPaused() in events
