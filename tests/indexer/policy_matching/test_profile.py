from __future__ import annotations

import datetime
from typing import Any

import pytest

from indexer.policy_matching.errors import ProfileError
from indexer.policy_matching.industry import classification
from indexer.policy_matching.profile import Qualification, load_profile, region_parts
from indexer.policy_matching.size import EnterpriseSize


def test_a_full_profile_is_normalised() -> None:
    profile = load_profile({
        "name": "某某餐饮有限公司", "credit_code": "91350100m000100y43", "region": "北京市 海淀区", "industry": "餐饮",
        "established": "2015-06-01", "employees": 40, "revenue": 600, "taxpayer_type": "小规模纳税人",
        "tax_credit_level": "B", "qualifications": ["高企", "专精特新"], "serious_dishonesty": False,
    })
    assert profile.credit_code == "91350100M000100Y43"
    assert profile.industry == "62" and profile.region == "北京市海淀区"
    assert profile.established == datetime.date(2015, 6, 1)
    assert profile.qualifications == [Qualification.HIGH_TECH, Qualification.SPECIALISED_SME]
    assert profile.size() == EnterpriseSize.SMALL
    data = profile.to_json()
    assert data["size"] == "小型" and data["industry_name"] == "餐饮业"


@pytest.mark.parametrize("data, field", [
    ({"name": "x", "industry": "火星采矿"}, "industry"),
    ({"name": "x", "employees": -5}, "employees"),
    ({"name": "x", "revenue": -0.5}, "revenue"),
    ({"name": "x", "credit_code": "91350100M000100Y44"}, "credit_code"),
    ({"name": "x", "credit_code": "123"}, "credit_code"),
    ({"name": "x", "established": "2020-02-30"}, "established"),
    ({"name": "x", "taxpayer_type": "大规模纳税人"}, "taxpayer_type"),
    ({"name": "x", "tax_credit_level": "E"}, "tax_credit_level"),
    ({"name": "x", "qualifications": ["诺贝尔奖"]}, "qualifications.0"),
    ({"name": "x", "employes": 3}, "employes"),
    ({"industry": "62", "operating_revenue": -1}, "operating_revenue"),
    ({"name": "x", "employees": "很多"}, "employees"),
])
def test_bad_fields_are_named(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile(data)
    assert caught.value.field == field
    assert caught.value.message  # a Chinese sentence, not a stack trace


def test_a_profile_must_be_an_object() -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile(["name"])
    assert caught.value.field == "profile"


def test_size_falls_back_to_what_the_enterprise_declared() -> None:
    profile = load_profile({"name": "x", "industry": "62", "declared_size": "微型"})
    assert profile.size() == EnterpriseSize.MICRO  # no figures: the declared size
    profile = load_profile({"name": "x", "industry": "62", "employees": 150, "revenue": 3000, "declared_size": "微型"})
    assert profile.size() == EnterpriseSize.MEDIUM  # figures win over the declaration
    assert load_profile({"name": "x"}).size() is None


@pytest.mark.parametrize("region, parts", [
    ("广东省广州市天河区", ["广东省", "广州市", "天河区"]),
    ("北京市海淀区", ["北京市", "海淀区"]),
    ("内蒙古自治区呼和浩特市", ["内蒙古自治区", "呼和浩特市"]),
    ("江苏省泰州市", ["江苏省", "泰州市"]),
])
def test_region_parts(region: str, parts: list[str]) -> None:
    assert region_parts(region) == parts


def test_classification_has_every_section_and_division() -> None:
    table = classification()
    sections = [i for i in table.by_code.values() if i.level == "门类"]
    divisions = [i for i in table.by_code.values() if i.level == "大类"]
    assert [s.code for s in sections] == list("ABCDEFGHIJKLMNOPQRST")
    assert len(divisions) == 97 and {d.code for d in divisions} == {f"{n:02d}" for n in range(1, 98)}
    assert table.ancestors("701") == ["701", "70", "K"]
    assert table.find("62 餐饮业").code == "62" and table.find("c").code == "C"
    assert "GB/T 4754-2017" in table.source


def test_other_spellings_of_fields_and_no_name_are_accepted() -> None:
    profile = load_profile({"industry": "62", "employee_count": 20, "operating_revenue": 300, "total_assets": 80,
                            "established_date": "2015-01-01", "unified_social_credit_code": "91350100m000100y43"})
    assert (profile.employees, profile.revenue, profile.assets) == (20, 300, 80)
    assert profile.established is not None and profile.credit_code == "91350100M000100Y43"
    assert profile.name == ""
