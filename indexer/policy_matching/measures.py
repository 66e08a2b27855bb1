"""Structured support measures (申兑指南): what a measure gives, to whom, under which conditions,
how it is obtained, and the passage of the policy document it comes from.

Conditions are typed where the policy text allows a check over the enterprise profile, and kept
as text (``manual``: 需人工确认) otherwise. Every condition carries the words of the policy it
stands for (``evidence``), so a result can show why.
"""
from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from indexer.nlp import NATIONAL_ORGANS, PROVINCES
from indexer.policy_matching.errors import MeasureDataError
from indexer.policy_matching.industry import classification
from indexer.policy_matching.profile import (
    EnterpriseProfile,
    Qualification,
    TaxCreditLevel,
    TaxpayerType,
    region_key,
    region_parts,
)
from indexer.policy_matching.size import EnterpriseSize

NATIONWIDE = "全国"
MANUAL_CHECK = "需人工确认"


class Level(StrEnum):
    NATIONAL = "国家"
    PROVINCE = "省"
    CITY = "市"
    DISTRICT = "区"


class HowObtained(StrEnum):
    AUTOMATIC = "免申即享"  # granted to those who qualify, no application
    FAST = "快申快享"  # a short application, quick approval
    APPLICATION = "申报"  # an ordinary application
    UNSTATED = "未说明"  # the policy does not say; a person asks the department


class ConditionType(StrEnum):
    SIZE_IN = "size_in"
    INDUSTRY_IN = "industry_in"
    REGION = "region"
    EMPLOYEES = "employees"
    ESTABLISHED = "established"
    TAXPAYER_TYPE = "taxpayer_type"
    TAX_CREDIT_LEVEL = "tax_credit_level"
    QUALIFICATION = "qualification"
    NO_SERIOUS_DISHONESTY = "no_serious_dishonesty"
    REVENUE = "revenue"
    ASSETS = "assets"
    MANUAL = "manual"


class _Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1)  # the condition in a sentence, for people
    evidence: str = ""  # the policy's own words (must occur in the source document)

    def check(self, profile: EnterpriseProfile) -> bool | None:  # pragma: no cover - every subclass overrides
        raise NotImplementedError


class SizeIn(_Condition):
    type: Literal[ConditionType.SIZE_IN] = ConditionType.SIZE_IN
    sizes: list[EnterpriseSize] = Field(min_length=1)

    def check(self, profile: EnterpriseProfile) -> bool | None:
        size = profile.size()
        return None if size is None else size in self.sizes


class IndustryIn(_Condition):
    type: Literal[ConditionType.INDUSTRY_IN] = ConditionType.INDUSTRY_IN
    industries: list[str] = Field(min_length=1)  # GB/T 4754-2017 codes: sections, divisions or groups

    @field_validator("industries")
    @classmethod
    def _known(cls, codes: list[str]) -> list[str]:
        table = classification().by_code
        unknown = [code for code in codes if code not in table]
        if unknown:
            raise ValueError(f"unknown GB/T 4754-2017 codes {unknown}")
        return codes

    def check(self, profile: EnterpriseProfile) -> bool | None:
        if profile.industry is None:
            return None
        return self._covers(profile.industry)

    def _covers(self, industry: str) -> bool | None:
        table = classification()
        if any(table.contains(code, industry) for code in self.industries):
            return True
        if not any(table.contains(industry, code) for code in self.industries):
            return False
        # A coarse profile industry ("H") that contains required ones: met when all of its parts are
        # (H = 61 + 62), undecided when only some are ("G" for a list holding 54 but not 60).
        parts = [self._covers(child.code) for child in table.children(industry)]
        return True if parts and all(part is True for part in parts) else None


class Region(_Condition):
    type: Literal[ConditionType.REGION] = ConditionType.REGION
    region: str = Field(min_length=1)

    def check(self, profile: EnterpriseProfile) -> bool | None:
        return region_covers(self.region, profile.region)


class Employees(_Condition):
    type: Literal[ConditionType.EMPLOYEES] = ConditionType.EMPLOYEES
    min: int | None = Field(default=None, ge=0)  # inclusive
    max: int | None = Field(default=None, ge=0)  # inclusive

    def check(self, profile: EnterpriseProfile) -> bool | None:
        return _within(profile.employees, self.min, self.max)


