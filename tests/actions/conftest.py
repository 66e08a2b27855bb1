from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def tracker_for(text: str, intent: str, slots: dict[str, Any] | None = None,
                entities: list[dict[str, Any]] | None = None, history: list[tuple[str, str]] = ()) -> Tracker:
    """A real rasa-sdk Tracker whose latest user turn is ``text`` classified as ``intent``."""
    events: list[dict[str, Any]] = [{"event": "action", "name": "action_session_start"}]
    for old_text, old_intent in history:
        events.append({"event": "user", "text": old_text, "parse_data": {"intent": {"name": old_intent, "confidence": 0.9}}})
        events.append({"event": "action", "name": "action_listen"})
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": entities or [],
              "intent_ranking": [{"name": intent, "confidence": 0.95}]}
    events.append({"event": "user", "text": text, "parse_data": latest})
    return Tracker(sender_id="test-user", slots=dict(slots or {}), latest_message=latest, events=events,
                   paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen")
