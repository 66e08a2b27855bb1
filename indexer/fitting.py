"""Choose fusion weights and fit the confidence model on the "tune" half of the question sets.

``python -m indexer calibrate`` refits ``indexer/calibration.json``; ``bench/tune_fusion.py`` prints
the weight grid. Only the "tune" halves are used here; the benchmarks report both halves.
"""
from __future__ import annotations

import functools
import itertools
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy import optimize

from indexer.calibration import Calibration, coverage
from indexer.evaluation import (
    BENCH_DATA,
    ScoredQuestions,
    load_item_questions,
    load_policy_questions,
    rank_of,
    score_item_questions,
    score_policy_questions,
)
from indexer.kind_classifier import KindClassifier, load_kind_classifier, train_kind_classifier
from indexer.ngram_classifier import NgramClassifier
from indexer.normalize import normalize_text
from indexer.scope_classifier import train_scope_classifier
from indexer.search import FusionWeights, SearchService, fuse_item_parts, fuse_passage_parts
from indexer.settings import IndexerSettings

ITEM_GRID = {
    "item_name_chars": (0.0, 0.1, 0.2, 0.3, 0.4),
    "item_text_words": (0.0, 0.1, 0.2),
    "item_fuzzy": (0.0, 0.1, 0.2),
    "item_variant": (0.0, 0.25, 0.5, 0.75, 1.0),
}
POLICY_GRID = {
    "policy_words": (0.0, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0),
    "policy_chars": (0.0, 0.2, 0.3, 0.5, 0.7),
}
TARGET_HIGH_PRECISION = 0.85  # share of "high" answers whose first hit is right
# Out-of-catalog questions the fit learns from: every set whose misses have been looked at (through
# heldout8, 2026-12-03); the later sets (heldout9 onwards) stay out of the fit and measure it.
OUT_OF_CATALOG_TUNE_SPLITS = ("written", "heldout", *(f"heldout{n}" for n in range(2, 9)))
# The scope classifier (indexer.scope_classifier) learns from every set looked at by 2026-12-03
# (through heldout19); later sets measure it.
SCOPE_OUT_OF_CATALOG_SPLITS = ("written", "heldout", *(f"heldout{n}" for n in range(2, 20)))
ANSWERABLE_BELOW_MEDIUM = 0.02  # share of answerable questions (answer among the first 3) allowed to fall to "low"


def mean_reciprocal_rank(scored: ScoredQuestions, fuse: Callable[[Any], np.ndarray],
                         reduce: Callable[[np.ndarray], np.ndarray] | None = None) -> float:
    total = 0.0
    for parts, gold in zip(scored.parts, scored.gold, strict=True):
        scores = fuse(parts)
        if reduce is not None:
            scores = reduce(scores)
        total += 1.0 / (1.0 + rank_of(scores, gold))
    return total / max(len(scored.parts), 1)


@dataclass(frozen=True)
class GridResult:
    weights: FusionWeights
    score: float


def tune_item_weights(scored: ScoredQuestions, base: FusionWeights = FusionWeights()) -> list[GridResult]:
    results = []
    for values in itertools.product(*ITEM_GRID.values()):
        weights = replace(base, **dict(zip(ITEM_GRID, values, strict=True)))
        results.append(GridResult(weights, mean_reciprocal_rank(scored, functools.partial(fuse_item_parts, weights=weights))))
    return sorted(results, key=lambda r: r.score, reverse=True)


def tune_policy_weights(scored_sets: Sequence[ScoredQuestions], document_starts: np.ndarray,
                        base: FusionWeights = FusionWeights()) -> list[GridResult]:
    """Weights maximising the mean of each set's MRR (so the larger public set does not dominate)."""
    results = []
    for values in itertools.product(*POLICY_GRID.values()):
        weights = replace(base, **dict(zip(POLICY_GRID, values, strict=True)))
        score = float(np.mean([
            mean_reciprocal_rank(scored, functools.partial(fuse_passage_parts, weights=weights),
                                 lambda s: np.maximum.reduceat(s, document_starts))
            for scored in scored_sets
        ]))
        results.append(GridResult(weights, score))
    return sorted(results, key=lambda r: r.score, reverse=True)


PROJECT_ROOT = BENCH_DATA.parent.parent
NLU_FOLDER = PROJECT_ROOT / "nlu_data" / "nlu"
TRAINING_QUESTIONS = PROJECT_ROOT / "knowledge_base" / "training_questions"
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def load_unanswerable(path: Path = BENCH_DATA / "unanswerable_queries.txt") -> list[str]:
    if not path.exists():
        return []
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]


