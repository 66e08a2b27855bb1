"""What the bot says to a search result: the replies and the slot changes, without rasa_sdk.

A pure composer: a search result and the little conversation state it depends on go in, frozen
``Reply`` and ``SlotChange`` values come out. Two callers use it, so that they can never differ:
the action server's actions (actions/answer.py: tracker -> ``ConversationState``, compose, ->
dispatcher messages and ``SlotSet`` events) and the editor console's try-it box (desk/api/knowledge.py),
which shows editors exactly what the bot would answer. It imports neither rasa_sdk nor the desk
(tests/test_import_directions.py checks), and ``actions/__init__.py`` imports nothing, so the desk
can load this module without the action server's framework.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from actions import formatting, replies
from daofu_protocol import Button, CustomKey, HandoffReason
from daofu_protocol.booking import booking_offer
from indexer.matters import MatterGuide, MatterMapError, Referral, get_matter_guide
from indexer.records import Bundle, FaqEntry, PolicyDoc, SearchHit, SearchResult, ServiceItem
from indexer.settings import IndexerSettings

logger = logging.getLogger(__name__)

MAX_CHOICES = 3
FAILED_TURNS_BEFORE_HANDOFF = 2

AnswerRecord = ServiceItem | PolicyDoc | FaqEntry | Bundle


@dataclass(frozen=True)
class Reply:
    """One bot message: a text for plain clients, buttons, and the custom payload for the widget."""

    text: str
    buttons: tuple[Button, ...] = ()
    custom: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class SlotChange:
    """A Rasa slot the answer sets (``value`` None clears it)."""

    name: str
    value: Any


@dataclass(frozen=True)
class Composition:
    """Replies in the order they are sent, and the slot changes in the order they are set."""

    replies: tuple[Reply, ...] = ()
    slots: tuple[SlotChange, ...] = ()

    def then(self, other: Composition) -> Composition:
        return Composition(self.replies + other.replies, self.slots + other.slots)

    def with_slots(self, *changes: SlotChange) -> Composition:
        return Composition(self.replies, self.slots + changes)


@dataclass(frozen=True)
class ConversationState:
    """What of the conversation the answer depends on (the tracker's slots, for the actions)."""

    failed_turns: float = 0.0  # searches in a row that found nothing


def compose(result: SearchResult, state: ConversationState = ConversationState(),
            linked: ServiceItem | PolicyDoc | FaqEntry | Bundle | None = None,
            matters: MatterGuide | None = None) -> Composition:
    """What the bot says to a search result: answer, ask which one, refer a matter the catalog
    lacks to its department, or say it found nothing.

    ``linked``: the item an FAQ answer refers to (``linked_item_id``; its card follows the answer).
    ``matters``: the matter-to-department mapping (default: the one shipped with the knowledge base).
    """
    guide = matters if matters is not None else default_matter_guide()
    referral = guide.referral(result) if guide is not None else None
    if referral is not None:
        return refer(result, referral)
    if not result.hits or result.level == "low":
        return not_found(state, result)
    if result.level == "high":
        top = result.hits[0]
        answer = answer_record(top.record, snippet=top.snippet if top.kind == "policy" else None)
        if isinstance(top.record, FaqEntry) and isinstance(linked, ServiceItem):
            answer = answer.then(Composition(
                (Reply(formatting.item_card_text(linked), custom=formatting.item_card_message(linked)),),
                (SlotChange("current_item", linked.id),)))
        return answer
    return clarify(result)


def linked_item_id(result: SearchResult) -> str | None:
    """The catalog item a first-hit FAQ answer refers to, whose card follows the answer; None otherwise."""
    top = result.hits[0].record if result.hits else None
    return top.item_id if isinstance(top, FaqEntry) and top.item_id else None


def answer_record(record: AnswerRecord, snippet: str | None) -> Composition:
    if isinstance(record, Bundle):
        # The steps become the candidates: a click or "第二个" opens that step's item card, and
        # no earlier item stays "current" for a follow-up about materials.
        steps = formatting.bundle_candidates(record)
        return Composition(
            (Reply(formatting.bundle_answer_text(record), tuple(formatting.choice_buttons(steps)),
                   formatting.bundle_message(record)),),
            (SlotChange("current_item", None), SlotChange("current_kind", record.kind),
             SlotChange("current_title", record.name), SlotChange("candidates", steps),
             SlotChange("failed_turns", 0.0), SlotChange("answered", True), SlotChange("pending_offer", None)))
    if isinstance(record, FaqEntry):
        return Composition(
            (Reply(formatting.faq_answer_text(record), custom=formatting.faq_message(record)),),
            (SlotChange("candidates", []), SlotChange("failed_turns", 0.0), SlotChange("answered", True),
             SlotChange("pending_offer", None)))
    if isinstance(record, ServiceItem):
        reply = item_answer(record)
    else:
        passage = snippet or record.body[: formatting.MAX_PASSAGE_CHARS]
        reply = Reply(formatting.policy_passage_text(record, passage),
                      custom=formatting.policy_passage_message(record, passage))
    title = record.name if isinstance(record, ServiceItem) else record.title
    return Composition(
        (reply,),
        (SlotChange("current_item", record.id), SlotChange("current_kind", record.kind),
         SlotChange("current_title", title), SlotChange("candidates", []), SlotChange("failed_turns", 0.0),
         SlotChange("answered", True), SlotChange("pending_offer", None)))


def item_answer(record: ServiceItem) -> Reply:
    """An item's card; for an item that can be booked at its hall, with the offer to book a visit
    (the widget's booking card opens from the payload, without asking the bot again)."""
    text = formatting.item_card_text(record)
    custom = formatting.item_card_message(record)
    offer = booking_offer(record.id, record.name, record.online_booking, record.location)
    if offer is not None:
        text += f"\n{offer['text']}（{offer['location']}）。"
        custom = {**custom, CustomKey.BOOKING_OFFER.value: offer}
    return Reply(text + "\n可以继续问：需要什么材料、在哪办、要多久、电话多少。", custom=custom)


def field_answer(record: ServiceItem, field: str) -> Composition:
    """One field of the item under discussion ("需要什么材料" about it)."""
    return Composition(
        (Reply(formatting.field_answer(record, field), custom=formatting.item_card_message(record, field)),),
        (SlotChange("failed_turns", 0.0), SlotChange("answered", True)))


def first_choice_answer(record: AnswerRecord, field: str | None, offered: Sequence[Mapping[str, Any]]) -> Composition:
    """Answer for candidate 1 of an open clarifying question, say so, and keep the others as
    buttons. The slot keeps the whole list, so "第二个" still means the second of the numbered list
    the user saw."""
    title = str(offered[0]["title"])  # as the numbered list showed it
    others = tuple(formatting.choice_buttons(offered[1:]))
    if isinstance(record, ServiceItem) and field is not None:
        text = f"按第1项“{title}”回答：\n" + formatting.field_answer(record, field)
        if others:
            text += "\n如果您问的是其他项，请点选下面的按钮，或回复序号。"
        return Composition(
            (Reply(text, others, formatting.item_card_message(record, field)),),
            (SlotChange("current_item", record.id), SlotChange("current_kind", record.kind),
             SlotChange("current_title", title), SlotChange("failed_turns", 0.0), SlotChange("answered", True),
             SlotChange("pending_offer", None)))
    answer = Composition((Reply(f"按第1项“{title}”回答："),)).then(answer_record(record, snippet=None))
    if others:
        answer = answer.then(Composition((Reply("如果您问的是其他项，请点选，或回复序号。", others),)))
    return answer.with_slots(SlotChange("candidates", list(offered)))


def clarify(result: SearchResult) -> Composition:
    choices = [formatting.candidate(hit) for hit in _distinct_titles(result.hits)[:MAX_CHOICES]]
    text = ("您想了解的是下面哪一项？请点选，或回复序号。都不是的话可以换个说法，或说“转人工”。\n"
            + "\n".join(f"{i}. {c['title']}" for i, c in enumerate(choices, start=1)))
    return Composition((Reply(text, tuple(formatting.choice_buttons(choices))),),
                       (SlotChange("candidates", choices), SlotChange("answered", False)))


def not_found(state: ConversationState, result: SearchResult) -> Composition:
    failed = state.failed_turns + 1
    candidates = [formatting.candidate(hit) for hit in result.hits[:MAX_CHOICES]]
    # The marker lets the desk list the question among knowledge gaps for editors.
    marker = formatting.not_found_payload(result.query, result.confidence)
    if failed >= FAILED_TURNS_BEFORE_HANDOFF:
        return Composition(
            (Reply("抱歉，我还是没有找到相关的办事事项或政策。正在为您转接人工客服。", custom=marker),),
            (SlotChange("failed_turns", 0.0), SlotChange("candidates", candidates),
             SlotChange("handoff_reason", HandoffReason.REPEATED_FAILURE.value)))
    return Composition(
        (Reply("抱歉，没有找到和您的问题相符的办事事项或政策。可以换个说法再问一次（比如说明想办什么证、什么业务），"
               "或者需要为您转接人工客服吗？", custom=marker),),
        (SlotChange("failed_turns", failed), SlotChange("candidates", candidates),
         SlotChange("pending_offer", "human"), SlotChange("answered", False)))


def refer(result: SearchResult, referral: Referral) -> Composition:
    """A matter the catalog lacks: say so, name the department that usually handles it, the 12345
    hotline, and offer a person (a button, and "好的" accepts the offer). Not a failed turn: the
    user got a useful answer, so it does not count towards the automatic handoff."""
    return Composition(
        (Reply(replies.referral_text(referral), (formatting.request_human_button(),),
               formatting.referral_payload(referral, result.confidence)),),
        (SlotChange("candidates", []), SlotChange("pending_offer", "human"), SlotChange("answered", False)))


def not_available() -> Composition:
    """The knowledge index cannot be searched: say so and hand the chat to a person."""
    return Composition((Reply("抱歉，知识库暂时无法查询。正在为您转接人工客服。"),),
                       (SlotChange("handoff_reason", HandoffReason.REPEATED_FAILURE.value),))


def default_matter_guide() -> MatterGuide | None:
    """The mapping shipped with the served knowledge base (loaded once, on first use). A broken
    mapping file is logged and costs only the referrals: every other answer still works."""
    try:
        return get_matter_guide(IndexerSettings.from_env().knowledge_base_dir)
    except MatterMapError as error:
        logger.error("matter mapping not used: %s", error)
        return None


def _distinct_titles(hits: tuple[SearchHit, ...]) -> list[SearchHit]:
    seen: set[str] = set()
    distinct = []
    for hit in hits:
        if hit.title not in seen:
            seen.add(hit.title)
            distinct.append(hit)
    return distinct
