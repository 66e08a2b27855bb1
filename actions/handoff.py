"""Handing the chat to a person, and the small actions that lead there (bad feedback, yes/no to an
offer, out of scope, leaving a message).

An action that decides the chat needs a person sets the slot ``handoff_reason``; a rule then runs
``action_handoff`` (so the dialogue policy, and the test stories, see the escalation). The handoff
pauses the Rasa conversation (the desk resumes it when staff hand it back) and sends
``{"handoff": {"reason", "reason_text", "summary", "candidates"}}`` besides a text for plain clients.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import formatting, replies

_REASON_BY_INTENT = {
    "request_human": "user_request",
    "complain": "complaint",
    "feedback_bad": "bad_feedback",
    "leave_message": "leave_message",
    "out_of_scope": "out_of_scope",
}
_HANDOFF_TEXT = {
    "complaint": "非常抱歉给您带来不好的体验。正在为您转接人工客服，工作人员会尽快处理您的问题。",
    "leave_message": "好的，请留下您的问题和联系方式，工作人员会尽快回复您。",
}
_DEFAULT_HANDOFF_TEXT = "正在为您转接人工客服，请稍候。"


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        return hand_off(dispatcher, tracker, handoff_reason(tracker))


class ActionLeaveMessage(Action):
    def name(self) -> Text:
        return "action_leave_message"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        return hand_off(dispatcher, tracker, "leave_message")


class ActionFeedbackBad(Action):
    """答非所问 right after an answer goes to a person; otherwise apologise and offer one."""

    def name(self) -> Text:
        return "action_feedback_bad"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        if tracker.get_slot("answered"):
            dispatcher.utter_message(text="抱歉没能答好您的问题。")
            return [SlotSet("handoff_reason", "bad_feedback")]
        dispatcher.utter_message(text="抱歉没能帮到您。可以换个说法再问一次，或者需要为您转接人工客服吗？")
        return [SlotSet("pending_offer", "human")]


class ActionHandleAffirm(Action):
    def name(self) -> Text:
        return "action_handle_affirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        if tracker.get_slot("pending_offer") == "human":
            reason = "out_of_scope" if _last_intent_before(tracker) == "out_of_scope" else "user_request"
            return [SlotSet("pending_offer", None), SlotSet("handoff_reason", reason)]
        dispatcher.utter_message(text=replies.ANYTHING_ELSE)
        return []


class ActionHandleDeny(Action):
    def name(self) -> Text:
        return "action_handle_deny"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        if tracker.get_slot("pending_offer") == "human":
            dispatcher.utter_message(text=replies.REPHRASE_OR_HUMAN)
            return [SlotSet("pending_offer", None)]
        dispatcher.utter_message(text=replies.ANYTHING_ELSE)
        return []


class ActionOfferHuman(Action):
    """Remembers that the bot just offered a person, so "好的" means yes to that."""

    def name(self) -> Text:
        return "action_offer_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        return [SlotSet("pending_offer", "human")]


def handoff_reason(tracker: Tracker) -> str:
    """Why the chat goes to a person: set by the action that decided it, else the user's intent."""
    reason: Optional[str] = tracker.get_slot("handoff_reason")
    if reason in formatting.HANDOFF_REASONS:
        return reason
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    return _REASON_BY_INTENT.get(str(intent), "user_request")


def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> List[EventType]:
    candidates = list(tracker.get_slot("candidates") or [])
    current_title = tracker.get_slot("current_title")
    summary = formatting.handoff_summary(reason, user_messages(tracker), current_title, candidates)
    dispatcher.utter_message(text=_HANDOFF_TEXT.get(reason, _DEFAULT_HANDOFF_TEXT),
                             json_message=formatting.handoff_payload(reason, summary, candidates))
    return [SlotSet("handoff_reason", None), SlotSet("failed_turns", 0.0), SlotSet("pending_offer", None),
            ConversationPaused()]


def user_messages(tracker: Tracker) -> List[str]:
    return [str(event.get("text")) for event in tracker.events
            if event.get("event") == "user" and event.get("text") and not str(event.get("text")).startswith("/")]


def _last_intent_before(tracker: Tracker) -> Optional[str]:
    """The intent of the user turn before the latest one."""
    intents = [((event.get("parse_data") or {}).get("intent") or {}).get("name")
               for event in tracker.events if event.get("event") == "user"]
    return intents[-2] if len(intents) >= 2 else None
