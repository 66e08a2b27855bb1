"""Extraction proposals from a policy text, with the project's real jieba pipeline."""
from __future__ import annotations

import pytest

from indexer.policy_matching.extraction import MeasureExtractor, provisions
from indexer.policy_matching.measures import ConditionType, HowObtained

TEXT = (
    "关于支持企业发展的若干措施 各有关单位： 一、减轻企业负担 "
    "1.减免房租。对承租国有企业经营用房的中小微企业，免收2月份房租。 "
    "2.稳岗返还。对职工人数在30人以下的小微企业，返还其上年度实际缴纳失业保险费的50%；返还金额不超过1万元的，免除申报手续直接返还。 "
    "3.研发奖励。对高新技术企业给予最高不超过200万元的研发奖励，申报截至2020年3月31日。咨询电话：010-12345678 "
    "4.银税互动。纳税信用A级、B级企业可申请信用贷款贴息。 "
    "5.加强宣传引导，营造支持企业发展的良好氛围。"
)


@pytest.fixture(scope="module")
def proposals() -> dict[str, object]:
    return {p.title: p for p in MeasureExtractor().propose("doc", TEXT)}


def test_provisions_are_cut_at_their_numbers() -> None:
    titles = [title for title, _ in provisions(TEXT)]
    assert titles == ["减免房租", "稳岗返还", "研发奖励", "银税互动", "加强宣传引导，营造支持企业发展的良好氛围"]


def test_only_provisions_that_grant_something_are_proposed(proposals: dict[str, object]) -> None:
    assert list(proposals) == ["减免房租", "稳岗返还", "研发奖励", "银税互动"]


def test_size_and_manual_conditions(proposals: dict[str, object]) -> None:
    rent = proposals["减免房租"]
    types = {c.type: c for c in rent.conditions}  # type: ignore[attr-defined]
    assert types[ConditionType.SIZE_IN].fields["sizes"] == ["中型", "小型", "微型"]
    assert ConditionType.MANUAL in types  # 承租国有企业经营用房 cannot be checked on the profile
    assert rent.passage.startswith("1.减免房租") and rent.amount_wan is None  # type: ignore[attr-defined]


def test_headcount_rate_and_automatic_grant(proposals: dict[str, object]) -> None:
    refund = proposals["稳岗返还"]
    kinds = {c.type: c for c in refund.conditions}  # type: ignore[attr-defined]
    assert kinds[ConditionType.EMPLOYEES].fields == {"max": 30}
    assert kinds[ConditionType.SIZE_IN].fields["sizes"] == ["小型", "微型"]
    assert refund.rate == 0.5  # type: ignore[attr-defined]
    assert refund.how == HowObtained.AUTOMATIC  # type: ignore[attr-defined]


def test_amount_qualification_deadline_and_phone(proposals: dict[str, object]) -> None:
    award = proposals["研发奖励"]
    assert award.amount_wan == 200  # type: ignore[attr-defined]
    assert award.deadline == "2020-03-31"  # type: ignore[attr-defined]
    assert award.contact_phone == "010-12345678"  # type: ignore[attr-defined]
    qualification = [c for c in award.conditions if c.type == ConditionType.QUALIFICATION]  # type: ignore[attr-defined]
    assert qualification[0].fields == {"any_of": ["高新技术企业"]}


def test_tax_credit_levels(proposals: dict[str, object]) -> None:
    credit = [c for c in proposals["银税互动"].conditions  # type: ignore[attr-defined]
              if c.type == ConditionType.TAX_CREDIT_LEVEL]
    assert credit[0].fields == {"levels": ["A", "B"]}


def test_every_evidence_is_a_sentence_of_the_text(proposals: dict[str, object]) -> None:
    for proposal in proposals.values():
        for condition in proposal.conditions:  # type: ignore[attr-defined]
            assert condition.evidence in TEXT
