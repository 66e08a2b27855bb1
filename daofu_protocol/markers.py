"""Strings both sides of the contract spell: message prefixes and button payloads."""
from __future__ import annotations

import json

# How the widget gateway stores a left message as a user message of the conversation: analytics and
# knowledge gaps tell it from a typed question by this prefix.
LEAVE_MESSAGE_PREFIX = "【留言】"

# The service catalog the item and bundle cards name as their source (``source.catalog``); the widget
# gateway's welcome sends it too, for cards whose source names none.
CATALOG_NAME = "广东省政务服务事项目录"

# Rasa intents a button sends (``/intent{entities}``).
REQUEST_HUMAN_PAYLOAD = "/request_human"
CHOOSE_INTENT = "/choose"
CANDIDATE_ENTITY = "candidate_id"
# The 政策计算器's buttons: an answer to the profile form's question (``/inform_enterprise{"policy_answer":
# "小型"}``) and the consent to save the profile.
POLICY_ANSWER_INTENT = "inform_enterprise"
POLICY_ANSWER_ENTITY = "policy_answer"
SAVE_POLICY_PROFILE_PAYLOAD = "/save_policy_profile"


def choose_payload(candidate_id: str) -> str:
    """The button payload that picks one clarification candidate."""
    return CHOOSE_INTENT + json.dumps({CANDIDATE_ENTITY: candidate_id}, ensure_ascii=False)
