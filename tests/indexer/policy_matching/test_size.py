"""The SME size standard (工信部联企业〔2011〕300号, article 4) at every boundary of every industry.

Each row was written from the standard's text, not from the code's table: (employees, revenue,
assets) → size; None where the industry does not use the indicator.
"""
from __future__ import annotations

import pytest

from indexer.policy_matching.errors import ProfileError
from indexer.policy_matching.industry import SizeCategory
from indexer.policy_matching.size import EnterpriseSize, enterprise_size, size_category

L, M, S, W = EnterpriseSize.LARGE, EnterpriseSize.MEDIUM, EnterpriseSize.SMALL, EnterpriseSize.MICRO

CASES: list[tuple[str, int | None, float | None, float | None, EnterpriseSize]] = [
    # (一) 农、林、牧、渔业: 营业收入 20000 以下中小微; 500 及以上中型; 50 及以上小型; 50 以下微型.
    ("农林牧渔业", None, 20000, None, L), ("农林牧渔业", None, 19999, None, M), ("农林牧渔业", None, 500, None, M),
    ("农林牧渔业", None, 499, None, S), ("农林牧渔业", None, 50, None, S), ("农林牧渔业", None, 49.9, None, W),
    # (二) 工业: 1000 人以下或 40000 以下; 中型 300 人且 2000; 小型 20 人且 300; 微型 20 人以下或 300 以下.
    ("工业", 1000, 40000, None, L), ("工业", 999, 40000, None, M), ("工业", 1000, 39999, None, M),
    ("工业", 300, 2000, None, M), ("工业", 299, 2000, None, S), ("工业", 300, 1999, None, S),
    ("工业", 20, 300, None, S), ("工业", 19, 300, None, W), ("工业", 20, 299, None, W), ("工业", 5000, 100, None, W),
    ("工业", 150, 5000, None, S),
    # (三) 建筑业: 营业收入 80000 以下或资产总额 80000 以下; 中型 6000 且 5000; 小型 300 且 300.
    ("建筑业", None, 80000, 80000, L), ("建筑业", None, 79999, 80000, M), ("建筑业", None, 80000, 79999, M),
    ("建筑业", None, 6000, 5000, M), ("建筑业", None, 5999, 5000, S), ("建筑业", None, 6000, 4999, S),
    ("建筑业", None, 300, 300, S), ("建筑业", None, 299, 300, W), ("建筑业", None, 300, 299, W),
    # (四) 批发业: 200 人以下或 40000 以下; 中型 20 人且 5000; 小型 5 人且 1000.
    ("批发业", 200, 40000, None, L), ("批发业", 199, 40000, None, M), ("批发业", 20, 5000, None, M),
    ("批发业", 19, 5000, None, S), ("批发业", 20, 4999, None, S), ("批发业", 5, 1000, None, S),
    ("批发业", 4, 1000, None, W), ("批发业", 5, 999, None, W),
    # (五) 零售业: 300 人以下或 20000 以下; 中型 50 人且 500; 小型 10 人且 100.
    ("零售业", 300, 20000, None, L), ("零售业", 300, 19999, None, M), ("零售业", 50, 500, None, M),
    ("零售业", 49, 500, None, S), ("零售业", 10, 100, None, S), ("零售业", 9, 100, None, W), ("零售业", 10, 99, None, W),
    # (六) 交通运输业: 1000 人以下或 30000 以下; 中型 300 人且 3000; 小型 20 人且 200.
    ("交通运输业", 1000, 30000, None, L), ("交通运输业", 999, 30000, None, M), ("交通运输业", 300, 3000, None, M),
    ("交通运输业", 300, 2999, None, S), ("交通运输业", 20, 200, None, S), ("交通运输业", 20, 199, None, W),
    ("交通运输业", 19, 200, None, W),
    # (七) 仓储业: 200 人以下或 30000 以下; 中型 100 人且 1000; 小型 20 人且 100.
    ("仓储业", 200, 30000, None, L), ("仓储业", 199, 30000, None, M), ("仓储业", 100, 1000, None, M),
    ("仓储业", 99, 1000, None, S), ("仓储业", 20, 100, None, S), ("仓储业", 19, 100, None, W), ("仓储业", 20, 99, None, W),
    # (八) 邮政业: 1000 人以下或 30000 以下; 中型 300 人且 2000; 小型 20 人且 100.
    ("邮政业", 1000, 30000, None, L), ("邮政业", 1000, 29999, None, M), ("邮政业", 300, 2000, None, M),
    ("邮政业", 300, 1999, None, S), ("邮政业", 20, 100, None, S), ("邮政业", 19, 100, None, W), ("邮政业", 20, 99, None, W),
    # (九) 住宿业 and (十) 餐饮业: 300 人以下或 10000 以下; 中型 100 人且 2000; 小型 10 人且 100.
    ("住宿业", 300, 10000, None, L), ("住宿业", 299, 10000, None, M), ("住宿业", 100, 2000, None, M),
    ("住宿业", 99, 2000, None, S), ("住宿业", 10, 100, None, S), ("住宿业", 9, 100, None, W), ("住宿业", 10, 99, None, W),
    ("餐饮业", 300, 10000, None, L), ("餐饮业", 300, 9999, None, M), ("餐饮业", 100, 2000, None, M),
    ("餐饮业", 100, 1999, None, S), ("餐饮业", 10, 100, None, S), ("餐饮业", 9, 100, None, W), ("餐饮业", 10, 99, None, W),
    ("餐饮业", 40, 600, None, S),
    # (十一) 信息传输业: 2000 人以下或 100000 以下; 中型 100 人且 1000; 小型 10 人且 100.
    ("信息传输业", 2000, 100000, None, L), ("信息传输业", 1999, 100000, None, M), ("信息传输业", 100, 1000, None, M),
    ("信息传输业", 99, 1000, None, S), ("信息传输业", 10, 100, None, S), ("信息传输业", 9, 100, None, W),
    ("信息传输业", 10, 99, None, W),
    # (十二) 软件和信息技术服务业: 300 人以下或 10000 以下; 中型 100 人且 1000; 小型 10 人且 50.
    ("软件和信息技术服务业", 300, 10000, None, L), ("软件和信息技术服务业", 300, 9999, None, M),
    ("软件和信息技术服务业", 100, 1000, None, M), ("软件和信息技术服务业", 100, 999, None, S),
    ("软件和信息技术服务业", 10, 50, None, S), ("软件和信息技术服务业", 9, 50, None, W),
    ("软件和信息技术服务业", 10, 49, None, W),
    # (十三) 房地产开发经营: 营业收入 200000 以下或资产总额 10000 以下; 中型 1000 且 5000; 小型 100 且 2000.
    ("房地产开发经营", None, 200000, 10000, L), ("房地产开发经营", None, 199999, 10000, M),
    ("房地产开发经营", None, 200000, 9999, M), ("房地产开发经营", None, 1000, 5000, M),
    ("房地产开发经营", None, 999, 5000, S), ("房地产开发经营", None, 1000, 4999, S),
    ("房地产开发经营", None, 100, 2000, S), ("房地产开发经营", None, 99, 2000, W), ("房地产开发经营", None, 100, 1999, W),
    # (十四) 物业管理: 1000 人以下或 5000 以下; 中型 300 人且 1000; 小型 100 人且 500.
    ("物业管理", 1000, 5000, None, L), ("物业管理", 999, 5000, None, M), ("物业管理", 300, 1000, None, M),
    ("物业管理", 299, 1000, None, S), ("物业管理", 100, 500, None, S), ("物业管理", 99, 500, None, W),
    ("物业管理", 100, 499, None, W),
    # (十五) 租赁和商务服务业: 300 人以下或资产总额 120000 以下; 中型 100 人且 8000; 小型 10 人且 100.
    ("租赁和商务服务业", 300, None, 120000, L), ("租赁和商务服务业", 299, None, 120000, M),
    ("租赁和商务服务业", 300, None, 119999, M), ("租赁和商务服务业", 100, None, 8000, M),
    ("租赁和商务服务业", 100, None, 7999, S), ("租赁和商务服务业", 10, None, 100, S),
    ("租赁和商务服务业", 9, None, 100, W), ("租赁和商务服务业", 10, None, 99, W),
    # (十六) 其他未列明行业: 300 人以下; 中型 100 人及以上; 小型 10 人及以上; 微型 10 人以下.
    ("其他未列明行业", 300, None, None, L), ("其他未列明行业", 299, None, None, M), ("其他未列明行业", 100, None, None, M),
    ("其他未列明行业", 99, None, None, S), ("其他未列明行业", 10, None, None, S), ("其他未列明行业", 9, None, None, W),
    ("其他未列明行业", 0, None, None, W),
]


