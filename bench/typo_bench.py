"""Item search on the generated typo question set, by style: top-1, top-5, MRR.

    .venv/bin/python -m bench.typo_questions     # (re)generate bench/data/typo_queries.jsonl
    .venv/bin/python -m bench.typo_bench         # the table: the fresh sets, the check and tune halves
    .venv/bin/python -m bench.typo_bench --without-correction   # the same index, no slip correction

Questions go through ``SearchService.search`` as the CLI sends them (kinds mixed, k=50); a question
counts as found at the rank of the first item hit whose name is the gold name.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.typo_questions import FRESH_SETS, STYLES, load_typo_questions
from indexer.benchmarks import table
from indexer.evaluation import RankMetrics, end_to_end_item_ranks
from indexer.search import SearchService
from indexer.settings import IndexerSettings


def run(service: SearchService, label: str) -> None:
    questions = load_typo_questions()
    for fresh in FRESH_SETS.values():
        questions += load_typo_questions(fresh.path) if fresh.path.exists() else []
    rows = []
    for split in (*FRESH_SETS, "check", "tune"):
        for style in STYLES:
            part = [q for q in questions if q.split == split and q.style == style]
            metrics = RankMetrics.of(end_to_end_item_ranks(service, [q.query for q in part], [q.name for q in part]))
            rows.append([split, style, metrics.count, metrics.top1, metrics.top5, metrics.mrr])
    table(f"Items, generated typo sets (bench/data/typo_queries.jsonl, typo_queries_fresh*.jsonl), {label}",
          ["half", "style", "n", "top-1", "top-5", "MRR"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--without-correction", action="store_true",
                        help="switch off the correction of typing slips (ablation)")
    args = parser.parse_args()
    service = SearchService(IndexerSettings.from_env())
    index = service.index()
    label = f"index {index.manifest['version']}, model {index.manifest['model']['variant']}"
    if args.without_correction:
        index.corrector = None
        label += ", slip correction off"
    run(service, label)


if __name__ == "__main__":
    main()
