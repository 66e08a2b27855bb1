"""Enterprise size (大型/中型/小型/微型) by the SME size standard: 中小企业划型标准规定
(工信部联企业〔2011〕300号, article 4), with its thresholds for every industry it lists.

The standard's wording decides the logic: an enterprise is an SME when it is below ANY of the
category's upper bounds ("从业人员1000人以下或营业收入40000万元以下"), so 大型 needs every bound reached;
中型 and 小型 need BOTH of their thresholds ("且"), and an SME that misses the 小型 thresholds on
either indicator is 微型 ("或"). "X及以上" includes X, "X以下" excludes it.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from indexer.policy_matching.errors import ProfileError
from indexer.policy_matching.industry import SizeCategory, classification


class EnterpriseSize(StrEnum):
    LARGE = "大型"
    MEDIUM = "中型"
    SMALL = "小型"
    MICRO = "微型"


class Indicator(StrEnum):
    EMPLOYEES = "employees"  # 从业人员, persons
    REVENUE = "revenue"  # 营业收入, 万元
    ASSETS = "assets"  # 资产总额, 万元


INDICATOR_NAMES = {Indicator.EMPLOYEES: "从业人员", Indicator.REVENUE: "营业收入", Indicator.ASSETS: "资产总额"}
E, R, A = Indicator.EMPLOYEES, Indicator.REVENUE, Indicator.ASSETS


@dataclass(frozen=True)
class Thresholds:
    """Lower bounds (inclusive) of 大型, 中型 and 小型 on the indicators the category uses."""

    large: dict[Indicator, float]
    medium: dict[Indicator, float]
    small: dict[Indicator, float]

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(self.large)


# Article 4, items (一) to (十六); amounts in 万元.
STANDARD: dict[SizeCategory, Thresholds] = {
    SizeCategory.AGRICULTURE: Thresholds({R: 20000}, {R: 500}, {R: 50}),
    SizeCategory.INDUSTRY: Thresholds({E: 1000, R: 40000}, {E: 300, R: 2000}, {E: 20, R: 300}),
    SizeCategory.CONSTRUCTION: Thresholds({R: 80000, A: 80000}, {R: 6000, A: 5000}, {R: 300, A: 300}),
    SizeCategory.WHOLESALE: Thresholds({E: 200, R: 40000}, {E: 20, R: 5000}, {E: 5, R: 1000}),
    SizeCategory.RETAIL: Thresholds({E: 300, R: 20000}, {E: 50, R: 500}, {E: 10, R: 100}),
    SizeCategory.TRANSPORT: Thresholds({E: 1000, R: 30000}, {E: 300, R: 3000}, {E: 20, R: 200}),
    SizeCategory.WAREHOUSING: Thresholds({E: 200, R: 30000}, {E: 100, R: 1000}, {E: 20, R: 100}),
    SizeCategory.POSTAL: Thresholds({E: 1000, R: 30000}, {E: 300, R: 2000}, {E: 20, R: 100}),
    SizeCategory.ACCOMMODATION: Thresholds({E: 300, R: 10000}, {E: 100, R: 2000}, {E: 10, R: 100}),
    SizeCategory.CATERING: Thresholds({E: 300, R: 10000}, {E: 100, R: 2000}, {E: 10, R: 100}),
    SizeCategory.INFORMATION_TRANSMISSION: Thresholds({E: 2000, R: 100000}, {E: 100, R: 1000}, {E: 10, R: 100}),
    SizeCategory.SOFTWARE: Thresholds({E: 300, R: 10000}, {E: 100, R: 1000}, {E: 10, R: 50}),
    SizeCategory.REAL_ESTATE_DEVELOPMENT: Thresholds({R: 200000, A: 10000}, {R: 1000, A: 5000}, {R: 100, A: 2000}),
    SizeCategory.PROPERTY_MANAGEMENT: Thresholds({E: 1000, R: 5000}, {E: 300, R: 1000}, {E: 100, R: 500}),
    SizeCategory.LEASING_AND_BUSINESS_SERVICES: Thresholds({E: 300, A: 120000}, {E: 100, A: 8000}, {E: 10, A: 100}),
    SizeCategory.OTHER: Thresholds({E: 300}, {E: 100}, {E: 10}),
}


def enterprise_size(category: SizeCategory, employees: int | None = None, revenue: float | None = None,
                    assets: float | None = None) -> EnterpriseSize:
    """The size of an enterprise of ``category``; amounts in 万元.

    An indicator the category does not use is ignored. A missing one is only needed when the
    others leave the answer open (an industrial firm of 10 people is 微型 whatever its revenue);
    otherwise ProfileError names it.
    """
    values = {E: employees, R: revenue, A: assets}
    for indicator, value in values.items():
        if value is not None and value < 0:
            raise ProfileError(indicator.value, f"{INDICATOR_NAMES[indicator]}不能为负数，得到 {value}")
    thresholds = STANDARD[category]
    for size, bounds in ((EnterpriseSize.LARGE, thresholds.large), (EnterpriseSize.MEDIUM, thresholds.medium),
                         (EnterpriseSize.SMALL, thresholds.small)):
        reached = _all_reached(bounds, values)
        if reached is True:
            return size
        if reached is None:
            missing = [i for i in bounds if values[i] is None]
            names = "、".join(INDICATOR_NAMES[i] for i in missing)
            raise ProfileError(missing[0].value, f"{category}企业划型需要{names}（{'、'.join(i.value for i in missing)}）")
    return EnterpriseSize.MICRO


def _all_reached(bounds: dict[Indicator, float], values: dict[Indicator, float | int | None]) -> bool | None:
    """True when every bound is reached, False when one is definitely missed, None when it depends on a missing value."""
    unknown = False
    for indicator, bound in bounds.items():
        value = values[indicator]
        if value is None:
            unknown = True
        elif value < bound:
            return False
    return None if unknown else True


def size_category(industry: str, field: str = "industry") -> SizeCategory:
    """The standard's category for a category name ("工业") or any GB/T 4754-2017 industry ("62", "餐饮业", "C")."""
    text = industry.strip()
    for category in SizeCategory:
        if text == category.value:
            return category
    found = classification().find(text, field)
    categories = classification().size_categories(found.code)
    distinct = {_key(STANDARD[c]) for c in categories}
    if len(distinct) == 1:
        # 住宿和餐饮业 (H) spans two categories with identical thresholds: either gives the same size.
        return sorted(categories)[0]
    names = "、".join(sorted(c.value for c in categories))
    raise ProfileError(field, f"“{found.label}”在划型标准中分属{names}，请填写更细的行业（大类或中类），例如 51 批发业、52 零售业")


def _key(thresholds: Thresholds) -> tuple[tuple[tuple[str, float], ...], ...]:
    return tuple(tuple(sorted((i.value, v) for i, v in bounds.items()))
                 for bounds in (thresholds.large, thresholds.medium, thresholds.small))
