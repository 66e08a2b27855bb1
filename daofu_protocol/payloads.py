"""The custom payloads the actions send with a reply (Rasa ``json_message``, the desk stores it as
``payload["custom"]``), typed, with one builder and one parser.

Each part is a TypedDict so the actions build plain JSON and type checkers see the keys; the desk
never reads a key that is not declared here. ``parse_custom`` is the only way the desk reads a
stored or received payload: anything that is not exactly one of these shapes (not a dict, an
unknown key, a missing key, a wrong type) parses to None instead of raising, because stored
messages and bot replies are data from another process.
"""
from __future__ import annotations

import functools
import math
import types
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, Literal, TypedDict, Union, get_args, get_origin, get_type_hints, is_typeddict

from daofu_protocol.booking import BookingOffer
from daofu_protocol.demands import DEMAND_CATEGORIES, DemandCategory
from daofu_protocol.reasons import HandoffReason


class CustomKey(StrEnum):
    """The top-level keys of a custom payload."""

    ITEM_CARD = "item_card"
    FIELD = "field"  # with item_card: the follow-up field the card answers (materials, time ...)
    POLICY_PASSAGE = "policy_passage"
    FAQ = "faq"
    BUNDLE = "bundle"
    REFERRAL = "referral"
    NOT_FOUND = "not_found"  # the marker of a reply that found nothing (a knowledge gap)
    HANDOFF = "handoff"
    BOOKING_OFFER = "booking_offer"  # with item_card: the item can be booked at its hall (daofu_protocol.booking)
    DEMAND_FORM = "demand_form"  # the bot offers to file a demand (诉求): the widget shows the form
    DEMAND_TRACK = "demand_track"  # the bot offers to look a demand up: the widget shows the lookup form
    BOT_TIMEOUT = "bot_timeout"  # desk system messages: the bot did not answer in time
    BOT_SILENT = "bot_silent"  # ... or answered a turn with nothing
    POLICY_MATCHES = "policy_matches"  # the 政策计算器's result card
    POLICY_PROFILE = "policy_profile"  # an enterprise profile the user agreed to save (the desk stores it)


class ItemSource(TypedDict):
    catalog: str
    department: str
    url: str
    item_id: str


class ItemCard(TypedDict):
    id: str
    name: str
    department: str
    item_type: str
    promised_time_limit: str
    statutory_time_limit: str
    materials: list[str]
    location: str
    consult_phone: str
    complaint_phone: str
    basis: str
    url: str
    online_booking: bool
    courier: bool
    service_objects: list[str]
    source: ItemSource


class PolicySource(TypedDict):
    document_id: str
    title: str
    issuer: str
    doc_number: str
    date: str


class PolicyPassage(TypedDict):
    id: str
    title: str
    issuer: str
    doc_number: str
    date: str
    passage: str
    source: PolicySource


class FaqSource(TypedDict):
    faq_id: str
    title: str


class FaqAnswer(TypedDict):
    id: str
    question: str
    answer: str
    item_id: str
    source: FaqSource


class BundleStep(TypedDict):
    item_id: str
    title: str
    department: str
    note: str


class BundleSource(TypedDict):
    bundle_id: str
    title: str
    catalog: str


class BundleAnswer(TypedDict):
    id: str
    name: str
    intro: str
    steps: list[BundleStep]
    outside_catalog: list[str]
    source: BundleSource


class ReferralAnswer(TypedDict):
    matter_id: str
    matter: str
    variant: str
    title: str
    department: str
    catalog_department: str
    where: str
    hotline: str


class NotFound(TypedDict):
    question: str
    confidence: float


class Candidate(TypedDict):
    """What the bot found or offered: clarification buttons, the handoff's list for staff."""

    id: str
    kind: str
    title: str
    score: float


class HandoffRequest(TypedDict):
    reason: str  # a HandoffReason value (checked by parse_custom)
    reason_text: str
    summary: str
    candidates: list[Candidate]


class MatchedCondition(TypedDict):
    type: str  # a condition type of indexer.policy_matching (size_in, region, manual ...)
    text: str
    met: bool | None  # None: not known, or 需人工确认
    evidence: str  # the policy's own words


class MatchedMeasure(TypedDict):
    id: str
    policy_id: str
    title: str
    level: str
    issuer: str
    result: str  # eligible / possible (only 需人工确认 left) / unknown / ineligible
    conditions: list[MatchedCondition]
    benefit: str
    how: str  # 免申即享 / 快申快享 / 申报 / 未说明
    deadline: str  # YYYY-MM-DD or ""
    where_to_apply: str
    contact_phone: str


class PolicyMatches(TypedDict):
    """The 政策计算器's result for the conversation's profile, as of a date."""

    as_of: str
    profile_summary: str
    measures: list[MatchedMeasure]  # those that may apply, best first (at most a few)
    eligible: int
    possible: int
    unknown: int
    ineligible: int
    expired: int
    more: int  # further measures that may apply, not in the list


