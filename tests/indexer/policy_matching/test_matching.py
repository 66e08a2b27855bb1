from __future__ import annotations

import datetime
from typing import Any

from indexer.policy_matching.matching import MatchResult, match, match_measure, matching_json
from indexer.policy_matching.measures import Level, SupportMeasure, derive_level, parse_measure
from indexer.policy_matching.profile import load_profile

AS_OF = datetime.date(2020, 3, 1)
SMALL_CATERER = load_profile({"name": "某餐饮", "region": "北京市海淀区", "industry": "62", "employees": 40,
                              "revenue": 600, "qualifications": []})


def measure(id_: str, conditions: list[dict[str, Any]], *, region: str = "全国", amount: float | None = None,
            end: str | None = None, issuer: str = "") -> SupportMeasure:
    return parse_measure({
        "id": id_, "policy_id": "doc", "title": id_, "issuer": issuer, "region": region, "how": "免申即享",
        "benefit": {"text": "补贴", "amount_wan": amount}, "conditions": conditions,
        "application_period": {"end": end} if end else None,
        "source": {"document_id": "doc", "passage": "原文"},
    })


SME = {"type": "size_in", "sizes": ["中型", "小型", "微型"], "text": "中小微企业", "evidence": "中小微企业"}
LARGE = {"type": "size_in", "sizes": ["大型"], "text": "大型企业"}
MANUAL = {"type": "manual", "text": "受疫情影响较大"}
CATERING = {"type": "industry_in", "industries": ["62"], "text": "餐饮业"}


def test_all_met_is_eligible_one_failed_is_ineligible_else_unknown() -> None:
    assert match_measure(SMALL_CATERER, measure("a", [SME, CATERING]), AS_OF).result == MatchResult.ELIGIBLE
    assert match_measure(SMALL_CATERER, measure("b", [LARGE, MANUAL]), AS_OF).result == MatchResult.INELIGIBLE
    assert match_measure(SMALL_CATERER, measure("c", [SME, MANUAL]), AS_OF).result == MatchResult.UNKNOWN


def test_conditions_carry_their_outcome_and_evidence() -> None:
    found = match_measure(SMALL_CATERER, measure("a", [SME, MANUAL, LARGE]), AS_OF)
    assert [c.met for c in found.conditions] == [True, None, False]
    assert found.conditions[0].evidence == "中小微企业"
    assert [c.text for c in found.met] == ["中小微企业"] and len(found.failed) == 1 and len(found.unknown) == 1
    assert found.to_json()["conditions"][1]["text"] == "受疫情影响较大（需人工确认）"


def test_the_measures_region_is_a_condition() -> None:
    inside = match_measure(SMALL_CATERER, measure("a", [SME], region="北京市"), AS_OF)
    outside = match_measure(SMALL_CATERER, measure("b", [SME], region="陕西省", issuer="陕西省人民政府办公厅"), AS_OF)
    assert inside.result == MatchResult.ELIGIBLE and inside.conditions[0].text == "注册地在北京市"
    assert outside.result == MatchResult.INELIGIBLE and outside.conditions[0].evidence == "发文机关：陕西省人民政府办公厅"


def test_an_expired_measure_is_never_eligible() -> None:
    expired = measure("a", [SME], end="2020-02-29")
    assert match_measure(SMALL_CATERER, expired, AS_OF).result == MatchResult.INELIGIBLE
    assert match_measure(SMALL_CATERER, expired, datetime.date(2020, 2, 29)).result == MatchResult.ELIGIBLE
    unknown_and_expired = measure("b", [MANUAL], end="2020-01-31")
    assert match_measure(SMALL_CATERER, unknown_and_expired, AS_OF).result == MatchResult.INELIGIBLE


def test_ranking_eligible_first_then_amount_then_deadline() -> None:
    measures = [
        measure("ineligible-big", [LARGE], amount=1000),
        measure("unknown-big", [MANUAL], amount=500),
        measure("eligible-small", [SME], amount=1),
        measure("eligible-big-late", [SME], amount=20, end="2020-12-31"),
        measure("eligible-big-soon", [SME], amount=20, end="2020-06-30"),
        measure("eligible-no-amount", [SME]),
    ]
    order = [found.measure.id for found in match(SMALL_CATERER, measures, AS_OF)]
    assert order == ["eligible-big-soon", "eligible-big-late", "eligible-small", "eligible-no-amount",
                     "unknown-big", "ineligible-big"]


def test_json_has_the_contract_shape() -> None:
    results = match(SMALL_CATERER, [measure("a", [SME, MANUAL])], AS_OF)
    data = matching_json(SMALL_CATERER, results, AS_OF)
    assert data["profile"]["size"] == "小型" and data["profile"]["name"] == "某餐饮"
    entry = data["measures"][0]
    assert {"id", "policy_id", "title", "level", "result", "conditions", "benefit", "how"} <= set(entry)
    assert entry["result"] in {"eligible", "ineligible", "unknown"}
    assert all(set(c) >= {"text", "met", "evidence"} for c in entry["conditions"])
    assert entry["how"] == "免申即享" and entry["level"] == "国家"


def test_level_is_derived_from_the_issuer_and_can_be_set() -> None:
    assert derive_level("北京市海淀区人民政府") == Level.DISTRICT
    assert derive_level("北京市人民政府办公厅") == Level.PROVINCE
    assert derive_level("陕西省人民政府办公厅") == Level.PROVINCE
    assert derive_level("泰州市人民政府") == Level.CITY
    assert derive_level("国家税务总局河南省税务局") == Level.PROVINCE
    assert derive_level("人力资源社会保障部 财政部 税务总局") == Level.NATIONAL
    assert derive_level("", "北京市石景山区") == Level.DISTRICT
    edited = parse_measure({"id": "x", "policy_id": "d", "title": "t", "issuer": "泰州市人民政府", "level": "省",
                            "benefit": {"text": "b"}, "how": "申报", "source": {"document_id": "d", "passage": "p"}})
    assert edited.level == Level.PROVINCE


def test_fields_to_ask_are_those_that_decide_open_measures() -> None:
    from indexer.policy_matching.matching import fields_to_ask

    measures = [measure("a", [SME, CATERING]), measure("b", [SME]), measure("c", [LARGE, CATERING]),
                measure("d", [{"type": "tax_credit_level", "levels": ["A"], "text": "A级"}])]
    blank = load_profile({"name": "新企业"})
    assert fields_to_ask(blank, measures, AS_OF) == ["industry", "employees", "revenue", "assets", "tax_credit_level"]
    caterer = load_profile({"name": "某餐饮", "industry": "62"})
    # 餐饮业 is sized by employees and revenue only; the size decides a, b and c.
    assert fields_to_ask(caterer, measures, AS_OF) == ["employees", "revenue", "tax_credit_level"]
    builder = load_profile({"name": "某建筑", "industry": "E", "revenue": 500})
    assert fields_to_ask(builder, measures, AS_OF) == ["assets", "tax_credit_level"]
    assert fields_to_ask(SMALL_CATERER, measures, AS_OF) == ["tax_credit_level"]
