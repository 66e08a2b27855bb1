"""Saved enterprise profiles (table policy_profiles), the 免申即享 notices and the push lists.

A profile arrives in the bot's ``policy_profile`` payload after the user agreed to save it; the
desk gives the widget a token (only its SHA-256 is stored, as for resume tokens) and, on the
widget's next visits, (1) sets the bot's slots from the profile, so the 政策计算器 does not ask
again, and (2) tells the enterprise once about each 免申即享 measure it now qualifies for
("您已符合…，无需申请"). Staff see, per 免申即享 measure, the saved profiles that qualify (the
推送名单), with the credit code masked.
"""
from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from daofu_protocol import PolicyProfileField
from daofu_protocol.policy_profile import EXTRA_FIELDS, PROFILE_FIELDS, SLOT_OF_FIELD, profile_json
from desk.export import csv_text, formula_safe
from desk.masking import mask_personal_data
from desk.models import PolicyProfile, utcnow
from desk.security.resume_tokens import MAX_TOKEN_CHARS, new_resume_token, resume_token_hash
from indexer.policy_matching.errors import ProfileError
from indexer.policy_matching.matching import MatchResult, match_measure
from indexer.policy_matching.measures import ConditionType, HowObtained, SupportMeasure
from indexer.policy_matching.profile import EnterpriseProfile, load_profile

SAVED_SLOT = "policy_profile_saved"  # the bot's slot: the profile is saved, do not offer again
MAX_FIELD_CHARS = 200
PUSH_LIST_COLUMNS = ("profile_id", "status", "to_confirm", "name", "credit_code", "region", "industry", "size", "saved_at", "conversation_id")


@dataclass(frozen=True)
class Catalog:
    """The measures and the date they are matched as of (DAOFU_POLICY_AS_OF, else today)."""

    measures: tuple[SupportMeasure, ...]
    as_of: datetime.date

    def measure(self, measure_id: str) -> SupportMeasure | None:
        return next((m for m in self.measures if m.id == measure_id), None)


def load_catalog_now() -> Catalog:
    """The published measures (else the shipped ones) and the date, read per request: 50 measures
    load in milliseconds, and a publication or a changed date applies at once."""
    from daofu_protocol.policy_measures import published_measures_file
    from desk.policy.measure_store import shipped_measures
    from indexer.policy_matching.measures import load_measures
    from indexer.settings import IndexerSettings

    settings = IndexerSettings.from_env()
    published = published_measures_file(settings.workspace_dir)  # editors' published version, if any
    measures = load_measures([published]) if published else shipped_measures(settings.knowledge_base_dir)
    return Catalog(tuple(measures), settings.policy_date())


# ------------------------------------------------------------------ saving and finding


def clean_fields(fields: Sequence[PolicyProfileField]) -> list[dict[str, str]]:
    """The fields the contract knows, each once, values trimmed and bounded (data from the bot)."""
    known = set(PROFILE_FIELDS) | set(EXTRA_FIELDS)
    kept: dict[str, str] = {}
    for field in fields:
        name, value = str(field["name"]), str(field["value"]).strip()[:MAX_FIELD_CHARS]
        if name in known and value:
            kept[name] = value
    return [{"name": name, "value": value} for name, value in kept.items()]


def save_profile(session: Session, conversation_id: str, fields: Sequence[PolicyProfileField]) -> str:
    """Store a consented profile; a new token for the widget (the profile a conversation saved
    before is replaced, and its old token stops working)."""
    token = new_resume_token()
    row = session.scalar(select(PolicyProfile).where(PolicyProfile.conversation_id == conversation_id))
    if row is None:
        row = PolicyProfile(conversation_id=conversation_id, notified=[], created_at=utcnow())
        session.add(row)
    row.token_hash = resume_token_hash(token)
    row.fields = clean_fields(fields)
    row.updated_at = utcnow()
    session.flush()
    return token


def find_profile(session: Session, token: object) -> PolicyProfile | None:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        return None
    return session.scalar(select(PolicyProfile).where(PolicyProfile.token_hash == resume_token_hash(token)))


def delete_profile(session: Session, token: object) -> bool:
    row = find_profile(session, token)
    if row is None:
        return False
    session.delete(row)
    return True


def field_values(row: PolicyProfile) -> dict[str, str]:
    return {str(f.get("name")): str(f.get("value")) for f in row.fields or [] if isinstance(f, dict)}


def enterprise_profile(row: PolicyProfile) -> EnterpriseProfile:
    """The row as the library's profile; a value that no longer validates is dropped (never a 500)."""
    data = profile_json(field_values(row))
    while True:
        try:
            return load_profile(data)
        except ProfileError as error:
            if error.field not in data:
                return EnterpriseProfile()
            data.pop(error.field)