class PolicyProfileField(TypedDict):
    name: str  # a profile field (region, industry, employees ...)
    value: str  # as the bot's slot holds it; "unknown" for 跳过/不清楚


class SavedPolicyProfile(TypedDict):
    consent: bool
    fields: list[PolicyProfileField]


class DemandForm(TypedDict):
    """The demand form offered in the chat, prefilled (daofu_protocol.demands builds it)."""

    category: str  # a DemandCategory value: the one the text suggests
    content: str  # what the user wrote, as the form's first draft
    categories: list[str]  # every DemandCategory value, in the order the form lists them


class DemandTrack(TypedDict):
    """The demand lookup form offered in the chat; ``tracking_number`` is the one the user typed, or ""."""

    tracking_number: str


class Button(TypedDict):
    """Rasa's own button (sent in ``buttons``, not in the custom payload)."""

    title: str
    payload: str


@dataclass(frozen=True)
class CustomPayload:
    """One reply's custom payload; the fields that are None are absent."""

    item_card: ItemCard | None = None
    field: str | None = None
    policy_passage: PolicyPassage | None = None
    faq: FaqAnswer | None = None
    bundle: BundleAnswer | None = None
    referral: ReferralAnswer | None = None
    not_found: NotFound | None = None
    handoff: HandoffRequest | None = None
    booking_offer: BookingOffer | None = None
    demand_form: DemandForm | None = None
    demand_track: DemandTrack | None = None
    bot_timeout: Literal[True] | None = None
    bot_silent: Literal[True] | None = None
    policy_matches: PolicyMatches | None = None
    policy_profile: SavedPolicyProfile | None = None

    def to_json(self) -> dict[str, Any]:
        """The payload as sent (Rasa ``json_message``) and stored."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    @property
    def handoff_reason(self) -> HandoffReason | None:
        return HandoffReason(self.handoff["reason"]) if self.handoff is not None else None


def parse_custom(value: object) -> CustomPayload | None:
    """The custom payload ``value`` holds, or None when it is not one (see the module docstring)."""
    if not isinstance(value, Mapping) or not value:
        return None
    hints = _hints(CustomPayload)
    if any(key not in hints for key in value):
        return None
    if not all(_conforms(value[key], hints[key]) for key in value):
        return None
    handoff = value.get(CustomKey.HANDOFF)
    if handoff is not None and HandoffReason.parse(handoff["reason"]) is None:
        return None
    form = value.get(CustomKey.DEMAND_FORM)
    if form is not None and form["category"] not in DemandCategory.__members__.values():
        return None
    parsed = CustomPayload(**{str(key): value[key] for key in value})
    return parsed if parsed.to_json() else None  # only nulls: nothing was said


def parse_message_payload(payload: object) -> CustomPayload | None:
    """The custom part of a stored message payload (``{"custom": ..., "buttons": ...}``)."""
    return parse_custom(payload.get("custom")) if isinstance(payload, Mapping) else None


def demand_form_payload(category: DemandCategory, content: str) -> dict[str, Any]:
    """The demand form offered in the chat: the suggested category and the user's words as the draft."""
    form: DemandForm = {"category": DemandCategory(category).value, "content": content,
                        "categories": [c.value for c in DEMAND_CATEGORIES]}
    return CustomPayload(demand_form=form).to_json()


def demand_track_payload(tracking_number: str = "") -> dict[str, Any]:
    """The demand lookup form offered in the chat, with the number the user typed if any."""
    return CustomPayload(demand_track={"tracking_number": tracking_number}).to_json()


@functools.cache
def _hints(kind: type) -> dict[str, Any]:
    return get_type_hints(kind)


def _conforms(value: object, hint: Any) -> bool:
    """Does the JSON value match the annotation? Covers what the payloads use and nothing more."""
    origin = get_origin(hint)
    if hint is type(None):
        return value is None
    if hint is str:
        return isinstance(value, str)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:  # JSON has one number type; 1.0 may arrive as 1
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if origin is Literal:
        return any(value is arg or (type(value) is type(arg) and value == arg) for arg in get_args(hint))
    if origin is list:
        (element,) = get_args(hint)
        return isinstance(value, list) and all(_conforms(v, element) for v in value)
    if origin is Union or origin is types.UnionType:
        return any(_conforms(value, arg) for arg in get_args(hint))
    if is_typeddict(hint):
        if not isinstance(value, Mapping):
            return False
        hints = _hints(hint)
        return set(value) == set(hints) and all(_conforms(value[key], hints[key]) for key in hints)
    raise TypeError(f"payload annotation {hint!r} is not supported by _conforms; add it there")
