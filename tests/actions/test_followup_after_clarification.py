"""A typed follow-up right after "您想了解的是下面哪一项？": answered for the first candidate, said so,
the other candidates kept as buttons; "第二个" still picks from the list the user saw. Real rasa-sdk
trackers and dispatcher, the small real fixture index."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions import formatting
from actions.answer import ActionAnswerFollowup, ActionAnswerQuestion
from indexer.calibration import Calibration
from indexer.search import SearchService
from tests.actions.conftest import run, slots, tracker_for


def after(bot_message: dict[str, Any], text: str, intent: str, state: dict[str, Any],
          entities: list[dict[str, Any]] | None = None) -> Tracker:
    """The user's turn ``text`` right after the bot said ``bot_message`` (as Rasa sends the bot event)."""
    tracker = tracker_for(text, intent, slots=state, entities=entities)
    tracker.events.insert(-1, {"event": "bot", "text": bot_message.get("text"),
                               "data": {"buttons": bot_message.get("buttons"), "custom": bot_message.get("custom")}})
    return tracker


def clarification(service: SearchService) -> tuple[dict[str, Any], dict[str, Any]]:
    dispatcher, events = run(ActionAnswerQuestion(service), tracker_for("取水许可", "ask_item"))
    (message,) = dispatcher.messages
    state = slots(events)
    assert len(state["candidates"]) >= 2 and message["buttons"], "the fixture question must give a clarification"
    return message, state


def test_typed_followup_answers_the_first_candidate_and_keeps_the_others(unsure: SearchService) -> None:
    asked, state = clarification(unsure)
    first, *others = state["candidates"]
    dispatcher, events = run(ActionAnswerFollowup(unsure), after(asked, "需要什么材料", "ask_followup", state))
    (message,) = dispatcher.messages
    assert message["text"].startswith(f"按第1项“{first['title']}”回答：\n【{first['title']}】所需材料")
    assert message["buttons"] == formatting.choice_buttons(others)
    assert message["custom"]["item_card"]["id"] == first["id"] and message["custom"]["field"] == "materials"
    assert slots(events)["current_item"] == first["id"] and slots(events)["current_title"] == first["title"]
    assert "candidates" not in slots(events)  # the numbered list stays for "第二个"


def test_second_still_picks_the_second_of_the_list_afterwards(unsure: SearchService) -> None:
    asked, state = clarification(unsure)
    dispatcher, events = run(ActionAnswerFollowup(unsure), after(asked, "需要什么材料", "ask_followup", state))
    state = {**state, **slots(events)}
    dispatcher, events = run(ActionAnswerQuestion(unsure), after(dispatcher.messages[0], "第二个", "choose", state))
    second = state["candidates"][1]
    assert dispatcher.messages[0]["custom"]["item_card"]["id"] == second["id"]
    assert slots(events)["current_item"] == second["id"] and slots(events)["candidates"] == []


def test_next_followup_stays_on_the_assumed_item(unsure: SearchService) -> None:
    asked, state = clarification(unsure)
    dispatcher, events = run(ActionAnswerFollowup(unsure), after(asked, "需要什么材料", "ask_followup", state))
    state = {**state, **slots(events)}
    dispatcher, _ = run(ActionAnswerFollowup(unsure), after(dispatcher.messages[0], "要多久", "ask_followup", state))
    first = state["candidates"][0]["title"]
    assert dispatcher.messages[0]["text"].startswith(f"【{first}】办理时限")


def test_followup_without_a_field_gets_the_card_of_the_first_candidate(unsure: SearchService) -> None:
    asked, state = clarification(unsure)
    first, *others = state["candidates"]
    dispatcher, events = run(ActionAnswerFollowup(unsure), after(asked, "这个怎么弄", "ask_followup", state))
    said, card, rest = dispatcher.messages
    assert said["text"] == f"按第1项“{first['title']}”回答："
    assert card["custom"]["item_card"]["id"] == first["id"]
    assert rest["buttons"] == formatting.choice_buttons(others)
    assert slots(events)["current_item"] == first["id"] and slots(events)["candidates"] == state["candidates"]


def test_clarification_wins_over_an_older_current_item(unsure: SearchService) -> None:
    asked, state = clarification(unsure)
    older = next(i for i in unsure.index().items if i.id not in {c["id"] for c in state["candidates"]})
    dispatcher, events = run(ActionAnswerFollowup(unsure),
                             after(asked, "需要什么材料", "ask_followup", {**state, "current_item": older.id}))
    assert slots(events)["current_item"] == state["candidates"][0]["id"]
    assert older.name not in dispatcher.messages[0]["text"]


def test_near_misses_of_a_not_found_answer_are_not_assumed(service: SearchService) -> None:
    service.calibration = Calibration(high_threshold=1.0, medium_threshold=1.0)
    dispatcher, events = run(ActionAnswerQuestion(service), tracker_for("我想办个火星移民证明", "ask_item"))
    state = slots(events)
    assert state["candidates"], "the not-found answer keeps its near misses"
    dispatcher, _ = run(ActionAnswerFollowup(service), after(dispatcher.messages[0], "需要什么材料", "ask_followup", state))
    assert "哪个事项" in dispatcher.messages[0]["text"]
