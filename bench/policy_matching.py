"""Accuracy of 惠企政策 matching on team-written cases, by condition type.

Each case of bench/data/policy_match_cases.jsonl gives a profile, a measure (a shipped one by
``measure_id`` or a team-written one inline), a date, the condition type it tests (``focus``) and
the expected outcome of that condition (met / failed / unknown) and of the whole measure, with the
reason in words. Machine-checkable types are every type but ``manual``.

    .venv/bin/python bench/policy_matching.py [--cases PATH] [--verbose]
"""
from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
# The imports below need the project root on sys.path first, hence their E402 exceptions.
from indexer.policy_matching.catalog import load_catalog  # noqa: E402
from indexer.policy_matching.matching import MeasureMatch, match_measure  # noqa: E402
from indexer.policy_matching.measures import SupportMeasure, parse_measure  # noqa: E402
from indexer.policy_matching.profile import load_profile  # noqa: E402

CASES = PROJECT_ROOT / "bench" / "data" / "policy_match_cases.jsonl"
TARGET = 0.95
MANUAL = "manual"


@dataclass(frozen=True)
class CaseOutcome:
    case_id: str
    focus: str
    condition_ok: bool
    result_ok: bool
    got_met: bool | None
    got_result: str
    reason: str


def focus_outcome(found: MeasureMatch, focus: str) -> bool | None:
    """All conditions of the focus type together: failed if one fails, unknown if one is unknown."""
    values = [c.met for c in found.conditions if c.type == focus]
    if not values:
        raise ValueError(f"{found.measure.id} has no condition of type {focus}")
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


def run_cases(cases: list[dict[str, Any]], measures: dict[str, SupportMeasure]) -> list[CaseOutcome]:
    outcomes = []
    for case in cases:
        measure = measures[case["measure_id"]] if "measure_id" in case else parse_measure(case["measure"], case["id"])
        found = match_measure(load_profile(case["profile"]), measure, datetime.date.fromisoformat(case["as_of"]))
        got = focus_outcome(found, case["focus"])
        expected = case["expected"]
        outcomes.append(CaseOutcome(case["id"], case["focus"], got is expected["focus_met"],
                                    found.result.value == expected["result"], got, found.result.value, case["reason"]))
    return outcomes


def load_cases(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def table(outcomes: list[CaseOutcome]) -> list[tuple[str, int, float, float]]:
    groups: dict[str, list[CaseOutcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.focus].append(outcome)
    rows = [(focus, len(group), _share(g.condition_ok for g in group), _share(g.result_ok for g in group))
            for focus, group in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))]
    checkable = [o for o in outcomes if o.focus != MANUAL]
    rows.append(("machine-checkable, all", len(checkable), _share(o.condition_ok for o in checkable),
                 _share(o.result_ok for o in checkable)))
    rows.append(("all cases", len(outcomes), _share(o.condition_ok for o in outcomes),
                 _share(o.result_ok for o in outcomes)))
    return rows


def _share(values: Any) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument("--verbose", action="store_true", help="list every wrong case")
    args = parser.parse_args(argv)
    measures = {m.id: m for m in load_catalog(PROJECT_ROOT / "knowledge_base")}
    outcomes = run_cases(load_cases(args.cases), measures)
    print(f"policy matching, {len(outcomes)} team-written cases ({args.cases.name}), {datetime.date.today()}")
    print("| condition type | cases | condition accuracy | measure result accuracy |")
    print("|---|---|---|---|")
    for focus, count, condition, result in table(outcomes):
        print(f"| {focus} | {count} | {condition:.3f} | {result:.3f} |")
    wrong = [o for o in outcomes if not (o.condition_ok and o.result_ok)]
    for outcome in wrong if args.verbose else wrong[:10]:
        print(f"wrong: {outcome.case_id} ({outcome.focus}): got met={outcome.got_met}, result={outcome.got_result}; "
              f"expected because {outcome.reason}")
    checkable = [o for o in outcomes if o.focus != MANUAL]
    accuracy = _share(o.condition_ok for o in checkable)
    print(f"machine-checkable condition accuracy {accuracy:.3f} (target {TARGET})")
    return 0 if accuracy >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
