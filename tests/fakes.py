"""Test doubles kept to fast unit tests: a deterministic bag-of-characters encoder.

Integration tests (marked ``integration``) use the real e5 model instead.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from indexer.features import character_ngrams
from indexer.normalize import normalize_text

FAKE_MODEL: dict[str, Any] = {"name": "fake-char-bigrams", "variant": "test", "dimension": 128, "fingerprint": "fake0001"}


class CharacterEncoder:
    """Vectors from hashed character 1-2-grams: similar wording gives similar vectors."""

    def __init__(self, model: dict[str, Any] | None = None) -> None:
        self.model_id = dict(model or FAKE_MODEL)
        self.dimension = int(self.model_id["dimension"])
        self.calls = 0

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.calls += len(texts)
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            body = normalize_text(text.split(": ", 1)[-1])
            for gram in character_ngrams(body):
                bucket = int(hashlib.md5(gram.encode("utf-8")).hexdigest()[:8], 16) % self.dimension
                vectors[row, bucket] += 1.0
            norm = np.linalg.norm(vectors[row])
            if norm:
                vectors[row] /= norm
        return vectors
