"""The enterprise profile that measures are matched against (Pydantic: it arrives as JSON from a
file, the chat or the desk). A field left out (None) means "not known": conditions on it stay unknown.
"""
from __future__ import annotations

import datetime
import re
from enum import StrEnum
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator

from indexer.policy_matching.credit_code import credit_code_problem
from indexer.policy_matching.errors import ProfileError
from indexer.policy_matching.industry import Industry, classification
from indexer.policy_matching.size import EnterpriseSize, enterprise_size, size_category


class TaxpayerType(StrEnum):
    GENERAL = "一般纳税人"
    SMALL_SCALE = "小规模纳税人"


class TaxCreditLevel(StrEnum):
    """纳税信用级别 (国家税务总局公告2014年第40号, M added by 公告2018年第8号)."""

    A = "A"
    B = "B"
    M = "M"
    C = "C"
    D = "D"


class Qualification(StrEnum):
    HIGH_TECH = "高新技术企业"
    TECH_SME = "科技型中小企业"
    SPECIALISED_SME = "专精特新中小企业"
    LITTLE_GIANT = "专精特新“小巨人”企业"
    EPIDEMIC_KEY_SUPPLIER = "疫情防控重点保障企业"
    ADVANCED_TECH_SERVICE = "技术先进型服务企业"
    FOREIGN_TRADE = "外贸企业"


QUALIFICATION_ALIASES = {
    "高企": Qualification.HIGH_TECH, "国家高新技术企业": Qualification.HIGH_TECH,
    "专精特新": Qualification.SPECIALISED_SME, "专精特新企业": Qualification.SPECIALISED_SME,
    "小巨人": Qualification.LITTLE_GIANT, "专精特新小巨人": Qualification.LITTLE_GIANT,
    "专精特新\"小巨人\"企业": Qualification.LITTLE_GIANT, "重点保障企业": Qualification.EPIDEMIC_KEY_SUPPLIER,
}

_REGION_PART = re.compile(r".+?(?:特别行政区|自治区|自治州|自治县|地区|新区|省|市|盟|区|县|旗)|.+$")
_LEVEL_SUFFIX = re.compile(r"(省|市|自治区|特别行政区)$")


def region_parts(region: str) -> list[str]:
    """``"广东省广州市天河区"`` → ``["广东省", "广州市", "天河区"]``."""
    text = re.sub(r"\s+", "", region)
    return [part for part in _REGION_PART.findall(text) if part]


def region_key(part: str) -> str:
    """Compare 北京 and 北京市, 广东 and 广东省 as the same place."""
    return _LEVEL_SUFFIX.sub("", part) if len(part) > 2 else part


class EnterpriseProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)

    # Other systems name these fields differently; the common spellings are accepted too.
    name: str = Field(default="", max_length=200, validation_alias=AliasChoices("name", "enterprise_name"))
    credit_code: str | None = Field(default=None, validation_alias=AliasChoices(  # 统一社会信用代码
        "credit_code", "unified_social_credit_code", "uscc"))
    region: str | None = None  # registered place, e.g. 北京市海淀区
    industry: str | None = None  # GB/T 4754-2017 code after validation ("62"); a name is accepted
    established: datetime.date | None = Field(default=None, validation_alias=AliasChoices(
        "established", "established_date", "establishment_date"))
    employees: int | None = Field(default=None, ge=0, validation_alias=AliasChoices(  # 从业人员
        "employees", "employee_count"))
    revenue: float | None = Field(default=None, ge=0, validation_alias=AliasChoices(  # 上年营业收入, 万元
        "revenue", "operating_revenue"))
    assets: float | None = Field(default=None, ge=0, validation_alias=AliasChoices(  # 上年末资产总额, 万元
        "assets", "total_assets"))
    taxpayer_type: TaxpayerType | None = None
    tax_credit_level: TaxCreditLevel | None = None
    qualifications: list[Qualification] | None = None  # None: not asked; []: none
    serious_dishonesty: bool | None = None  # 严重失信主体名单
    declared_size: EnterpriseSize | None = None  # what the enterprise says when figures are missing

    @field_validator("credit_code", mode="before")
    @classmethod
    def _credit_code(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise ValueError("应为字符串")
        code = value.strip().upper()
        problem = credit_code_problem(code)
        if problem:
            raise ValueError(f"统一社会信用代码无效：{problem}")
        return code

    @field_validator("industry", mode="before")
    @classmethod
    def _industry(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            value = str(value)
        try:
            return classification().find(value).code
        except ProfileError as error:
            raise ValueError(error.message) from None

    @field_validator("region", mode="before")
    @classmethod
    def _region(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = re.sub(r"\s+", "", value) or None
        return value

    @field_validator("qualifications", mode="before")
    @classmethod
    def _qualifications(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [QUALIFICATION_ALIASES.get(item.strip(), item.strip()) if isinstance(item, str) else item
                    for item in value]
        return value

    @property
    def industry_info(self) -> Industry | None:
        return classification().by_code[self.industry] if self.industry else None

    @property
    def region_path(self) -> list[str]:
        return region_parts(self.region) if self.region else []

    def size(self) -> EnterpriseSize | None:
        """Size by the standard when industry and figures allow it, else the declared size, else None."""
        if self.industry is not None:
            try:
                category = size_category(self.industry)
                return enterprise_size(category, self.employees, self.revenue, self.assets)
            except ProfileError:
                pass  # figures missing or a coarse industry: fall back to what the enterprise said
        return self.declared_size

    def to_json(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", exclude_none=True)
        info = self.industry_info
        if info is not None:
            data["industry_name"] = info.name
        size = self.size()
        data["size"] = size.value if size else None
        return data


def load_profile(data: Any) -> EnterpriseProfile:
    """A validated profile; ProfileError naming the first bad field otherwise."""
    if not isinstance(data, dict):
        raise ProfileError("profile", "应为 JSON 对象，例如 {\"name\": \"某某餐饮有限公司\", \"industry\": \"62\"}")
    try:
        return EnterpriseProfile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "profile"
        raise ProfileError(field, _chinese(first)) from None


def _chinese(error: Any) -> str:
    kind = error["type"]
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return "不是企业画像的字段（可用字段：" + "、".join(EnterpriseProfile.model_fields) + "）"
    if kind == "missing":
        return "必填"
    if kind in {"greater_than_equal", "greater_than"}:
        return f"不能为负数，得到 {error.get('input')}"
    if kind in {"enum", "literal_error"}:
        expected = error.get("ctx", {}).get("expected", "")
        return f"取值“{error.get('input')}”无效，可选：{expected}"
    if kind.startswith("date"):
        return f"日期“{error.get('input')}”无效，请写成 YYYY-MM-DD"
    if kind.startswith(("int", "float")):
        return f"应为数字，得到“{error.get('input')}”"
    return f"值无效（{error['msg']}）"
