"""The team-written evaluation cases are well-formed and the matcher reaches the target on them."""
from __future__ import annotations

from collections import Counter

from bench.policy_matching import CASES, MANUAL, TARGET, load_cases, run_cases, table
from indexer.policy_matching.catalog import load_catalog
from indexer.policy_matching.matching import ImplicitCondition
from indexer.policy_matching.measures import ConditionType

from .test_catalog import KB


def test_at_least_100_cases_cover_every_condition_type() -> None:
    cases = load_cases(CASES)
    assert len(cases) >= 100
    assert len({case["id"] for case in cases}) == len(cases)
    focuses = Counter(case["focus"] for case in cases)
    assert set(focuses) == {t.value for t in ConditionType} | {ImplicitCondition.PERIOD.value}
    assert all(case["reason"] and case["expected"]["result"] in {"eligible", "ineligible", "unknown"} for case in cases)


def test_machine_checkable_accuracy_reaches_the_target() -> None:
    measures = {m.id: m for m in load_catalog(KB)}
    outcomes = run_cases(load_cases(CASES), measures)
    checkable = [o for o in outcomes if o.focus != MANUAL]
    wrong = [o.case_id for o in checkable if not o.condition_ok]
    assert len(checkable) - len(wrong) >= TARGET * len(checkable), wrong
    assert table(outcomes)[-1][0] == "all cases"
