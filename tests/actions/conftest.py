from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from indexer.calibration import Calibration
from indexer.search import SearchService


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


def run(action: Any, tracker: Any) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    """Run an action as the action server would; what it said and the events it returned."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher, events


def slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


# Thresholds that put every first hit of the tiny fixture index at one confidence level.
@pytest.fixture()
def confident(service: SearchService) -> SearchService:
    service.calibration = Calibration(high_threshold=0.0, medium_threshold=0.0)
    return service


@pytest.fixture()
def unsure(service: SearchService) -> SearchService:
    service.calibration = Calibration(high_threshold=1.0, medium_threshold=0.0)
    return service


@pytest.fixture()
def lost(service: SearchService) -> SearchService:
    service.calibration = Calibration(high_threshold=1.0, medium_threshold=1.0)
    return service
