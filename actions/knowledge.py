"""The actions' one outside service: the knowledge index (indexer.search), behind a small protocol.

Tests hand actions a SearchService over a fixture knowledge base; the action server gets the
process-wide service, created on first use (rasa-sdk imports every module here at start-up).
"""
from __future__ import annotations

from typing import Protocol

from indexer.records import Kind, Record, SearchResult


class Knowledge(Protocol):
    def search(self, query: str, k: int = 10, kind: Kind | None = None, department: str | None = None,
               service_object: str | None = None) -> SearchResult: ...

    def record(self, record_id: str) -> Record | None: ...


def default_knowledge() -> Knowledge:
    from indexer.search import get_search_service

    return get_search_service()
