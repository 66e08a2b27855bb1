"""Matching an enterprise profile against support measures as of a date (the 政策计算器).

A measure is eligible when every condition is met, ineligible when one fails, and unknown
otherwise (a field the profile lacks, or a condition only a person can check). A measure whose
application period ended before the date is never eligible.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from indexer.policy_matching.measures import (
    MANUAL_CHECK,
    NATIONWIDE,
    ConditionType,
    SupportMeasure,
    region_covers,
)
from indexer.policy_matching.profile import EnterpriseProfile


class MatchResult(StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    UNKNOWN = "unknown"


class ImplicitCondition(StrEnum):
    """Conditions every measure has besides its own: where it applies and until when."""

    REGION = "region"
    PERIOD = "application_period"


_ORDER = {MatchResult.ELIGIBLE: 0, MatchResult.UNKNOWN: 1, MatchResult.INELIGIBLE: 2}


@dataclass(frozen=True)
class ConditionOutcome:
    type: str  # a ConditionType or an ImplicitCondition
    text: str
    met: bool | None
    evidence: str

    def to_json(self) -> dict[str, Any]:
        text = self.text if self.met is not None or self.type != ConditionType.MANUAL else f"{self.text}（{MANUAL_CHECK}）"
        return {"type": self.type, "text": text, "met": self.met, "evidence": self.evidence}


@dataclass(frozen=True)
class MeasureMatch:
    measure: SupportMeasure
    result: MatchResult
    conditions: tuple[ConditionOutcome, ...]

    @property
    def met(self) -> list[ConditionOutcome]:
        return [c for c in self.conditions if c.met is True]

    @property
    def failed(self) -> list[ConditionOutcome]:
        return [c for c in self.conditions if c.met is False]

    @property
    def unknown(self) -> list[ConditionOutcome]:
        return [c for c in self.conditions if c.met is None]

    def to_json(self) -> dict[str, Any]:
        measure = self.measure
        period = measure.application_period
        return {
            "id": measure.id,
            "policy_id": measure.policy_id,
            "title": measure.title,
            "level": measure.level.value if measure.level else None,
            "result": self.result.value,
            "conditions": [c.to_json() for c in self.conditions],
            "benefit": measure.benefit.text,
            "how": measure.how.value,
            "benefit_amount_wan": measure.benefit.amount_wan,
            "benefit_rate": measure.benefit.rate,
            "region": measure.region,
            "issuer": measure.issuer,
            "target": measure.target,
            "application_period": period.model_dump(mode="json") if period else None,
            "where_to_apply": measure.where_to_apply,
            "contact_phone": measure.contact_phone,
            "source": measure.source.model_dump(mode="json"),
        }


def match_measure(profile: EnterpriseProfile, measure: SupportMeasure, as_of: datetime.date) -> MeasureMatch:
    outcomes: list[ConditionOutcome] = []
    if measure.region != NATIONWIDE and not any(c.type == ConditionType.REGION for c in measure.conditions):
        outcomes.append(ConditionOutcome(
            ImplicitCondition.REGION, f"注册地在{measure.region}", region_covers(measure.region, profile.region),
            f"发文机关：{measure.issuer}" if measure.issuer else f"适用地区：{measure.region}"))
    for condition in measure.conditions:
        outcomes.append(ConditionOutcome(condition.type, condition.text, condition.check(profile), condition.evidence))
    period = measure.application_period
    if period is not None and period.end is not None:
        over = period.end < as_of
        text = f"执行期至{period.end.isoformat()}" + ("（已过期）" if over else "")
        outcomes.append(ConditionOutcome(ImplicitCondition.PERIOD, text, not over, period.text))
    return MeasureMatch(measure, _result(outcomes), tuple(outcomes))


def _result(outcomes: Iterable[ConditionOutcome]) -> MatchResult:
    values = [outcome.met for outcome in outcomes]
    if any(value is False for value in values):
        return MatchResult.INELIGIBLE
    if any(value is None for value in values):
        return MatchResult.UNKNOWN
    return MatchResult.ELIGIBLE


def match(profile: EnterpriseProfile, measures: Iterable[SupportMeasure],
          as_of: datetime.date) -> list[MeasureMatch]:
    """Every measure's result for ``profile`` on ``as_of``: eligible first, then unknown, then
    ineligible; within each, the larger stated amount first, then the earlier deadline."""
    results = [match_measure(profile, measure, as_of) for measure in measures]
    return sorted(results, key=_rank)


def _rank(found: MeasureMatch) -> tuple[int, float, datetime.date, str]:
    amount = found.measure.benefit.amount_wan
    deadline = found.measure.deadline or datetime.date.max
    return (_ORDER[found.result], -(amount if amount is not None else -1.0), deadline, found.measure.id)


def matching_json(profile: EnterpriseProfile, results: Iterable[MeasureMatch],
                  as_of: datetime.date) -> dict[str, Any]:
    """The CLI contract: ``{"profile": {..., "size"}, "as_of", "measures": [...]}``."""
    return {"profile": profile.to_json(), "as_of": as_of.isoformat(),
            "measures": [found.to_json() for found in results]}


# The profile fields that decide each condition type: what a form should ask when a condition is unknown.
FIELDS_OF_CONDITION: dict[str, tuple[str, ...]] = {
    ConditionType.SIZE_IN: ("industry", "employees", "revenue", "assets"),
    ConditionType.INDUSTRY_IN: ("industry",),
    ConditionType.REGION: ("region",),
    ImplicitCondition.REGION: ("region",),
    ConditionType.EMPLOYEES: ("employees",),
    ConditionType.ESTABLISHED: ("established",),
    ConditionType.TAXPAYER_TYPE: ("taxpayer_type",),
    ConditionType.TAX_CREDIT_LEVEL: ("tax_credit_level",),
    ConditionType.QUALIFICATION: ("qualifications",),
    ConditionType.NO_SERIOUS_DISHONESTY: ("serious_dishonesty",),
    ConditionType.REVENUE: ("revenue",),
    ConditionType.ASSETS: ("assets",),
}


def fields_to_ask(profile: EnterpriseProfile, measures: Iterable[SupportMeasure],
                  as_of: datetime.date) -> list[str]:
    """Profile fields still missing that would decide a condition of a measure not yet ruled out,
    the field deciding the most measures first: what the chat asks next, one question at a time.

    For the size, only the figures the standard needs for the enterprise's industry are asked
    (assets for 建筑业, not for 餐饮业)."""
    counts: dict[str, int] = {}
    for found in (match_measure(profile, measure, as_of) for measure in measures):
        if found.result != MatchResult.UNKNOWN:
            continue
        wanted: set[str] = set()
        for outcome in found.unknown:
            for name in FIELDS_OF_CONDITION.get(outcome.type, ()):
                if getattr(profile, name) is None and _needed_for_size(profile, name, outcome.type):
                    wanted.add(name)
        for name in wanted:
            counts[name] = counts.get(name, 0) + 1
    order = list(EnterpriseProfile.model_fields)
    return sorted(counts, key=lambda name: (-counts[name], order.index(name)))


def _needed_for_size(profile: EnterpriseProfile, name: str, condition_type: str) -> bool:
    if condition_type != ConditionType.SIZE_IN or name == "industry" or profile.industry is None:
        return True
    from indexer.policy_matching.errors import ProfileError
    from indexer.policy_matching.size import STANDARD, Indicator, size_category

    try:
        category = size_category(profile.industry)
    except ProfileError:
        return False  # a coarse industry: ask for the industry again, not for figures
    return Indicator(name) in STANDARD[category].indicators
