"""From fused scores to probabilities: one ranking across kinds and a confidence the bot can act on.

The model (fitted by ``python -m indexer calibrate`` on the "tune" halves of the development
questions plus questions the knowledge base cannot answer; stored in ``calibration.json``):

- within a kind, P(record | kind) = softmax(fused score / temperature of the kind), over the
  records the filters allow;
- P(kind = item) = sigmoid(w . [1, text classifier logit, best item cosine - best policy cosine,
  best item fused score, best policy fused score]): the question's wording and how well each side
  matches decide between items and policies;
- a hit's score is P(kind) * P(record | kind); hits are ranked by it across kinds;
- the confidence, the estimated chance that the first hit is what the user wants, is
  sigmoid(v . [1, logit(first hit's score), log(first / second score), its cosine similarity,
  share of the question's character pairs found in it]): the absolute match quality catches
  questions the knowledge base cannot answer, which a relative softmax cannot.

``level``: "high" (answer) at or above ``high_threshold``, chosen so that about 85% of such first
hits are right on the tune data; "medium" (ask which of 3 candidates) at or above
``medium_threshold``, the confidence that 95% of answerable tune questions (answer among the first
3 hits) reach; else "low" (say it was not found and offer a person). A near tie (second hit >= ``tie_ratio`` of the
first, typically sibling items such as 新增/延续取水许可) is at most "medium": the user picks.
"""
from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from indexer.records import ConfidenceLevel, Kind

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")  # the fine-tuned model's
BASE_CALIBRATION_FILE = Path(__file__).with_name("calibration-base.json")
FINE_TUNED_SUFFIX = "+finetuned"  # how indexer.finetune marks the variant of the models it trains
_CANDIDATES_PER_KIND = 50


@dataclass(frozen=True)
class QueryEvidence:
    """What the search knows about a question, per kind, before ranking."""

    item_scores: np.ndarray | None  # fused score per item (None: items not searched)
    policy_scores: np.ndarray | None  # fused score per policy document
    item_cosine: np.ndarray | None  # mean cosine similarity over the item views, per item
    policy_cosine: np.ndarray | None  # cosine similarity of each document's best passage
    kind_logit: float = 0.0  # text classifier: log-odds of an item question


@dataclass(frozen=True)
class Calibration:
    item_temperature: float = 0.4
    policy_temperature: float = 0.7
    kind_weights: tuple[float, ...] = (0.0, 1.0, 10.0, 0.0, 0.0)
    confidence_weights: tuple[float, ...] = (0.0, 1.0, 0.0, 0.0, 0.0)
    high_threshold: float = 0.6
    medium_threshold: float = 0.25
    # A near tie (the second hit at least this share of the first) is never "high": ask instead.
    tie_ratio: float = 0.6

    def __post_init__(self) -> None:
        if self.item_temperature <= 0 or self.policy_temperature <= 0:
            raise ValueError(f"temperatures must be > 0, got {self.item_temperature}, {self.policy_temperature}")
        if len(self.kind_weights) != 5 or len(self.confidence_weights) != 5:
            raise ValueError(f"need 5 kind weights and 4 confidence weights, got {self.kind_weights}, {self.confidence_weights}")
        if not 0 <= self.medium_threshold <= self.high_threshold <= 1:
            raise ValueError(
                f"need 0 <= medium_threshold <= high_threshold <= 1, got {self.medium_threshold}, {self.high_threshold}"
            )

    def kind_features(self, evidence: QueryEvidence, item_mask: np.ndarray | None = None,
                      policy_mask: np.ndarray | None = None) -> list[float]:
        item_scores = _masked(evidence.item_scores, item_mask)
        policy_scores = _masked(evidence.policy_scores, policy_mask)
        assert item_scores is not None and policy_scores is not None
        assert evidence.item_cosine is not None and evidence.policy_cosine is not None
        return [1.0, evidence.kind_logit,
                float(np.max(evidence.item_cosine)) - float(np.max(evidence.policy_cosine)),
                float(np.max(item_scores)), float(np.max(policy_scores))]

    def item_probability(self, features: list[float]) -> float:
        return _sigmoid(sum(w * x for w, x in zip(self.kind_weights, features, strict=False)))

    def rank(self, evidence: QueryEvidence, item_mask: np.ndarray | None = None,
             policy_mask: np.ndarray | None = None) -> list[tuple[Kind, int, float]]:
        """(kind, row, P(kind) * P(row | kind)) of the best candidates of both kinds, best first."""
        item_scores = _masked(evidence.item_scores, item_mask)
        policy_scores = _masked(evidence.policy_scores, policy_mask)
        have_items = item_scores is not None and bool(np.isfinite(item_scores).any())
        have_policies = policy_scores is not None and bool(np.isfinite(policy_scores).any())
        if have_items and have_policies:
            p_item = self.item_probability(self.kind_features(evidence, item_mask, policy_mask))
        else:
            p_item = 1.0 if have_items else 0.0
        ranked: list[tuple[Kind, int, float]] = []
        if have_items:
            assert item_scores is not None
            ranked += [("item", row, p_item * p) for row, p in _softmax_top(item_scores, self.item_temperature)]
        if have_policies:
            assert policy_scores is not None
            ranked += [("policy", row, (1 - p_item) * p) for row, p in _softmax_top(policy_scores, self.policy_temperature)]
        ranked.sort(key=lambda entry: entry[2], reverse=True)
        return ranked

    @staticmethod
    def confidence_features(top_probability: float, second_probability: float, cosine: float,
                            coverage: float) -> tuple[float, ...]:
        p = min(max(top_probability, 1e-6), 1 - 1e-6)
        margin = math.log(p / max(second_probability, 1e-6))
        return (1.0, math.log(p / (1 - p)), margin, cosine, coverage)

    def confidence(self, top_probability: float, second_probability: float, cosine: float, coverage: float) -> float:
        features = self.confidence_features(top_probability, second_probability, cosine, coverage)
        return _sigmoid(sum(w * x for w, x in zip(self.confidence_weights, features, strict=False)))

    def level(self, confidence: float, second_share: float = 0.0) -> ConfidenceLevel:
        """``second_share``: the second hit's score as a share of the first's."""
        if confidence >= self.high_threshold and second_share < self.tie_ratio:
            return "high"
        if confidence >= self.medium_threshold:
            return "medium"
        return "low"

    def save(self, path: Path = CALIBRATION_FILE) -> None:
        path.write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")


