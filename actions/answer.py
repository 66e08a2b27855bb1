"""Answering from the knowledge index: questions (with clarification) and follow-ups about the
item under discussion.

The actions are thin: they read the tracker, search, let the answer composer (actions/composer.py,
shared with the editor console's try-it) decide the replies and slot changes, and hand those to
rasa-sdk's dispatcher as messages and ``SlotSet`` events.
"""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import composer, formatting, replies
from actions.composer import AnswerRecord, Composition, ConversationState
from actions.fields import detect_field, strip_field_words
from actions.knowledge import Knowledge, default_knowledge
from daofu_core.errors import DaofuError
from indexer.matters import MatterGuide
from indexer.records import Bundle, FaqEntry, PolicyDoc, SearchResult, ServiceItem

logger = logging.getLogger(__name__)
_ORDINALS = {"第一": 0, "第1": 0, "1": 0, "一": 0, "第二": 1, "第2": 1, "2": 1, "二": 1, "第三": 2, "第3": 2, "3": 2,
             "三": 2, "最后": -1, "中间": 1}


class KnowledgeAccess:
    """Gives an action the knowledge index (injected in tests). Not an Action itself: rasa-sdk
    registers every Action subclass it finds, and this one has no name."""

    def __init__(self, knowledge: Knowledge | None = None) -> None:
        self._knowledge = knowledge

    @property
    def knowledge(self) -> Knowledge:
        if self._knowledge is None:
            self._knowledge = default_knowledge()
        return self._knowledge

    async def search(self, text: str) -> SearchResult:
        # The search is CPU work (~20 ms); a worker thread keeps the action server responsive.
        return await asyncio.to_thread(self.knowledge.search, text, 5)

    async def record(self, record_id: str) -> AnswerRecord | None:
        return await asyncio.to_thread(self.knowledge.record, record_id)