class Established(_Condition):
    """Established strictly before ``before`` and/or on or after ``on_or_after``."""

    type: Literal[ConditionType.ESTABLISHED] = ConditionType.ESTABLISHED
    before: datetime.date | None = None
    on_or_after: datetime.date | None = None

    def check(self, profile: EnterpriseProfile) -> bool | None:
        if profile.established is None:
            return None
        if self.before is not None and not profile.established < self.before:
            return False
        return not (self.on_or_after is not None and profile.established < self.on_or_after)


class TaxpayerTypeIs(_Condition):
    type: Literal[ConditionType.TAXPAYER_TYPE] = ConditionType.TAXPAYER_TYPE
    value: TaxpayerType

    def check(self, profile: EnterpriseProfile) -> bool | None:
        return None if profile.taxpayer_type is None else profile.taxpayer_type == self.value


class TaxCreditLevelIn(_Condition):
    type: Literal[ConditionType.TAX_CREDIT_LEVEL] = ConditionType.TAX_CREDIT_LEVEL
    levels: list[TaxCreditLevel] = Field(min_length=1)

    def check(self, profile: EnterpriseProfile) -> bool | None:
        return None if profile.tax_credit_level is None else profile.tax_credit_level in self.levels


class HasQualification(_Condition):
    """Holds at least one of the qualifications."""

    type: Literal[ConditionType.QUALIFICATION] = ConditionType.QUALIFICATION
    any_of: list[Qualification] = Field(min_length=1)

    def check(self, profile: EnterpriseProfile) -> bool | None:
        if profile.qualifications is None:
            return None
        return any(q in profile.qualifications for q in self.any_of)


class NoSeriousDishonesty(_Condition):
    type: Literal[ConditionType.NO_SERIOUS_DISHONESTY] = ConditionType.NO_SERIOUS_DISHONESTY

    def check(self, profile: EnterpriseProfile) -> bool | None:
        return None if profile.serious_dishonesty is None else not profile.serious_dishonesty


class Revenue(_Condition):
    type: Literal[ConditionType.REVENUE] = ConditionType.REVENUE
    min: float | None = Field(default=None, ge=0)  # 万元, inclusive
    max: float | None = Field(default=None, ge=0)

    def check(self, profile: EnterpriseProfile) -> bool | None:
        return _within(profile.revenue, self.min, self.max)


class Assets(_Condition):
    type: Literal[ConditionType.ASSETS] = ConditionType.ASSETS
    min: float | None = Field(default=None, ge=0)
    max: float | None = Field(default=None, ge=0)

    def check(self, profile: EnterpriseProfile) -> bool | None:
        return _within(profile.assets, self.min, self.max)


class Manual(_Condition):
    """A condition the profile cannot decide (受疫情影响较大, 不裁员或少裁员 …): a person checks it."""

    type: Literal[ConditionType.MANUAL] = ConditionType.MANUAL

    def check(self, profile: EnterpriseProfile) -> bool | None:
        return None


Condition = Annotated[
    SizeIn | IndustryIn | Region | Employees | Established | TaxpayerTypeIs | TaxCreditLevelIn | HasQualification
    | NoSeriousDishonesty | Revenue | Assets | Manual,
    Field(discriminator="type"),
]


def _within(value: float | None, low: float | None, high: float | None) -> bool | None:
    if value is None:
        return None
    return (low is None or value >= low) and (high is None or value <= high)


def region_covers(measure_region: str, profile_region: str | None) -> bool | None:
    """Whether an enterprise registered in ``profile_region`` is inside ``measure_region``.

    None when the profile is too coarse to tell (北京市 for a measure of 北京市海淀区) or empty.
    """
    if measure_region == NATIONWIDE:
        return True
    if not profile_region:
        return None
    wanted = [region_key(part) for part in region_parts(measure_region)]
    have = [region_key(part) for part in region_parts(profile_region)]
    if all(part in have for part in wanted):
        return True
    if wanted[-1] in have and not any(part not in wanted for part in have[:have.index(wanted[-1])]):
        return True  # the profile left out the province: 泰州市 for 江苏省泰州市
    if have == wanted[:len(have)]:
        return None
    return False


class Benefit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1)  # 补贴标准 in the policy's words
    amount_wan: float | None = Field(default=None, ge=0)  # largest stated amount per enterprise, 万元
    rate: float | None = Field(default=None, ge=0, le=1)  # a stated share: 0.5 for 减半, 1.0 for 免征


