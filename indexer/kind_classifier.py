"""Is a question about a service item (how to get something done) or a policy (support, relief,
rules)? A logistic regression on character 1-2-grams of the normalised question.

Trained by ``python -m indexer calibrate`` on the Rasa ask_item / ask_policy examples, the
training questions in ``knowledge_base/training_questions`` and the "tune" halves of the
development sets; stored as a small JSON of n-gram weights beside this module. Its output is one
input of the kind model in ``indexer.calibration`` (retrieval evidence is the other).
"""
from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import optimize, sparse

from indexer.features import character_ngrams

KIND_MODEL_FILE = Path(__file__).with_name("kind_model.json")
_MIN_COUNT = 2
_L2 = 1.0


@dataclass(frozen=True)
class KindClassifier:
    weights: dict[str, float]
    bias: float

    def logit(self, normalized_query: str) -> float:
        """Log-odds that the question is about an item rather than a policy."""
        grams = set(character_ngrams(normalized_query))
        return self.bias + sum(self.weights.get(gram, 0.0) for gram in grams)

    def save(self, path: Path = KIND_MODEL_FILE) -> None:
        kept = {gram: round(weight, 4) for gram, weight in sorted(self.weights.items()) if abs(weight) >= 1e-3}
        path.write_text(json.dumps({"bias": round(self.bias, 4), "weights": kept}, ensure_ascii=False) + "\n",
                        encoding="utf-8")


@functools.cache
def load_kind_classifier(path: Path = KIND_MODEL_FILE) -> KindClassifier:
    if not path.exists():
        return KindClassifier({}, 0.0)
    data = json.loads(path.read_text(encoding="utf-8"))
    return KindClassifier(dict(data["weights"]), float(data["bias"]))


def train_kind_classifier(texts: Sequence[str], is_item: Sequence[bool]) -> KindClassifier:
    """L2-regularised logistic regression, classes weighted equally."""
    if len(texts) != len(is_item) or not texts:
        raise ValueError(f"need as many labels as texts (> 0), got {len(texts)} texts and {len(is_item)} labels")
    grams_per_text = [set(character_ngrams(text)) for text in texts]
    counts: dict[str, int] = {}
    for grams in grams_per_text:
        for gram in grams:
            counts[gram] = counts.get(gram, 0) + 1
    vocabulary = {gram: column for column, gram in enumerate(sorted(g for g, c in counts.items() if c >= _MIN_COUNT))}
    rows, columns = [], []
    for row, grams in enumerate(grams_per_text):
        for gram in grams:
            if gram in vocabulary:
                rows.append(row)
                columns.append(vocabulary[gram])
    x = sparse.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=(len(texts), len(vocabulary)))
    y = np.asarray(is_item, dtype=float)
    share = y.mean()
    sample_weight = np.where(y == 1, 0.5 / max(share, 1e-9), 0.5 / max(1 - share, 1e-9)) / len(y)

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        bias, weights = theta[0], theta[1:]
        z = x @ weights + bias
        p = 1.0 / (1.0 + np.exp(-z))
        loss = float(np.sum(sample_weight * (np.logaddexp(0, z) - y * z))) + _L2 * float(weights @ weights) / (2 * len(y))
        residual = sample_weight * (p - y)
        gradient = np.concatenate([[residual.sum()], x.T @ residual + _L2 * weights / len(y)])
        return loss, gradient

    theta = optimize.minimize(loss_and_gradient, np.zeros(len(vocabulary) + 1), jac=True, method="L-BFGS-B").x
    names = sorted(vocabulary, key=vocabulary.__getitem__)
    return KindClassifier({name: float(weight) for name, weight in zip(names, theta[1:], strict=True)}, float(theta[0]))
