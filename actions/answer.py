"""Answering from the knowledge index: questions (with clarification) and follow-ups about the
item under discussion."""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import formatting, replies
from actions.fields import detect_field, strip_field_words
from actions.knowledge import Knowledge, default_knowledge
from daofu_protocol import HandoffReason
from indexer.errors import DaofuError
from indexer.matters import MatterGuide, MatterMapError, Referral, get_matter_guide
from indexer.records import Bundle, FaqEntry, PolicyDoc, SearchHit, SearchResult, ServiceItem
from indexer.settings import IndexerSettings

logger = logging.getLogger(__name__)

MAX_CHOICES = 3
FAILED_TURNS_BEFORE_HANDOFF = 2
_ORDINALS = {"第一": 0, "第1": 0, "1": 0, "一": 0, "第二": 1, "第2": 1, "2": 1, "二": 1, "第三": 2, "第3": 2, "3": 2,
             "三": 2, "最后": -1, "中间": 1}


class KnowledgeAccess:
    """Gives an action the knowledge index (injected in tests). Not an Action itself: rasa-sdk
    registers every Action subclass it finds, and this one has no name."""

    def __init__(self, knowledge: Optional[Knowledge] = None) -> None:
        self._knowledge = knowledge

    @property
    def knowledge(self) -> Knowledge:
        if self._knowledge is None:
            self._knowledge = default_knowledge()
        return self._knowledge

    async def search(self, text: str) -> SearchResult:
        # The search is CPU work (~20 ms); a worker thread keeps the action server responsive.
        return await asyncio.to_thread(self.knowledge.search, text, 5)

    async def record(self, record_id: str) -> ServiceItem | PolicyDoc | None:
        return await asyncio.to_thread(self.knowledge.record, record_id)


class ActionAnswerQuestion(KnowledgeAccess, Action):
    """Search and answer: high confidence answers, medium asks which one, low says so and offers a person."""

    def name(self) -> Text:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
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
        linked = await self.record(result.hits[0].record.item_id) if (
            result.hits and isinstance(result.hits[0].record, FaqEntry) and result.hits[0].record.item_id) else None
        return respond(dispatcher, tracker, result, linked)

    async def _chosen_record(self, tracker: Tracker) -> ServiceItem | PolicyDoc | None:
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

    def name(self) -> Text:
        return "action_answer_followup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        field = detect_field(text, message.get("entities") or [])
        events: List[EventType] = []
        offered: List[Dict[str, Any]] = []
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
        if isinstance(record, (PolicyDoc, Bundle)):  # a bundle named in a follow-up: its steps
            return events + answer_record(dispatcher, record, snippet=None)
        if field is None:
            return events + answer_record(dispatcher, record, snippet=None)
        dispatcher.utter_message(text=formatting.field_answer(record, field),
                                 json_message=formatting.item_card_message(record, field))
        return events + [SlotSet("failed_turns", 0.0), SlotSet("answered", True)]

    async def _named(self, text: str, events: List[EventType]) -> ServiceItem | PolicyDoc | None:
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
    def _open_choices(tracker: Tracker) -> List[Dict[str, Any]]:
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
    def _answer_first_choice(dispatcher: CollectingDispatcher, record: ServiceItem | PolicyDoc | Bundle,
                             field: Optional[str], offered: List[Dict[str, Any]]) -> List[EventType]:
        """Answer for candidate 1, say so, and keep the others as buttons. The slot keeps the whole
        list, so "第二个" still means the second of the numbered list the user saw."""
        title = str(offered[0]["title"])  # as the numbered list showed it
        others = formatting.choice_buttons(offered[1:])
        if isinstance(record, ServiceItem) and field is not None:
            text = f"按第1项“{title}”回答：\n" + formatting.field_answer(record, field)
            if others:
                text += "\n如果您问的是其他项，请点选下面的按钮，或回复序号。"
            dispatcher.utter_message(text=text, buttons=others,
                                     json_message=formatting.item_card_message(record, field))
            return [SlotSet("current_item", record.id), SlotSet("current_kind", record.kind),
                    SlotSet("current_title", title), SlotSet("failed_turns", 0.0), SlotSet("answered", True),
                    SlotSet("pending_offer", None)]
        dispatcher.utter_message(text=f"按第1项“{title}”回答：")
        events = answer_record(dispatcher, record, snippet=None)
        if others:
            dispatcher.utter_message(text="如果您问的是其他项，请点选，或回复序号。", buttons=others)
        return events + [SlotSet("candidates", offered)]


def respond(dispatcher: CollectingDispatcher, tracker: Tracker, result: SearchResult,
            linked: ServiceItem | PolicyDoc | FaqEntry | None = None,
            matters: MatterGuide | None = None) -> List[EventType]:
    """What the bot says to a search result: answer, ask which one, refer a matter the catalog
    lacks to its department, or say it found nothing.

    Also used by the editor console's try-it box, so editors see exactly what the bot would say.
    ``linked``: the item an FAQ answer refers to (its card follows the answer). ``matters``: the
    matter-to-department mapping (default: the one shipped with the knowledge base).
    """
    guide = matters if matters is not None else default_matter_guide()
    referral = guide.referral(result) if guide is not None else None
    if referral is not None:
        return refer(dispatcher, result, referral)
    if not result.hits or result.level == "low":
        return not_found(dispatcher, tracker, result)
    if result.level == "high":
        top = result.hits[0]
        events = answer_record(dispatcher, top.record, snippet=top.snippet if top.kind == "policy" else None)
        if isinstance(top.record, FaqEntry) and isinstance(linked, ServiceItem):
            dispatcher.utter_message(text=formatting.item_card_text(linked),
                                     json_message=formatting.item_card_message(linked))
            events.append(SlotSet("current_item", linked.id))
        return events
    return clarify(dispatcher, result)