class ActionAnswerQuestion(KnowledgeAccess, Action):
    """Search and answer: high confidence answers, medium asks which one, low says so and offers a person."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        try:
            if intent == "choose":
                chosen = await self._chosen_record(tracker)
                if chosen is not None:
                    return answer_record(dispatcher, chosen, snippet=None)
            text = (message.get("text") or "").strip()
            if not text or text.startswith("/"):
                dispatcher.utter_message(text=replies.ASK_WHICH_SERVICE)
                return []
            result = await self.search(text)
        except DaofuError as error:
            logger.error("knowledge search failed: %s", error)
            return not_available(dispatcher)
        linked_id = composer.linked_item_id(result)
        linked = await self.record(linked_id) if linked_id else None
        return respond(dispatcher, tracker, result, linked)

    async def _chosen_record(self, tracker: Tracker) -> AnswerRecord | None:
        candidate_id = next(tracker.get_latest_entity_values("candidate_id"), None)
        if candidate_id:
            return await self.record(str(candidate_id))
        candidates = tracker.get_slot("candidates") or []
        text = (tracker.latest_message or {}).get("text") or ""
        position = ordinal(text)
        if position is not None and candidates:
            try:
                return await self.record(str(candidates[position]["id"]))
            except IndexError:
                return None
        return None


class ActionAnswerFollowup(KnowledgeAccess, Action):
    """"需要什么材料" / "在哪办" about the item under discussion (slot current_item), or about the first
    candidate when the bot has just asked which one was meant and the user typed a follow-up instead."""

    def name(self) -> str:
        return "action_answer_followup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        field = detect_field(text, message.get("entities") or [])
        events: list[EventType] = []
        offered: list[dict[str, Any]] = []
        try:
            record = await self._named(text, events)
            if record is None:
                offered = self._open_choices(tracker)
                current = offered[0]["id"] if offered else tracker.get_slot("current_item")
                record = await self.record(str(current)) if current else None
        except DaofuError as error:
            logger.error("knowledge lookup failed: %s", error)
            return not_available(dispatcher)
        if record is None:
            dispatcher.utter_message(text=replies.ASK_WHICH_SERVICE)
            return events
        if offered:
            return self._answer_first_choice(dispatcher, record, field, offered)
        if not isinstance(record, ServiceItem):  # a bundle named in a follow-up: its steps; an FAQ: its answer
            return events + answer_record(dispatcher, record, snippet=None)
        if field is None:
            return events + answer_record(dispatcher, record, snippet=None)
        return events + utter(dispatcher, composer.field_answer(record, field))

    async def _named(self, text: str, events: list[EventType]) -> AnswerRecord | None:
        """The record the follow-up names itself ("那营业执照要什么材料"), if it names one clearly."""
        named = strip_field_words(text)
        if len(named) >= 4:
            result = await self.search(text)
            if result.hits and result.level == "high":
                top = result.hits[0]
                events += [SlotSet("current_item", top.id), SlotSet("current_kind", top.kind),
                           SlotSet("current_title", top.title)]
                return top.record
        return None

    @staticmethod
    def _open_choices(tracker: Tracker) -> list[dict[str, Any]]:
        """The candidates of a clarifying question still open: the bot's last message offered them
        as buttons and the conversation is not yet about one of them. Empty otherwise (the slot
        also holds the near misses of a "not found" answer, which offered no buttons)."""
        candidates = [c for c in tracker.get_slot("candidates") or [] if isinstance(c, dict) and c.get("id")]
        if not candidates or tracker.get_slot("current_item") in {c["id"] for c in candidates}:
            return []
        last_bot = next((e for e in reversed(tracker.events) if e.get("event") == "bot"), None)
        offered = {str(b.get("payload")) for b in ((last_bot or {}).get("data") or {}).get("buttons") or []}
        if not offered & {b["payload"] for b in formatting.choice_buttons(candidates)}:
            return []
        return candidates

    @staticmethod
    def _answer_first_choice(dispatcher: CollectingDispatcher, record: AnswerRecord,
                             field: str | None, offered: list[dict[str, Any]]) -> list[EventType]:
        """Answer for candidate 1, say so, and keep the others as buttons (composer.first_choice_answer)."""
        return utter(dispatcher, composer.first_choice_answer(record, field, offered))


def respond(dispatcher: CollectingDispatcher, tracker: Tracker, result: SearchResult,
            linked: AnswerRecord | None = None,
            matters: MatterGuide | None = None) -> list[EventType]:
    """What the bot says to a search result (``composer.compose``), sent through the dispatcher.

    ``linked``: the item an FAQ answer refers to (its card follows the answer). ``matters``: the
    matter-to-department mapping (default: the one shipped with the knowledge base).
    """
    return utter(dispatcher, composer.compose(result, conversation_state(tracker), linked, matters))


def answer_record(dispatcher: CollectingDispatcher, record: ServiceItem | PolicyDoc | FaqEntry | Bundle,
                  snippet: str | None) -> list[EventType]:
    return utter(dispatcher, composer.answer_record(record, snippet))


def not_available(dispatcher: CollectingDispatcher) -> list[EventType]:
    return utter(dispatcher, composer.not_available())


def conversation_state(tracker: Tracker) -> ConversationState:
    """What the composer needs of the conversation, read from the tracker's slots."""
    return ConversationState(failed_turns=float(tracker.get_slot("failed_turns") or 0))


def utter(dispatcher: CollectingDispatcher, composition: Composition) -> list[EventType]:
    """Send the composed replies in order; the slot changes as events."""
    for reply in composition.replies:
        dispatcher.utter_message(text=reply.text, buttons=[dict(button) for button in reply.buttons],
                                 json_message=dict(reply.custom) if reply.custom is not None else None)
    return [SlotSet(change.name, change.value) for change in composition.slots]


def ordinal(text: str) -> int | None:
    """0-based position a user names ("第二个", "选3", "最后一个"); None if none."""
    compact = re.sub(r"\s", "", text)
    for word, position in sorted(_ORDINALS.items(), key=lambda entry: -len(entry[0])):
        if word in compact:
            return position
    return None
