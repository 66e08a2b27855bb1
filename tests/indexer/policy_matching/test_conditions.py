"""Each condition type: met, failed, and unknown when the profile lacks the field."""
from __future__ import annotations

from typing import Any

import pytest

from indexer.policy_matching.measures import SupportMeasure, parse_measure, region_covers
from indexer.policy_matching.profile import load_profile

BASE = {"name": "测试企业"}


def condition(data: dict[str, Any]) -> Any:
    measure = parse_measure({
        "id": "t-01", "policy_id": "doc", "title": "测试", "benefit": {"text": "补贴"}, "how": "申报",
        "source": {"document_id": "doc", "passage": "测试"}, "conditions": [{"text": "条件", **data}],
    })
    assert isinstance(measure, SupportMeasure)
    return measure.conditions[0]


def check(data: dict[str, Any], **profile: Any) -> bool | None:
    result: bool | None = condition(data).check(load_profile({**BASE, **profile}))
    return result


CASES: list[tuple[dict[str, Any], dict[str, Any], bool | None]] = [
    ({"type": "size_in", "sizes": ["小型", "微型"]}, {"industry": "62", "employees": 40, "revenue": 600}, True),
    ({"type": "size_in", "sizes": ["小型", "微型"]}, {"industry": "62", "employees": 150, "revenue": 3000}, False),
    ({"type": "size_in", "sizes": ["小型", "微型"]}, {"industry": "62"}, None),
    ({"type": "industry_in", "industries": ["61", "62"]}, {"industry": "餐饮业"}, True),
    ({"type": "industry_in", "industries": ["H"]}, {"industry": "62"}, True),
    ({"type": "industry_in", "industries": ["62"]}, {"industry": "H"}, None),
    ({"type": "industry_in", "industries": ["61", "62"]}, {"industry": "H"}, True),
    ({"type": "industry_in", "industries": ["591"]}, {"industry": "59"}, None),
    ({"type": "industry_in", "industries": ["61", "62"]}, {"industry": "C"}, False),
    ({"type": "industry_in", "industries": ["62"]}, {}, None),
    ({"type": "region", "region": "北京市"}, {"region": "北京市海淀区"}, True),
    ({"type": "region", "region": "北京市海淀区"}, {"region": "北京市朝阳区"}, False),
    ({"type": "region", "region": "北京市海淀区"}, {"region": "北京市"}, None),
    ({"type": "region", "region": "江苏省泰州市"}, {"region": "泰州市海陵区"}, True),
    ({"type": "region", "region": "陕西省"}, {"region": "广东省广州市"}, False),
    ({"type": "region", "region": "陕西省"}, {}, None),
    ({"type": "employees", "min": 10}, {"employees": 10}, True),
    ({"type": "employees", "min": 10}, {"employees": 9}, False),
    ({"type": "employees", "max": 30}, {"employees": 30}, True),
    ({"type": "employees", "max": 30}, {"employees": 31}, False),
    ({"type": "employees", "max": 30}, {}, None),
    ({"type": "established", "before": "2020-01-01"}, {"established": "2019-12-31"}, True),
    ({"type": "established", "before": "2020-01-01"}, {"established": "2020-01-01"}, False),
    ({"type": "established", "on_or_after": "2019-01-01"}, {"established": "2019-01-01"}, True),
    ({"type": "established", "on_or_after": "2019-01-01"}, {"established": "2018-12-31"}, False),
    ({"type": "established", "before": "2020-01-01"}, {}, None),
    ({"type": "taxpayer_type", "value": "小规模纳税人"}, {"taxpayer_type": "小规模纳税人"}, True),
    ({"type": "taxpayer_type", "value": "小规模纳税人"}, {"taxpayer_type": "一般纳税人"}, False),
    ({"type": "taxpayer_type", "value": "小规模纳税人"}, {}, None),
    ({"type": "tax_credit_level", "levels": ["A", "B", "M"]}, {"tax_credit_level": "M"}, True),
    ({"type": "tax_credit_level", "levels": ["A", "B", "M"]}, {"tax_credit_level": "C"}, False),
    ({"type": "tax_credit_level", "levels": ["A"]}, {}, None),
    ({"type": "qualification", "any_of": ["高新技术企业", "科技型中小企业"]}, {"qualifications": ["科技型中小企业"]}, True),
    ({"type": "qualification", "any_of": ["高新技术企业"]}, {"qualifications": []}, False),
    ({"type": "qualification", "any_of": ["高新技术企业"]}, {}, None),
    ({"type": "no_serious_dishonesty"}, {"serious_dishonesty": False}, True),
    ({"type": "no_serious_dishonesty"}, {"serious_dishonesty": True}, False),
    ({"type": "no_serious_dishonesty"}, {}, None),
    ({"type": "revenue", "max": 2000}, {"revenue": 2000}, True),
    ({"type": "revenue", "min": 100, "max": 2000}, {"revenue": 99}, False),
    ({"type": "revenue", "min": 100}, {}, None),
    ({"type": "assets", "max": 5000}, {"assets": 5000.5}, False),
    ({"type": "assets", "min": 1000}, {"assets": 1000}, True),
    ({"type": "assets", "max": 5000}, {}, None),
    ({"type": "manual"}, {"industry": "62", "employees": 3, "revenue": 10}, None),
]


@pytest.mark.parametrize("data, profile, expected", CASES)
def test_condition(data: dict[str, Any], profile: dict[str, Any], expected: bool | None) -> None:
    assert check(data, **profile) is expected


def test_every_condition_type_is_tested() -> None:
    from indexer.policy_matching.measures import ConditionType

    assert {case[0]["type"] for case in CASES} == {t.value for t in ConditionType}


@pytest.mark.parametrize("data", [
    {"type": "industry_in", "industries": ["99"]},
    {"type": "size_in", "sizes": []},
    {"type": "size_in", "sizes": ["巨型"]},
    {"type": "employees", "min": -1},
    {"type": "no_such_type"},
])
def test_bad_conditions_are_refused_on_load(data: dict[str, Any]) -> None:
    from indexer.policy_matching.errors import MeasureDataError

    with pytest.raises(MeasureDataError):
        condition(data)


def test_nationwide_covers_every_place() -> None:
    assert region_covers("全国", None) is True and region_covers("全国", "西藏自治区拉萨市") is True