def answer_record(dispatcher: CollectingDispatcher, record: ServiceItem | PolicyDoc | FaqEntry | Bundle,
                  snippet: Optional[str]) -> List[EventType]:
    if isinstance(record, Bundle):
        # The steps become the candidates: a click or "第二个" opens that step's item card, and
        # no earlier item stays "current" for a follow-up about materials.
        steps = formatting.bundle_candidates(record)
        dispatcher.utter_message(text=formatting.bundle_answer_text(record),
                                 json_message=formatting.bundle_message(record),
                                 buttons=formatting.choice_buttons(steps))
        return [SlotSet("current_item", None), SlotSet("current_kind", record.kind), SlotSet("current_title", record.name),
                SlotSet("candidates", steps), SlotSet("failed_turns", 0.0), SlotSet("answered", True),
                SlotSet("pending_offer", None)]
    if isinstance(record, FaqEntry):
        dispatcher.utter_message(text=formatting.faq_answer_text(record), json_message=formatting.faq_message(record))
        return [SlotSet("candidates", []), SlotSet("failed_turns", 0.0), SlotSet("answered", True),
                SlotSet("pending_offer", None)]
    if isinstance(record, ServiceItem):
        dispatcher.utter_message(text=formatting.item_card_text(record) + "\n可以继续问：需要什么材料、在哪办、要多久、电话多少。",
                                 json_message=formatting.item_card_message(record))
    else:
        passage = snippet or record.body[: formatting.MAX_PASSAGE_CHARS]
        dispatcher.utter_message(text=formatting.policy_passage_text(record, passage),
                                 json_message=formatting.policy_passage_message(record, passage))
    title = record.name if isinstance(record, ServiceItem) else record.title
    return [SlotSet("current_item", record.id), SlotSet("current_kind", record.kind), SlotSet("current_title", title),
            SlotSet("candidates", []),
            SlotSet("failed_turns", 0.0), SlotSet("answered", True), SlotSet("pending_offer", None)]


def clarify(dispatcher: CollectingDispatcher, result: SearchResult) -> List[EventType]:
    choices = [formatting.candidate(hit) for hit in _distinct_titles(result.hits)[:MAX_CHOICES]]
    dispatcher.utter_message(
        text="您想了解的是下面哪一项？请点选，或回复序号。都不是的话可以换个说法，或说“转人工”。\n"
             + "\n".join(f"{i}. {c['title']}" for i, c in enumerate(choices, start=1)),
        buttons=formatting.choice_buttons(choices),
    )
    return [SlotSet("candidates", choices), SlotSet("answered", False)]


def not_found(dispatcher: CollectingDispatcher, tracker: Tracker, result: SearchResult) -> List[EventType]:
    failed = float(tracker.get_slot("failed_turns") or 0) + 1
    candidates = [formatting.candidate(hit) for hit in result.hits[:MAX_CHOICES]]
    # The marker lets the desk list the question among knowledge gaps for editors.
    marker = formatting.not_found_payload(result.query, result.confidence)
    if failed >= FAILED_TURNS_BEFORE_HANDOFF:
        dispatcher.utter_message(text="抱歉，我还是没有找到相关的办事事项或政策。正在为您转接人工客服。", json_message=marker)
        return [SlotSet("failed_turns", 0.0), SlotSet("candidates", candidates),
                SlotSet("handoff_reason", HandoffReason.REPEATED_FAILURE.value)]
    dispatcher.utter_message(text="抱歉，没有找到和您的问题相符的办事事项或政策。可以换个说法再问一次（比如说明想办什么证、什么业务），"
                                  "或者需要为您转接人工客服吗？", json_message=marker)
    return [SlotSet("failed_turns", failed), SlotSet("candidates", candidates), SlotSet("pending_offer", "human"),
            SlotSet("answered", False)]


def refer(dispatcher: CollectingDispatcher, result: SearchResult, referral: Referral) -> List[EventType]:
    """A matter the catalog lacks: say so, name the department that usually handles it, the 12345
    hotline, and offer a person (a button, and "好的" accepts the offer). Not a failed turn: the
    user got a useful answer, so it does not count towards the automatic handoff."""
    dispatcher.utter_message(text=replies.referral_text(referral),
                             buttons=[formatting.request_human_button()],
                             json_message=formatting.referral_payload(referral, result.confidence))
    return [SlotSet("candidates", []), SlotSet("pending_offer", "human"), SlotSet("answered", False)]


def default_matter_guide() -> MatterGuide | None:
    """The mapping shipped with the served knowledge base (loaded once, on first use). A broken
    mapping file is logged and costs only the referrals: every other answer still works."""
    try:
        return get_matter_guide(IndexerSettings.from_env().knowledge_base_dir)
    except MatterMapError as error:
        logger.error("matter mapping not used: %s", error)
        return None


def not_available(dispatcher: CollectingDispatcher) -> List[EventType]:
    dispatcher.utter_message(text="抱歉，知识库暂时无法查询。正在为您转接人工客服。")
    return [SlotSet("handoff_reason", HandoffReason.REPEATED_FAILURE.value)]


def ordinal(text: str) -> Optional[int]:
    """0-based position a user names ("第二个", "选3", "最后一个"); None if none."""
    compact = re.sub(r"\s", "", text)
    for word, position in sorted(_ORDINALS.items(), key=lambda entry: -len(entry[0])):
        if word in compact:
            return position
    return None


def _distinct_titles(hits: tuple[SearchHit, ...]) -> List[SearchHit]:
    seen: set[str] = set()
    distinct = []
    for hit in hits:
        if hit.title not in seen:
            seen.add(hit.title)
            distinct.append(hit)
    return distinct
