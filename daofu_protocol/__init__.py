"""The contract between the bot (Rasa actions) and the desk: handoff reasons, custom payloads and
the markers both sides spell. Standard library only, importable from the project's environment and
from the Rasa one (the action server); it imports nothing of ours, and everything imports it.
"""
from __future__ import annotations

from daofu_protocol.demands import DEMAND_CATEGORIES, DemandCategory
from daofu_protocol.markers import (
                                    CANDIDATE_ENTITY,
                                    CATALOG_NAME,
                                    CHOOSE_INTENT,
                                    LEAVE_MESSAGE_PREFIX,
                                    POLICY_ANSWER_ENTITY,
                                    POLICY_ANSWER_INTENT,
                                    REQUEST_HUMAN_PAYLOAD,
                                    SAVE_POLICY_PROFILE_PAYLOAD,
                                    choose_payload,
)
from daofu_protocol.payloads import (
                                    BundleAnswer,
                                    BundleSource,
                                    BundleStep,
                                    Button,
                                    Candidate,
                                    CustomKey,
                                    CustomPayload,
                                    DemandForm,
                                    DemandTrack,
                                    FaqAnswer,
                                    FaqSource,
                                    HandoffRequest,
                                    ItemCard,
                                    ItemSource,
                                    MatchedCondition,
                                    MatchedMeasure,
                                    NotFound,
                                    PolicyMatches,
                                    PolicyPassage,
                                    PolicyProfileField,
                                    PolicySource,
                                    ReferralAnswer,
                                    SavedPolicyProfile,
                                    demand_form_payload,
                                    demand_track_payload,
                                    parse_custom,
                                    parse_message_payload,
)
from daofu_protocol.reasons import BOT_HANDOFF_REASONS, HandoffReason, QueuePriority, priority_label, reason_label

__all__ = [
    "BOT_HANDOFF_REASONS", "CANDIDATE_ENTITY", "CATALOG_NAME", "CHOOSE_INTENT", "DEMAND_CATEGORIES", "LEAVE_MESSAGE_PREFIX",
    "POLICY_ANSWER_ENTITY", "POLICY_ANSWER_INTENT", "REQUEST_HUMAN_PAYLOAD", "SAVE_POLICY_PROFILE_PAYLOAD",
    "BundleAnswer", "BundleSource", "BundleStep", "Button", "Candidate", "CustomKey", "CustomPayload", "DemandCategory",
    "DemandForm", "DemandTrack", "FaqAnswer",
    "FaqSource", "HandoffReason", "HandoffRequest", "ItemCard", "ItemSource", "MatchedCondition", "MatchedMeasure", "NotFound",
    "PolicyMatches", "PolicyPassage", "PolicyProfileField", "PolicySource", "QueuePriority", "ReferralAnswer", "SavedPolicyProfile", "choose_payload", "demand_form_payload",
    "demand_track_payload", "parse_custom", "parse_message_payload",
    "priority_label", "reason_label",
]
