"""Print the fusion-weight grid on the "tune" halves and the chosen weights' scores on both halves.

    .venv/bin/python bench/tune_fusion.py
"""
from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from indexer.evaluation import load_item_questions, load_policy_questions, score_item_questions, score_policy_questions
from indexer.fitting import (
    collect_tuning_scores,
    mean_reciprocal_rank,
    tune_item_weights,
    tune_policy_weights,
)
from indexer.search import FusionWeights, SearchService, fuse_item_parts, fuse_passage_parts
from indexer.settings import IndexerSettings


def main() -> None:
    service = SearchService(IndexerSettings.from_env())
    index = service.index()
    item_scored, policy_sets = collect_tuning_scores(service)
    item_results = tune_item_weights(item_scored)
    print("items, tune half: best 10 of the grid (MRR)")
    for result in item_results[:10]:
        w = result.weights
        print(f"  name_chars {w.item_name_chars:.2f} text_words {w.item_text_words:.2f} fuzzy {w.item_fuzzy:.2f} "
              f"variant {w.item_variant:.2f}  MRR {result.score:.4f}")
    policy_results = tune_policy_weights(policy_sets, index.document_starts)
    print("policies, tune halves (mean MRR of dev and NCPQA): best 10")
    for result in policy_results[:10]:
        w = result.weights
        print(f"  words {w.policy_words:.2f} chars {w.policy_chars:.2f}  MRR {result.score:.4f}")
    best = FusionWeights(**{**asdict(item_results[0].weights),
                            **{k: v for k, v in asdict(policy_results[0].weights).items() if k.startswith("policy")}})
    print("chosen:", best)
    check_items = [q for q in load_item_questions() if q.split == "check"]
    scored = score_item_questions(service, [q.query for q in check_items], [q.name for q in check_items])
    print(f"items check half MRR: current {mean_reciprocal_rank(scored, lambda p: fuse_item_parts(p, service.weights)):.4f} "
          f"chosen {mean_reciprocal_rank(scored, lambda p: fuse_item_parts(p, best)):.4f}")
    for source in ("dev", "ncpqa"):
        check = [q for q in load_policy_questions() if q.split == "check" and q.source == source]
        scored = score_policy_questions(service, check)
        def reduce(s: np.ndarray) -> np.ndarray:
            return np.maximum.reduceat(s, index.document_starts)

        print(f"policies {source} check half MRR: current "
              f"{mean_reciprocal_rank(scored, lambda p: fuse_passage_parts(p, service.weights), reduce):.4f} "
              f"chosen {mean_reciprocal_rank(scored, lambda p: fuse_passage_parts(p, best), reduce):.4f}")


if __name__ == "__main__":
    main()