def calibration_file(model_id: Mapping[str, Any]) -> Path:
    """Where the calibration for this embedding model lives: cosines and fused scores of the base
    and the fine-tuned model are distributed differently (the base model's crowd higher), so each
    has its own fit. The first start serves the base model's index until fine-tuning is done."""
    variant = str(model_id.get("variant", ""))
    return CALIBRATION_FILE if variant.endswith(FINE_TUNED_SUFFIX) else BASE_CALIBRATION_FILE


def load_calibration(path: Path = CALIBRATION_FILE) -> Calibration:
    if not path.exists():
        return Calibration()
    data = json.loads(path.read_text(encoding="utf-8"))
    data["kind_weights"] = tuple(data["kind_weights"])
    data["confidence_weights"] = tuple(data["confidence_weights"])
    return Calibration(**data)


@functools.lru_cache(maxsize=4)
def _cached_calibration(path: Path) -> Calibration:
    return load_calibration(path)


def calibration_for_model(model_id: Mapping[str, Any]) -> Calibration:
    """The fitted calibration of this model (read once per file per process)."""
    return _cached_calibration(calibration_file(model_id))


def coverage(query: str, text: str) -> float:
    """Share of the question's character pairs that occur in ``text`` (both normalised)."""
    from indexer.features import character_ngrams

    pairs = set(character_ngrams(query, sizes=(2,)))
    if not pairs:
        return 0.0
    present = set(character_ngrams(text, sizes=(2,)))
    return len(pairs & present) / len(pairs)


def _masked(scores: np.ndarray | None, mask: np.ndarray | None) -> np.ndarray | None:
    if scores is None or mask is None:
        return scores
    return np.where(mask, scores, -np.inf)


def _softmax_top(scores: np.ndarray, temperature: float) -> list[tuple[int, float]]:
    finite = np.isfinite(scores)
    if not finite.any():
        return []
    best = float(np.max(scores[finite]))
    weights = np.where(finite, np.exp((scores - best) / temperature), 0.0)
    probabilities = weights / weights.sum()
    count = min(_CANDIDATES_PER_KIND, int(finite.sum()))
    top = np.argpartition(-probabilities, count - 1)[:count]
    top = top[np.argsort(-probabilities[top], kind="stable")]
    return [(int(row), float(probabilities[row])) for row in top]


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)
