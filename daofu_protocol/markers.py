"""Strings both sides of the contract spell: message prefixes and button payloads."""
from __future__ import annotations

import json

# How the widget gateway stores a left message as a user message of the conversation: analytics and
# knowledge gaps tell it from a typed question by this prefix.
LEAVE_MESSAGE_PREFIX = "【留言】"

# Rasa intents a button sends (``/intent{entities}``).
REQUEST_HUMAN_PAYLOAD = "/request_human"
CHOOSE_INTENT = "/choose"
CANDIDATE_ENTITY = "candidate_id"


def choose_payload(candidate_id: str) -> str:
    """The button payload that picks one clarification candidate."""
    return CHOOSE_INTENT + json.dumps({CANDIDATE_ENTITY: candidate_id}, ensure_ascii=False)
