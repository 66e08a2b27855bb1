"""A binary logistic regression on character 1-2-grams of a normalised question: small, fast,
readable as JSON, and trained in seconds. Two questions use it: is a question about a service item
or a policy (``indexer.kind_classifier``), and is it about something the catalog covers at all
(``indexer.scope_classifier``)."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import optimize, sparse

from indexer.features import character_ngrams

_MIN_COUNT = 2
_L2 = 1.0


@dataclass(frozen=True)
class NgramClassifier:
    weights: dict[str, float]
    bias: float

    def logit(self, normalized_query: str) -> float:
        """Log-odds of the positive class."""
        grams = set(character_ngrams(normalized_query))
        return self.bias + sum(self.weights.get(gram, 0.0) for gram in grams)

    def save(self, path: Path) -> None:
        kept = {gram: round(weight, 4) for gram, weight in sorted(self.weights.items()) if abs(weight) >= 1e-3}
        path.write_text(json.dumps({"bias": round(self.bias, 4), "weights": kept}, ensure_ascii=False) + "\n",
                        encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> NgramClassifier:
        """The classifier saved at ``path``; a neutral one (logit 0) when there is none."""
        if not path.exists():
            return cls({}, 0.0)
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(dict(data["weights"]), float(data["bias"]))


def train_ngram_classifier(texts: Sequence[str], labels: Sequence[bool]) -> NgramClassifier:
    """L2-regularised logistic regression, classes weighted equally (n-grams seen at least twice)."""
    if len(texts) != len(labels) or not texts:
        raise ValueError(f"need as many labels as texts (> 0), got {len(texts)} texts and {len(labels)} labels")
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
    y = np.asarray(labels, dtype=float)
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
    return NgramClassifier({name: float(weight) for name, weight in zip(names, theta[1:], strict=True)}, float(theta[0]))
