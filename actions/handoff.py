"""Handing the chat to a person, and the small actions that lead there (bad feedback, yes/no to an
offer, out of scope, leaving a message).

An action that decides the chat needs a person sets the slot ``handoff_reason``; a rule then runs
``action_handoff`` (so the dialogue policy, and the test stories, see the escalation). The handoff
pauses the Rasa conversation (the desk resumes it when staff hand it back) and sends
``{"handoff": {"reason", "reason_text", "summary", "candidates"}}`` (``daofu_protocol.HandoffRequest``)
besides a text for plain clients.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import demands, formatting, replies
from daofu_protocol import HandoffReason

_REASON_BY_INTENT = {
    "request_human": HandoffReason.USER_REQUEST,
    "complain": HandoffReason.COMPLAINT,
    "feedback_bad": HandoffReason.BAD_FEEDBACK,
    "leave_message": HandoffReason.LEAVE_MESSAGE,
    "out_of_scope": HandoffReason.OUT_OF_SCOPE,
}
_HANDOFF_TEXT = {
    HandoffReason.COMPLAINT: "非常抱歉给您带来不好的体验。正在为您转接人工客服，工作人员会尽快处理您的问题。",
    HandoffReason.LEAVE_MESSAGE: "好的，请留下您的问题和联系方式，工作人员会尽快回复您。",
}
_DEFAULT_HANDOFF_TEXT = "正在为您转接人工客服，请稍候。"


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        return hand_off(dispatcher, tracker, handoff_reason(tracker))


class ActionLeaveMessage(Action):
    def name(self) -> str:
        return "action_leave_message"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        return hand_off(dispatcher, tracker, HandoffReason.LEAVE_MESSAGE)


class ActionFeedbackBad(Action):
    """答非所问 right after an answer goes to a person; otherwise apologise and offer one."""

    def name(self) -> str:
        return "action_feedback_bad"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        if tracker.get_slot("answered"):
            dispatcher.utter_message(text="抱歉没能答好您的问题。")
            return [SlotSet("handoff_reason", HandoffReason.BAD_FEEDBACK.value)]
        dispatcher.utter_message(text="抱歉没能帮到您。可以换个说法再问一次，或者需要为您转接人工客服吗？")
        return [SlotSet("pending_offer", "human")]


class ActionHandleAffirm(Action):
    def name(self) -> str:
        return "action_handle_affirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        if tracker.get_slot("pending_offer") == "human":
            reason = (HandoffReason.OUT_OF_SCOPE if _last_intent_before(tracker) == "out_of_scope"
                      else HandoffReason.USER_REQUEST)
            return [SlotSet("pending_offer", None), SlotSet("handoff_reason", reason.value)]
        dispatcher.utter_message(text=replies.ANYTHING_ELSE)
        return []


class ActionHandleDeny(Action):
    def name(self) -> str:
        return "action_handle_deny"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        if tracker.get_slot("pending_offer") == "human":
            dispatcher.utter_message(text=replies.REPHRASE_OR_HUMAN)
            return [SlotSet("pending_offer", None)]
        dispatcher.utter_message(text=replies.ANYTHING_ELSE)
        return []


class ActionOfferHuman(Action):
    """Remembers that the bot just offered a person, so "好的" means yes to that."""

    def name(self) -> str:
        return "action_offer_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        return [SlotSet("pending_offer", "human")]


def handoff_reason(tracker: Tracker) -> HandoffReason:
    """Why the chat goes to a person: set by the action that decided it, else the user's intent."""
    reason = HandoffReason.parse(tracker.get_slot("handoff_reason"))
    if reason is not None:
        return reason
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    return _REASON_BY_INTENT.get(str(intent), HandoffReason.USER_REQUEST)


def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reason: HandoffReason) -> list[EventType]:
    candidates = list(tracker.get_slot("candidates") or [])
    current_title = tracker.get_slot("current_title")
    summary = formatting.handoff_summary(reason, user_messages(tracker), current_title, candidates)
    dispatcher.utter_message(text=_HANDOFF_TEXT.get(reason, _DEFAULT_HANDOFF_TEXT),
                             json_message=formatting.handoff_payload(reason, summary, candidates))
    if reason is HandoffReason.COMPLAINT:
        demands.offer_form_after_complaint(dispatcher, tracker)
    return [SlotSet("handoff_reason", None), SlotSet("failed_turns", 0.0), SlotSet("pending_offer", None),
            ConversationPaused()]


def user_messages(tracker: Tracker) -> list[str]:
    return [str(event.get("text")) for event in tracker.events
            if event.get("event") == "user" and event.get("text") and not str(event.get("text")).startswith("/")]


def _last_intent_before(tracker: Tracker) -> str | None:
    """The intent of the user turn before the latest one."""
    intents = [((event.get("parse_data") or {}).get("intent") or {}).get("name")
               for event in tracker.events if event.get("event") == "user"]
    return intents[-2] if len(intents) >= 2 else None
