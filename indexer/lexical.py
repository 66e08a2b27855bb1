"""Okapi BM25 over token lists, as a sparse matrix: scoring a query is one column sum."""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

DEFAULT_K1 = 1.2
DEFAULT_B = 0.75


class Bm25Index:
    def __init__(self, vocabulary: dict[str, int], weights: sparse.csc_matrix) -> None:
        self._vocabulary = vocabulary
        self._weights = weights  # documents x terms, BM25 term weights (idf x saturated tf)

    @property
    def size(self) -> int:
        return int(self._weights.shape[0])

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]], k1: float = DEFAULT_K1, b: float = DEFAULT_B) -> Bm25Index:
        if k1 < 0 or not 0 <= b <= 1:
            raise ValueError(f"BM25 needs k1 >= 0 and 0 <= b <= 1, got k1={k1}, b={b}")
        # Term ids in order of first occurrence; one pass over all tokens, counts summed by scipy.
        lengths = np.fromiter((len(tokens) for tokens in documents), dtype=np.int64, count=len(documents))
        flat = [token for tokens in documents for token in tokens]
        vocabulary: dict[str, int] = {token: i for i, token in enumerate(dict.fromkeys(flat))}
        shape = (len(documents), max(len(vocabulary), 1))
        term_ids = np.fromiter((vocabulary[token] for token in flat), dtype=np.int64, count=len(flat))
        document_ids = np.repeat(np.arange(len(documents), dtype=np.int64), lengths)
        tf = sparse.csr_matrix((np.ones(len(flat), dtype=np.float32), (document_ids, term_ids)), shape=shape)
        tf.sum_duplicates()
        document_frequency = np.bincount(tf.indices, minlength=shape[1]).astype(np.float32)
        lengths = lengths.astype(np.float32)
        n = float(len(documents))
        idf = np.log(1.0 + (n - document_frequency + 0.5) / (document_frequency + 0.5))
        average = float(lengths.mean()) if len(documents) else 1.0
        norm = k1 * (1.0 - b + b * lengths / max(average, 1e-9))
        tf = tf.tocoo()
        saturated = tf.data * (k1 + 1.0) / (tf.data + norm[tf.row])
        weights = sparse.csc_matrix((saturated * idf[tf.col], (tf.row, tf.col)), shape=shape, dtype=np.float32)
        return cls(vocabulary, weights)

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every document (a repeated query term counts once)."""
        columns = sorted({self._vocabulary[t] for t in query_tokens if t in self._vocabulary})
        if not columns:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._weights[:, columns].sum(axis=1)).ravel()

    def save(self, folder: Path, name: str) -> None:
        sparse.save_npz(folder / f"{name}.npz", self._weights)
        (folder / f"{name}.vocab.json").write_text(json.dumps(self._vocabulary, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, name: str) -> Bm25Index:
        weights = sparse.load_npz(folder / f"{name}.npz").tocsc()
        vocabulary = json.loads((folder / f"{name}.vocab.json").read_text(encoding="utf-8"))
        return cls(vocabulary, weights)