def slot_events(row: PolicyProfile) -> list[dict[str, Any]]:
    """Rasa tracker events that give the bot the saved profile (and that it is saved)."""
    values = field_values(row)
    events = [{"event": "slot", "name": SLOT_OF_FIELD[name], "value": values[name]}
              for name in PROFILE_FIELDS if name in values]
    return [*events, {"event": "slot", "name": SAVED_SLOT, "value": True}]


# ------------------------------------------------------------------ 免申即享


def automatic_measures(catalog: Catalog) -> list[SupportMeasure]:
    return [m for m in catalog.measures if m.how == HowObtained.AUTOMATIC]


@dataclass(frozen=True)
class Standing:
    """How a saved profile stands with a 免申即享 measure: every condition met (``eligible``), or
    every machine-checkable one met and the rest for a person to confirm (``possible``)."""

    eligible: bool
    to_confirm: tuple[str, ...]  # the 需人工确认 conditions, for staff and for the notice


def standing(row: PolicyProfile, measure: SupportMeasure, as_of: datetime.date) -> Standing | None:
    """None when a condition fails, the period is over, or a checkable condition is not known."""
    found = match_measure(enterprise_profile(row), measure, as_of)
    if found.result == MatchResult.ELIGIBLE:
        return Standing(True, ())
    if found.result == MatchResult.UNKNOWN and all(c.type == ConditionType.MANUAL for c in found.unknown):
        return Standing(False, tuple(c.text for c in found.unknown))
    return None


def notice_text(measure: SupportMeasure, stand: Standing) -> str:
    source = f"（{measure.issuer}）" if measure.issuer else ""
    if stand.eligible:
        return (f"您已符合“{measure.title}”{source}的条件，该政策免申即享，无需申请：{measure.benefit.text}。"
                "如有疑问可以说“转人工”。")
    return (f"您可能符合“{measure.title}”{source}：该政策免申即享，无需申请，符合条件的由部门直接兑现"
            f"（{measure.benefit.text}）。还需部门核实：{'；'.join(stand.to_confirm)}。如有疑问可以说“转人工”。")


def new_notices(session: Session, row: PolicyProfile, catalog: Catalog) -> list[dict[str, str]]:
    """The 免申即享 measures this profile qualifies for (or may) and has not been told about, marked told."""
    told = set(row.notified or [])
    notices: list[dict[str, str]] = []
    for measure in automatic_measures(catalog):
        stand = standing(row, measure, catalog.as_of) if measure.id not in told else None
        if stand is not None:
            notices.append({"measure_id": measure.id, "title": measure.title, "text": notice_text(measure, stand)})
    if notices:
        row.notified = [*sorted(told), *(notice["measure_id"] for notice in notices)]
        session.flush()
    return notices


def push_list(session: Session, measure: SupportMeasure, as_of: datetime.date) -> list[dict[str, Any]]:
    """The saved profiles that qualify for ``measure`` or may (推送名单), personal data masked."""
    rows = session.scalars(select(PolicyProfile).order_by(PolicyProfile.id)).all()
    listed: list[dict[str, Any]] = []
    for row in rows:
        stand = standing(row, measure, as_of)
        if stand is None:
            continue
        profile = enterprise_profile(row)
        values = field_values(row)
        data = profile.to_json()
        listed.append({
            "profile_id": row.id,
            "status": "符合" if stand.eligible else "需核实",
            "to_confirm": "；".join(stand.to_confirm),
            "name": mask_personal_data(values.get("name", "")),
            "credit_code": mask_personal_data(values.get("credit_code", "")),
            "region": profile.region or "",
            "industry": data.get("industry_name", ""),
            "size": data.get("size") or "",
            "saved_at": row.updated_at.isoformat(),
            "conversation_id": row.conversation_id or "",
        })
    return listed


def push_list_csv(rows: Sequence[dict[str, Any]]) -> str:
    cells = ([formula_safe(str(row.get(key, ""))) for key in PUSH_LIST_COLUMNS] for row in rows)
    return csv_text(PUSH_LIST_COLUMNS, cells)


def measure_summary(measure: SupportMeasure, catalog: Catalog) -> dict[str, Any]:
    period = measure.application_period
    return {"id": measure.id, "policy_id": measure.policy_id, "title": measure.title, "issuer": measure.issuer,
            "level": measure.level.value if measure.level else "", "region": measure.region, "how": measure.how.value,
            "benefit": measure.benefit.text, "deadline": period.end.isoformat() if period and period.end else "",
            "expired": bool(period and period.end and period.end < catalog.as_of)}