class ApplicationPeriod(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    start: datetime.date | None = None
    end: datetime.date | None = None  # last day; after it the measure is over
    text: str = ""  # the period in the policy's words


class SourcePassage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    document_id: str = Field(min_length=1)
    passage: str = Field(min_length=1)


class SupportMeasure(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    policy_id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    issuer: str = ""
    level: Level | None = None  # derived from the issuer when left out; editors may override
    region: str = NATIONWIDE  # where an enterprise must be registered: 全国, 北京市, 北京市海淀区
    target: str = ""  # 惠及对象 in the policy's words
    conditions: list[Condition] = Field(default_factory=list)
    benefit: Benefit
    how: HowObtained
    application_period: ApplicationPeriod | None = None
    where_to_apply: str = ""
    contact_phone: str = ""
    source: SourcePassage

    @model_validator(mode="after")
    def _derive(self) -> SupportMeasure:
        if self.level is None:
            object.__setattr__(self, "level", derive_level(self.issuer, self.region))
        if self.source.document_id != self.policy_id:
            raise ValueError("source.document_id must equal policy_id")
        return self

    @property
    def deadline(self) -> datetime.date | None:
        return self.application_period.end if self.application_period else None


_DISTRICT = re.compile(r"(?<!自治)(区|县|旗)(人民政府|政府|委员会|办公室|.{0,8}局|.{0,8}委)")
_MUNICIPALITIES = ("北京", "天津", "上海", "重庆")


def derive_level(issuer: str, region: str = "") -> Level:
    """国家 / 省 / 市 / 区 of an issuing organ, e.g. 北京市海淀区人民政府 → 区, 陕西省人民政府办公厅 → 省.

    An organ of a 直辖市 (北京市水务局) is provincial. Without a recognisable issuer the region decides.
    """
    name = re.sub(r"\s+", "", issuer)
    for prefix in ("国家税务总局", "中国人民银行"):  # their local branches carry the local level
        if name.startswith(prefix) and len(name) > len(prefix) + 2:
            name = name[len(prefix):]
    if not name:
        return _level_of_region(region)
    if _DISTRICT.search(name):
        return Level.DISTRICT
    if name.startswith(_MUNICIPALITIES):
        return Level.PROVINCE
    province = next((p for p in PROVINCES if name.startswith(p)), None)
    if province is not None:
        rest = re.sub(r"^(省|.{0,4}自治区)", "", name[len(province):])
        return Level.CITY if re.match(r"^.{1,6}市", rest) else Level.PROVINCE
    if "市" in name:
        return Level.CITY
    if name.startswith(("国务院", "国家", "中国", "全国")) or any(organ in name for organ in NATIONAL_ORGANS):
        return Level.NATIONAL
    return _level_of_region(region)


def _level_of_region(region: str) -> Level:
    parts = region_parts(region) if region and region != NATIONWIDE else []
    if not parts:
        return Level.NATIONAL
    if len(parts) == 1:
        return Level.PROVINCE if parts[0].endswith(("省", "自治区")) or parts[0][:2] in _MUNICIPALITIES else Level.CITY
    if parts[0][:2] in _MUNICIPALITIES or len(parts) >= 3:
        return Level.DISTRICT
    return Level.CITY


def parse_measure(data: Any, where: str = "measure") -> SupportMeasure:
    try:
        return SupportMeasure.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        raise MeasureDataError(f"{where}: {location}: {first['msg']}; fix the record and load again") from None


def load_measures(paths: Iterable[Path]) -> list[SupportMeasure]:
    """Every measure of the JSONL files (one object per line); MeasureDataError names file and line."""
    measures: list[SupportMeasure] = []
    seen: dict[str, str] = {}
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError as error:
                raise MeasureDataError(f"{where}: not JSON ({error.msg}); one measure object per line") from None
            measure = parse_measure(data, where)
            if measure.id in seen:
                raise MeasureDataError(f"{where}: measure id {measure.id} is already used at {seen[measure.id]}")
            seen[measure.id] = where
            measures.append(measure)
    return measures


def check_against_documents(measures: Iterable[SupportMeasure], documents: dict[str, str]) -> list[str]:
    """Problems of measures whose document is missing or whose passages are not in its text."""
    problems: list[str] = []
    for measure in measures:
        text = documents.get(measure.policy_id)
        if text is None:
            problems.append(f"{measure.id}: document {measure.policy_id} is not in the policy corpus")
            continue
        if measure.source.passage not in text:
            problems.append(f"{measure.id}: source passage is not in document {measure.policy_id}")
        for index, condition in enumerate(measure.conditions):
            if condition.evidence and condition.evidence not in text:
                problems.append(f"{measure.id}: evidence of condition {index} ({condition.text}) is not in the document")
    return problems