@pytest.mark.parametrize("category, employees, revenue, assets, expected", CASES)
def test_size_at_the_standards_boundaries(category: str, employees: int | None, revenue: float | None,
                                          assets: float | None, expected: EnterpriseSize) -> None:
    assert enterprise_size(SizeCategory(category), employees, revenue, assets) == expected


def test_every_category_of_the_standard_is_covered() -> None:
    assert {SizeCategory(row[0]) for row in CASES} == set(SizeCategory)
    assert len(SizeCategory) == 16


def test_indicators_the_industry_does_not_use_are_ignored() -> None:
    assert enterprise_size(SizeCategory.AGRICULTURE, employees=5000, revenue=100) == S
    assert enterprise_size(SizeCategory.OTHER, employees=50, revenue=10 ** 7, assets=10 ** 7) == S


def test_a_missing_figure_is_only_needed_when_it_decides() -> None:
    assert enterprise_size(SizeCategory.INDUSTRY, employees=10) == W  # micro by headcount alone
    with pytest.raises(ProfileError) as caught:
        enterprise_size(SizeCategory.INDUSTRY, employees=150)
    assert caught.value.field == "revenue"
    with pytest.raises(ProfileError) as caught:
        enterprise_size(SizeCategory.CONSTRUCTION, revenue=5000)
    assert caught.value.field == "assets"


