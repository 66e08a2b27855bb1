"""The answer composer (actions/composer.py) on its own: search result and conversation state in,
frozen replies and slot changes out, no rasa_sdk (the small fixture index, real formatting)."""
from __future__ import annotations

import dataclasses

import pytest

from actions import composer, formatting
from actions.composer import Composition, ConversationState, Reply, SlotChange, compose
from daofu_protocol import HandoffReason, parse_custom
from daofu_protocol.booking import booking_offer
from indexer.matters import MatterGuide
from indexer.records import FaqEntry, SearchHit, SearchResult, ServiceItem
from indexer.search import SearchService

NO_MATTERS = MatterGuide([])


def slots(composition: Composition) -> dict[str, object]:
    return {change.name: change.value for change in composition.slots}


def test_a_confident_item_answer_is_its_card_and_makes_it_current(confident: SearchService) -> None:
    result = confident.search("股权出质注销登记在哪办")
    composed = compose(result, matters=NO_MATTERS)
    (reply,) = composed.replies
    item = result.hits[0].record
    assert isinstance(item, ServiceItem)
    offer = booking_offer(item.id, item.name, item.online_booking, item.location)
    assert offer is not None  # the fixture item can be booked at its hall
    assert reply.custom == {**formatting.item_card_message(item), "booking_offer": offer} and reply.buttons == ()
    assert reply.text.startswith(f"【{item.name}】") and reply.text.endswith("要多久、电话多少。")
    assert f"可以帮您预约到大厅办理（{item.location}）" in reply.text
    assert parse_custom(reply.custom) is not None  # the desk reads it
    assert slots(composed) == {"current_item": item.id, "current_kind": "item", "current_title": item.name,
                               "candidates": [], "failed_turns": 0.0, "answered": True, "pending_offer": None}


def test_an_item_without_a_hall_gets_no_booking_offer() -> None:
    item = ServiceItem(id="X", name="食品经营许可查询", department="广东省市场监督管理局", online_booking=True,
                       location="无线下办理窗口")
    reply = composer.item_answer(item)
    assert reply.custom == formatting.item_card_message(item) and "预约" not in reply.text


def test_an_unsure_answer_asks_which_one_with_buttons(unsure: SearchService) -> None:
    result = unsure.search("股权出质登记")
    composed = compose(result, matters=NO_MATTERS)
    (reply,) = composed.replies
    choices = slots(composed)["candidates"]
    assert isinstance(choices, list) and 1 <= len(choices) <= composer.MAX_CHOICES
    assert list(reply.buttons) == formatting.choice_buttons(choices)
    assert reply.text.startswith("您想了解的是下面哪一项？") and slots(composed)["answered"] is False


def test_the_second_miss_in_a_row_hands_the_chat_to_a_person(lost: SearchService) -> None:
    result = lost.search("火星移民签证怎么办")
    first = compose(result, ConversationState(), matters=NO_MATTERS)
    assert slots(first)["failed_turns"] == 1.0 and slots(first)["pending_offer"] == "human"
    second = compose(result, ConversationState(failed_turns=1.0), matters=NO_MATTERS)
    assert slots(second)["handoff_reason"] == HandoffReason.REPEATED_FAILURE.value
    assert slots(second)["failed_turns"] == 0.0
    for composed in (first, second):
        (reply,) = composed.replies
        assert reply.custom == formatting.not_found_payload(result.query, result.confidence)


def test_a_faq_answer_is_followed_by_the_card_of_the_item_it_names(confident: SearchService) -> None:
    item = confident.search("股权出质注销登记在哪办").hits[0].record
    assert isinstance(item, ServiceItem)
    faq = FaqEntry(id="faq-1", question="股权出质注销要带什么", answer="带上登记通知书。", item_id=item.id)
    result = SearchResult("股权出质注销要带什么", "股权出质注销要带什么",
                          (SearchHit(faq.id, "faq", faq.question, 0.99, "", ("dense",), faq),), 0.99, "high")
    assert composer.linked_item_id(result) == item.id
    composed = compose(result, linked=item, matters=NO_MATTERS)
    assert [reply.custom for reply in composed.replies] == [formatting.faq_message(faq), formatting.item_card_message(item)]
    assert composed.slots[-1] == SlotChange("current_item", item.id)
    assert composer.linked_item_id(dataclasses.replace(result, hits=())) is None


def test_the_first_choice_answer_keeps_the_others_as_buttons(confident: SearchService) -> None:
    hits = confident.search("股权出质登记", k=3).hits
    offered = [formatting.candidate(hit) for hit in hits]
    record = hits[0].record
    assert isinstance(record, ServiceItem)
    composed = composer.first_choice_answer(record, "materials", offered)
    (reply,) = composed.replies
    assert reply.text.startswith(f"按第1项“{offered[0]['title']}”回答：\n")
    assert list(reply.buttons) == formatting.choice_buttons(offered[1:])
    assert slots(composed)["current_item"] == record.id


def test_compositions_are_values() -> None:
    reply = Reply("你好")
    with pytest.raises(dataclasses.FrozenInstanceError):
        reply.text = "changed"  # type: ignore[misc]
    joined = Composition((reply,)).then(Composition(slots=(SlotChange("answered", True),)))
    assert joined == Composition((Reply("你好"),), (SlotChange("answered", True),))
    assert composer.not_available().slots == (SlotChange("handoff_reason", HandoffReason.REPEATED_FAILURE.value),)
