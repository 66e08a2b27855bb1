"""Build caches keyed by content hash: passage vectors by (model fingerprint, text), so a rebuild only
embeds changed text, and other per-record products (``JsonCache``)."""
from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, digest TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, digest))"


class _SqliteTable:
    """One table of the cache file; WAL lets a build write while other processes read."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute(schema)

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        return connection


class EmbeddingCache(_SqliteTable):
    def __init__(self, path: Path, model_key: str, dimension: int) -> None:
        super().__init__(path, _SCHEMA)
        self.model_key = model_key
        self.dimension = dimension

    def embed(self, texts: Sequence[str], compute: Callable[[Sequence[str]], np.ndarray],
              progress: Callable[[int], None] | None = None, batch: int = 256) -> tuple[np.ndarray, int]:
        """Vectors of ``texts`` (cached ones read, the rest computed and stored); returns (vectors, computed)."""
        digests = [hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest() for text in texts]
        found = self._lookup(set(digests))
        output = np.zeros((len(texts), self.dimension), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for row, digest in enumerate(digests):
            vector = found.get(digest)
            if vector is None:
                missing.setdefault(digest, []).append(row)
            else:
                output[row] = vector
        if progress and len(texts) - sum(len(rows) for rows in missing.values()):
            progress(len(texts) - sum(len(rows) for rows in missing.values()))
        pending = list(missing.items())
        for start in range(0, len(pending), batch):
            part = pending[start:start + batch]
            vectors = compute([texts[rows[0]] for _, rows in part])
            for (_, rows), vector in zip(part, vectors, strict=True):
                output[rows] = vector
            self._store([(digest, vector) for (digest, _), vector in zip(part, vectors, strict=True)])
            if progress:
                progress(sum(len(rows) for _, rows in part))
        return output, len(pending)

    def _lookup(self, digests: set[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        wanted = list(digests)
        with self._connect() as connection:
            for start in range(0, len(wanted), 500):
                part = wanted[start:start + 500]
                marks = ",".join("?" * len(part))
                rows = connection.execute(
                    f"SELECT digest, vector FROM vectors WHERE model = ? AND digest IN ({marks})",
                    [self.model_key, *part],
                )
                for digest, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if vector.shape[0] == self.dimension:
                        found[digest] = vector
        return found

    def _store(self, entries: list[tuple[str, np.ndarray]]) -> None:
        with self._connect() as connection:
            connection.executemany(
                "INSERT OR REPLACE INTO vectors (model, digest, vector) VALUES (?, ?, ?)",
                [(self.model_key, digest, np.asarray(vector, dtype=np.float32).tobytes()) for digest, vector in entries],
            )


_JSON_SCHEMA = "CREATE TABLE IF NOT EXISTS derived (namespace TEXT NOT NULL, digest TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (namespace, digest))"


class JsonCache(_SqliteTable):
    """Other costly per-record build products (annotated policies, passages, tokens) by content hash.

    ``namespace`` must change whenever the code or settings that derive the values change.
    """

    def __init__(self, path: Path, namespace: str) -> None:
        super().__init__(path, _JSON_SCHEMA)
        self.namespace = namespace

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()  # a cache key, not a secret

    def get_many(self, digests: Sequence[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        wanted = list(set(digests))
        with self._connect() as connection:
            for start in range(0, len(wanted), 500):
                part = wanted[start:start + 500]
                marks = ",".join("?" * len(part))
                rows = connection.execute(
                    f"SELECT digest, value FROM derived WHERE namespace = ? AND digest IN ({marks})",
                    [self.namespace, *part])
                for digest, value in rows:
                    found[digest] = json.loads(value)
        return found

    def put_many(self, entries: Sequence[tuple[str, Any]]) -> None:
        if not entries:
            return
        with self._connect() as connection:
            connection.executemany(
                "INSERT OR REPLACE INTO derived (namespace, digest, value) VALUES (?, ?, ?)",
                [(self.namespace, digest, json.dumps(value, ensure_ascii=False)) for digest, value in entries])