def load_out_of_catalog(splits: Sequence[str] = OUT_OF_CATALOG_TUNE_SPLITS,
                        path: Path = BENCH_DATA / "out_of_catalog.jsonl") -> list[str]:
    """Team-written questions about enterprise matters the catalog lacks (bench.out_of_catalog),
    of the given splits. The off-topic questions teach the confidence model little about these:
    they look like catalog questions (same words, cosines as high), yet no item answers them."""
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    # A question the catalog answers after all (`in_catalog`) is no negative.
    return [row["query"] for row in rows if row.get("split", "written") in splits and not row.get("in_catalog")]


def nlu_examples(intent: str, folder: Path = NLU_FOLDER) -> list[str]:
    """Training examples of one Rasa intent, entity annotations removed."""
    import yaml

    examples: list[str] = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu", []):
            if block.get("intent") == intent:
                for line in str(block.get("examples", "")).splitlines():
                    line = line.strip()
                    if line.startswith("- "):
                        examples.append(_ANNOTATION.sub(r"\1", line[2:]).strip())
    return [example for example in examples if example]


def training_questions(kind: str, folder: Path = TRAINING_QUESTIONS) -> list[dict[str, str]]:
    pattern = "items_*.jsonl" if kind == "item" else "policies*.jsonl"
    rows: list[dict[str, str]] = []
    for path in sorted(folder.glob(pattern)):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def taught_questions(kind: str) -> list[str]:
    """The questions the bot is taught for a kind ("item" or "policy"): the Rasa intent's examples
    and the training questions, none from the development sets."""
    return nlu_examples(f"ask_{kind}") + [row["query"] for row in training_questions(kind)]


def fit_kind_classifier() -> KindClassifier:
    """Text classifier item vs policy, trained on data that is not in the development sets."""
    items, policies = taught_questions("item"), taught_questions("policy")
    texts = [normalize_text(text) for text in (*items, *policies)]
    return train_kind_classifier(texts, [True] * len(items) + [False] * len(policies))


def fit_scope_classifier() -> NgramClassifier:
    """In the catalog or outside it: what the bot is taught to answer (its Rasa examples, the
    training questions, the tune halves of the development sets) against the out-of-catalog
    questions already looked at."""
    in_catalog = [*taught_questions("item"), *taught_questions("policy"),
                  *(q.query for q in load_item_questions() if q.split == "tune"),
                  *(q.query for q in load_policy_questions() if q.split == "tune")]
    outside = load_out_of_catalog(SCOPE_OUT_OF_CATALOG_SPLITS)
    return train_scope_classifier([normalize_text(text) for text in in_catalog],
                                  [normalize_text(text) for text in outside])


def fit_calibration(settings: IndexerSettings, weights: FusionWeights = FusionWeights(),
                    kind_classifier: KindClassifier | None = None) -> Calibration:
    """Fit temperatures, the kind model, the confidence model and the two thresholds (tune halves)."""
    classifier = kind_classifier or load_kind_classifier()
    service = SearchService(settings, weights=weights, calibration=Calibration(), kind_classifier=classifier)
    index = service.index()
    rows_by_name: dict[str, list[int]] = {}
    for row, item in enumerate(index.items):
        rows_by_name.setdefault(item.name, []).append(row)
    row_of_policy = {policy.id: row for row, policy in enumerate(index.policies_in_order)}

    questions: list[tuple[str, str, list[int]]] = []  # (query, kind, gold rows)
    questions += [(q.query, "item", rows_by_name.get(q.name, [])) for q in load_item_questions() if q.split == "tune"]
    questions += [(q.query, "policy", [row_of_policy[q.doc_id]] if q.doc_id in row_of_policy else [])
                  for q in load_policy_questions() if q.split == "tune"]
    negatives = load_unanswerable()[::2] + nlu_examples("out_of_scope")[::2] + load_out_of_catalog()
    questions += [(query, "none", []) for query in negatives]

    samples = []
    for query, kind, gold in questions:
        normalized = service.searchable(query)
        item_scores, policy_scores, evidence = service.evidence(index, normalized)
        assert item_scores is not None and policy_scores is not None  # no kind asked: both are scored
        samples.append((normalized, kind, gold, item_scores, policy_scores, evidence))

    item_temperature = _fit_temperature([(s[3].fused, s[2]) for s in samples if s[1] == "item"])
    policy_temperature = _fit_temperature([(s[4].fused, s[2]) for s in samples if s[1] == "policy"])
    draft = Calibration(item_temperature=item_temperature, policy_temperature=policy_temperature)
    kind_rows = [(draft.kind_features(s[5]), s[1] == "item") for s in samples if s[1] != "none"]
    kind_weights = _fit_logistic(np.array([f for f, _ in kind_rows]), np.array([y for _, y in kind_rows]),
                                 balance=True)
    draft = replace(draft, kind_weights=kind_weights)

    confidence_rows, correct, in_top3, seconds = [], [], [], []
    for normalized, kind, gold, item_scores, policy_scores, evidence in samples:
        ranked = draft.rank(evidence)
        top_kind, top_row, top_p = ranked[0]
        if top_kind == "item":
            cosine = float(item_scores.cosine[top_row])
            text = normalize_text(index.items[top_row].name + " " + index.items[top_row].catalog_name)
        else:
            assert policy_scores.best_chunk is not None  # policy scores name each document's best passage
            chunk = int(policy_scores.best_chunk[top_row])
            cosine = float(policy_scores.cosine[top_row])
            text = normalize_text(index.policies_in_order[top_row].title + " " + index.policy_chunks[chunk].text)
        second_p = ranked[1][2] if len(ranked) > 1 else 0.0
        confidence_rows.append(list(Calibration.confidence_features(top_p, second_p, cosine, coverage(normalized, text))))
        seconds.append(second_p / max(top_p, 1e-9))
        correct.append(top_kind == kind and top_row in gold)
        in_top3.append(any(k == kind and row in gold for k, row, _ in ranked[:3]))
    confidence_weights = _fit_logistic(np.array(confidence_rows), np.array(correct), balance=False)
    calibrated = replace(draft, confidence_weights=confidence_weights)
    confidences = 1.0 / (1.0 + np.exp(-(np.array(confidence_rows) @ np.array(confidence_weights))))
    # Near ties are asked about whatever their confidence, so the "high" threshold is chosen
    # among the questions that can be high at all.
    can_be_high = np.array(seconds) < calibrated.tie_ratio
    high = _threshold(confidences[can_be_high], np.array(correct)[can_be_high], TARGET_HIGH_PRECISION)
    answerable = confidences[np.array(in_top3, dtype=bool)]
    medium = float(np.quantile(answerable, ANSWERABLE_BELOW_MEDIUM)) if len(answerable) else 0.0
    return replace(calibrated, high_threshold=round(max(high, medium), 3), medium_threshold=round(min(medium, high), 3))