def test_negative_figures_are_refused() -> None:
    with pytest.raises(ProfileError) as caught:
        enterprise_size(SizeCategory.RETAIL, employees=-1, revenue=10)
    assert caught.value.field == "employees"


@pytest.mark.parametrize("industry, category", [
    ("工业", SizeCategory.INDUSTRY), ("C", SizeCategory.INDUSTRY), ("36", SizeCategory.INDUSTRY),
    ("采矿业", SizeCategory.INDUSTRY), ("44", SizeCategory.INDUSTRY), ("A", SizeCategory.AGRICULTURE),
    ("E", SizeCategory.CONSTRUCTION), ("51", SizeCategory.WHOLESALE), ("零售业", SizeCategory.RETAIL),
    ("54", SizeCategory.TRANSPORT), ("58", SizeCategory.TRANSPORT), ("591", SizeCategory.TRANSPORT),
    ("592", SizeCategory.WAREHOUSING), ("53", SizeCategory.OTHER), ("60", SizeCategory.POSTAL),
    ("61", SizeCategory.ACCOMMODATION), ("餐饮业", SizeCategory.CATERING), ("63", SizeCategory.INFORMATION_TRANSMISSION),
    ("64", SizeCategory.INFORMATION_TRANSMISSION), ("65", SizeCategory.SOFTWARE),
    ("701", SizeCategory.REAL_ESTATE_DEVELOPMENT), ("物业管理", SizeCategory.PROPERTY_MANAGEMENT),
    ("703", SizeCategory.OTHER), ("L", SizeCategory.LEASING_AND_BUSINESS_SERVICES), ("72", SizeCategory.LEASING_AND_BUSINESS_SERVICES),
    ("J", SizeCategory.OTHER), ("83", SizeCategory.OTHER), ("M", SizeCategory.OTHER),
])
def test_gbt4754_industries_map_to_the_standards_categories(industry: str, category: SizeCategory) -> None:
    assert size_category(industry) == category


def test_a_section_with_identical_thresholds_is_accepted() -> None:
    assert size_category("H") in {SizeCategory.ACCOMMODATION, SizeCategory.CATERING}


@pytest.mark.parametrize("industry", ["F", "批发和零售业", "G", "I", "K", "70", "59"])
def test_a_coarse_industry_spanning_categories_asks_for_detail(industry: str) -> None:
    with pytest.raises(ProfileError) as caught:
        size_category(industry)
    assert caught.value.field == "industry" and "更细" in caught.value.message


def test_an_unknown_industry_names_the_field() -> None:
    with pytest.raises(ProfileError) as caught:
        size_category("炼金术")
    assert caught.value.field == "industry"
