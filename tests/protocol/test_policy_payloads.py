"""The 政策计算器's payloads (policy_matches, policy_profile): what parse_custom takes and refuses."""
from __future__ import annotations

import copy
from typing import Any

from daofu_protocol import CustomPayload, parse_custom

CONDITION = {"type": "size_in", "text": "小微企业", "met": True, "evidence": "对中小微企业"}
MEASURE = {"id": "m1", "policy_id": "doc1", "title": "房租减免", "level": "省", "issuer": "北京市人民政府",
           "result": "possible", "conditions": [CONDITION, {**CONDITION, "type": "manual", "met": None}],
           "benefit": "免收3个月房租", "how": "申报", "deadline": "", "where_to_apply": "", "contact_phone": ""}
MATCHES = {"as_of": "2020-03-01", "profile_summary": "餐饮业 · 小型", "measures": [MEASURE], "eligible": 0,
           "possible": 1, "unknown": 3, "ineligible": 46, "expired": 0, "more": 0}
PROFILE = {"consent": True, "fields": [{"name": "industry", "value": "62"}, {"name": "employees", "value": "unknown"}]}


def test_the_result_card_and_the_saved_profile_parse() -> None:
    parsed = parse_custom({"policy_matches": MATCHES, "policy_profile": PROFILE})
    assert parsed is not None
    assert parsed.policy_matches == MATCHES and parsed.policy_profile == PROFILE
    assert CustomPayload(policy_matches=MATCHES).to_json() == {"policy_matches": MATCHES}  # type: ignore[typeddict-item]


def broken(path: list[Any], value: Any) -> dict[str, Any]:
    data = copy.deepcopy({"policy_matches": MATCHES})
    target: Any = data["policy_matches"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def test_wrong_shapes_read_as_no_payload() -> None:
    assert parse_custom(broken(["eligible"], True)) is None  # a count is an int, not a bool
    assert parse_custom(broken(["eligible"], 1.5)) is None
    assert parse_custom(broken(["measures", 0, "conditions", 0, "met"], "yes")) is None
    assert parse_custom(broken(["measures", 0, "title"], None)) is None
    assert parse_custom({"policy_profile": {"consent": True}}) is None  # fields missing
    assert parse_custom({"policy_profile": {**PROFILE, "credit_code": "x"}}) is None  # unknown key