def _fit_temperature(samples: list[tuple[np.ndarray, list[int]]]) -> float:
    """Softmax temperature maximising the likelihood of the gold records."""
    usable = [(scores, gold) for scores, gold in samples if gold]

    def loss(log_t: float) -> float:
        t = math.exp(log_t)
        total = 0.0
        for scores, gold in usable:
            shifted = (scores - scores.max()) / t
            log_norm = math.log(float(np.exp(shifted).sum()))
            total -= math.log(float(np.exp(shifted[gold]).sum())) - log_norm
        return total / max(len(usable), 1)

    result = optimize.minimize_scalar(loss, bounds=(math.log(0.02), math.log(5.0)), method="bounded")
    return round(math.exp(float(result.x)), 4)


def _fit_logistic(x: np.ndarray, y: np.ndarray, balance: bool) -> tuple[float, ...]:
    """Logistic regression weights (first column of ``x`` is the bias), lightly L2-regularised.

    Features are standardised for the fit (so the penalty treats them alike) and the weights
    mapped back to raw feature units.
    """
    target = y.astype(float)
    if balance:
        share = target.mean()
        weight = np.where(target == 1, 0.5 / max(share, 1e-9), 0.5 / max(1 - share, 1e-9))
    else:
        weight = np.ones_like(target)
    mean = x[:, 1:].mean(axis=0)
    spread = x[:, 1:].std(axis=0)
    spread[spread < 1e-9] = 1.0
    scaled = np.hstack([np.ones((len(x), 1)), (x[:, 1:] - mean) / spread])

    def loss(theta: np.ndarray) -> float:
        z = scaled @ theta
        return float(np.sum(weight * (np.logaddexp(0, z) - target * z)) / len(target) + 1e-3 * np.sum(theta[1:] ** 2))

    theta = optimize.minimize(loss, np.zeros(x.shape[1]), method="L-BFGS-B").x
    raw = theta[1:] / spread
    bias = theta[0] - float(np.sum(raw * mean))
    return tuple(round(float(v), 4) for v in (bias, *raw))


def _threshold(confidences: np.ndarray, good: np.ndarray, target: float) -> float:
    """Lowest confidence t such that questions at or above t are good at least ``target`` of the time."""
    order = np.argsort(-confidences)
    good_sorted = good[order].astype(float)
    precision = np.cumsum(good_sorted) / np.arange(1, len(good_sorted) + 1)
    meeting = np.flatnonzero(precision >= target)
    if not len(meeting):
        return 1.0
    return float(confidences[order][meeting[-1]])


def collect_tuning_scores(service: SearchService) -> tuple[ScoredQuestions, list[ScoredQuestions]]:
    items = [q for q in load_item_questions() if q.split == "tune"]
    policies = [q for q in load_policy_questions() if q.split == "tune"]
    item_scored = score_item_questions(service, [q.query for q in items], [q.name for q in items])
    policy_sets = [score_policy_questions(service, [q for q in policies if q.source == source]) for source in ("dev", "ncpqa")]
    return item_scored, policy_sets
