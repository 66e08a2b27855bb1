"""The desk's searches asked of the action server of its host over HTTP (DAOFU_DESK_SEARCH_URL), so
a host holds one copy of the search model and index however many desks it runs (README "Memory").

``RemoteKnowledge`` offers what the desk uses of ``indexer.search.SearchService`` (``search``,
``record``, ``encoder``, ``settings``, ``reload``, ``index``); the routes are
``actions/knowledge_api.py``, their contract ``daofu_protocol.knowledge_api``. An action server that
cannot be reached, or refuses, is a ``SearchUnavailable`` (503, in Chinese).

``index()`` is what editors' pages read of the served index (policies with the metadata the build
found, policy passages, the manifest): the action server says which version it serves, and that
version's records and passages are read from the index folder the desk shares with it, lazily,
without vectors or model.
"""
from __future__ import annotations

import base64
import functools
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from daofu_protocol import knowledge_api as wire
from desk.errors import DeskError
from indexer.layout import VersionFiles
from indexer.records import Chunk, Kind, PolicyDoc, Record, SearchHit, SearchResult, record_from_dict
from indexer.settings import IndexerSettings
from indexer.store import IndexStore


class SearchUnavailable(DeskError):
    code = "search_unavailable"
    status = 503


class RemoteKnowledge:
    """The action server's search service, over HTTP. Thread-safe (the desk calls it from worker threads)."""

    def __init__(self, base_url: str, token: str = "", timeout: float = 30.0,
                 settings: IndexerSettings | None = None) -> None:
        """``settings``: where the shared index folder is (default: the environment's); nothing is loaded."""
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        if timeout <= 0:
            raise ValueError(f"timeout must be > 0, got {timeout}")
        self.base_url = base_url.rstrip("/")
        self.settings = settings or IndexerSettings.from_env()
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._timeout = timeout
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._files: ServedIndexFiles | None = None

    # ------------------------------------------------------------------ the service's API

    def search(self, query: str, k: int = 10, kind: Kind | None = None, department: str | None = None) -> SearchResult:
        data = self._call("POST", wire.SEARCH_PATH, json={
            "query": query[:wire.MAX_QUERY_CHARS], "k": k, "kind": kind, "department": department})
        return search_result_from_dict(data)

    def record(self, record_id: str) -> Record | None:
        if not record_id or len(record_id) > wire.MAX_RECORD_ID_CHARS:
            return None  # no record has such an id
        found = self._call("GET", wire.RECORD_PATH, params={"id": record_id})["record"]
        return record_from_dict(found) if found is not None else None

    @property
    def encoder(self) -> RemoteEncoder:
        """The served index's model, run by the action server; asked for its identity now (the
        served model may change, e.g. from the base model's index to the fine-tuned one's)."""
        encoder = RemoteEncoder(self)
        encoder.encode([])
        return encoder

    def reload(self) -> None:
        """Nothing to do here: the action server loads a newly published version by itself."""

    def index(self) -> ServedIndexFiles:
        manifest = self.manifest()
        version = str(manifest.get("version", ""))
        with self._lock:
            if self._files is None or self._files.manifest.get("version") != version:
                self._files = ServedIndexFiles(IndexStore(self.settings.index_dir).versions_dir / version, manifest)
            return self._files

    def manifest(self) -> dict[str, Any]:
        """The manifest of the version the action server serves."""
        found: dict[str, Any] = self._call("GET", wire.MANIFEST_PATH)
        return found

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    # ------------------------------------------------------------------ HTTP

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(base_url=self.base_url, timeout=self._timeout, headers=self._headers)
            return self._client

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http().request(method, path, **kwargs)
        except httpx.TransportError as error:  # refused, timed out, cut off
            raise SearchUnavailable(f"知识检索服务（动作服务器 {self.base_url}）暂时无法连接，请稍后再试；"
                                    f"一直如此请检查动作服务器是否在运行（{type(error).__name__}）") from error
        try:
            data = response.json()
        except ValueError:
            data = None
        message = data.get("error") if isinstance(data, dict) else None
        if response.status_code == 401:
            raise SearchUnavailable("动作服务器拒绝了知识检索请求（令牌不对）：桌面和动作服务器的 DAOFU_SEARCH_TOKEN "
                                    "必须相同")
        if response.status_code == 400 and message:
            raise DeskError(str(message))
        if response.status_code == 503 and message:
            raise SearchUnavailable(str(message))
        if response.status_code != 200 or data is None:
            raise SearchUnavailable(f"知识检索服务（动作服务器 {self.base_url}）出错（HTTP {response.status_code}），"
                                    "请稍后再试")
        return data


class RemoteEncoder:
    """``indexer.embedding.Encoder`` over HTTP: the texts are encoded by the action server's model.
    Hashed by identity (the search service keys its query cache by encoder)."""

    def __init__(self, knowledge: RemoteKnowledge) -> None:
        self._knowledge = knowledge
        self.model_id: dict[str, Any] = {}
        self.dimension = 0

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """``batch_size`` is the action server's business; the texts go in requests of at most
        MAX_ENCODE_TEXTS, each cut at MAX_ENCODE_CHARS (beyond what the model reads)."""
        parts = []
        for start in range(0, max(len(texts), 1), wire.MAX_ENCODE_TEXTS):
            batch = [text[:wire.MAX_ENCODE_CHARS] for text in texts[start:start + wire.MAX_ENCODE_TEXTS]]
            data = self._knowledge._call("POST", wire.ENCODE_PATH, json={"texts": batch})
            self.model_id, self.dimension = dict(data["model"]), int(data["dimension"])
            vectors = np.frombuffer(base64.b64decode(data["vectors"]), dtype=wire.VECTOR_FORMAT)
            parts.append(vectors.reshape(int(data["count"]), self.dimension).astype(np.float32))
        return np.concatenate(parts) if len(parts) > 1 else parts[0]


class ServedIndexFiles:
    """The files of one served index version that editors' pages read: its manifest, and (read on
    first use) its policies and policy passages; neither vectors nor BM25 tables nor the model."""

    def __init__(self, path: Path, manifest: dict[str, Any]) -> None:
        self.path = path
        self.manifest = manifest

    @functools.cached_property
    def policies_in_order(self) -> list[PolicyDoc]:
        found = []
        with VersionFiles(self.path).records.open(encoding="utf-8") as lines:
            for line in lines:
                data = json.loads(line)
                if data.get("kind") == "policy":
                    record = record_from_dict(data)
                    assert isinstance(record, PolicyDoc)
                    found.append(record)
        return found

    @functools.cached_property
    def policy_chunks(self) -> list[Chunk]:
        with VersionFiles(self.path).chunks.open(encoding="utf-8") as lines:
            return [Chunk(**json.loads(line)) for line in lines]


def search_result_from_dict(data: dict[str, Any]) -> SearchResult:
    """Inverse of ``SearchResult.to_dict(with_record=True)`` (scores rounded to 4 places)."""
    hits = tuple(SearchHit(id=hit["id"], kind=hit["kind"], title=hit["title"], score=float(hit["score"]),
                           snippet=hit["snippet"], sources=tuple(hit["sources"]), record=record_from_dict(hit["fields"]))
                 for hit in data["hits"])
    return SearchResult(query=data["query"], normalized_query=data["normalized_query"], hits=hits,
                        confidence=float(data["confidence"]), level=data["level"],
                        searched_query=str(data.get("searched_query", "")))
