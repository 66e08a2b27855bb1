"""Retrieval evaluation: question sets, rank metrics, and per-retriever scores for ablations and fitting.

Question sets (``bench/data``):
- ``item_queries_dev.jsonl``: 360 enterprise-style questions over catalog items (team-written);
- ``policy_queries_dev.jsonl``: 200 enterprise-style policy questions (team-written);
- ``public/ncpqa_policy_qa.jsonl``: the public NCPQA policy benchmark (658);
- ``public/gov_paraphrase_60.json``: 60 paraphrases over a 102-name corpus.
Every set is split by line parity: even lines ("tune") choose weights and calibration, odd lines
("check") only measure, so the README can show both.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from indexer.search import KindScores, SearchIndex, SearchService

BENCH_DATA = Path(__file__).resolve().parent.parent / "bench" / "data"
Split = Literal["tune", "check"]
NOT_FOUND = 10_000


@dataclass(frozen=True)
class ItemQuestion:
    query: str
    name: str  # the gold item name, exactly as in the catalog
    style: str
    split: Split


@dataclass(frozen=True)
class PolicyQuestion:
    query: str
    doc_id: str
    answer: str
    style: str
    split: Split
    source: str  # "dev" or "ncpqa"


@dataclass(frozen=True)
class RankMetrics:
    count: int
    top1: float
    top5: float
    mrr: float

    @classmethod
    def of(cls, ranks: Sequence[int] | np.ndarray) -> RankMetrics:
        values = np.asarray(ranks)
        if values.size == 0:
            return cls(0, 0.0, 0.0, 0.0)
        return cls(int(values.size), float(np.mean(values == 0)), float(np.mean(values < 5)),
                   float(np.mean(1.0 / (values + 1.0))))


def _split(position: int) -> Split:
    return "tune" if position % 2 == 0 else "check"


def load_item_questions(path: Path = BENCH_DATA / "item_queries_dev.jsonl") -> list[ItemQuestion]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [ItemQuestion(row["query"], row["name"], row.get("style", ""), _split(i)) for i, row in enumerate(rows)]


def load_policy_questions(dev_path: Path = BENCH_DATA / "policy_queries_dev.jsonl",
                          public_path: Path = BENCH_DATA / "public" / "ncpqa_policy_qa.jsonl") -> list[PolicyQuestion]:
    questions = []
    for source, path in (("dev", dev_path), ("ncpqa", public_path)):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for i, row in enumerate(rows):
            questions.append(PolicyQuestion(row.get("query") or row["question"], row["docid"], row["answer"],
                                            row.get("style", "public"), _split(i), source))
    return questions


def load_paraphrase_benchmark(path: Path = BENCH_DATA / "public" / "gov_paraphrase_60.json") -> tuple[list[str], list[tuple[str, int]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data["corpus"]), [(pair["query"], int(pair["target_idx"])) for pair in data["pairs"]]


def rank_of(scores: np.ndarray, gold_rows: Iterable[int]) -> int:
    """0-based rank of the best-placed gold row under ``scores`` (ties broken by row order)."""
    gold = list(gold_rows)
    if not gold:
        return NOT_FOUND
    best = max(scores[row] for row in gold)
    first_best_gold = min(row for row in gold if scores[row] == best)
    return int(np.sum(scores > best)) + int(np.sum(scores[:first_best_gold] == best))


@dataclass
class ScoredQuestions:
    """Per-retriever scores of a question set against one index (computed once, fused many ways)."""

    parts: list[dict[str, np.ndarray]]
    gold: list[list[int]]


def score_item_questions(service: SearchService, queries: Sequence[str], gold_names: Sequence[str]) -> ScoredQuestions:
    index = service.index()
    rows_by_name: dict[str, list[int]] = {}
    for row, item in enumerate(index.items):
        rows_by_name.setdefault(item.name, []).append(row)
    parts, gold = [], []
    for query, name in zip(queries, gold_names, strict=True):
        normalized = service.searchable(query)
        scores = index.score_items(normalized, service._query_vector(normalized), service.weights)
        parts.append(scores.parts)
        gold.append(rows_by_name.get(name, []))
    return ScoredQuestions(parts, gold)


def score_policy_questions(service: SearchService, questions: Sequence[PolicyQuestion]) -> ScoredQuestions:
    index = service.index()
    row_of = {policy.id: row for row, policy in enumerate(index.policies_in_order)}
    parts, gold = [], []
    for question in questions:
        normalized = service.searchable(question.query)
        scores = index.score_policies(normalized, service._query_vector(normalized), service.weights)
        parts.append(scores.parts)
        gold.append([row_of[question.doc_id]] if question.doc_id in row_of else [])
    return ScoredQuestions(parts, gold)


def ranks_under(scored: ScoredQuestions, fuse: Callable[[dict[str, np.ndarray]], np.ndarray]) -> np.ndarray:
    return np.array([rank_of(fuse(parts), gold) for parts, gold in zip(scored.parts, scored.gold, strict=True)])


def document_scores(index: SearchIndex, passage_scores: np.ndarray) -> np.ndarray:
    """A document's score is its best passage's."""
    return np.maximum.reduceat(passage_scores, index.document_starts) if len(passage_scores) else passage_scores


def end_to_end_item_ranks(service: SearchService, queries: Sequence[str], gold_names: Sequence[str],
                          kind: Literal["item"] | None = None, k: int = 50) -> np.ndarray:
    """Rank of the gold item in what the CLI returns (kinds mixed unless ``kind`` is given)."""
    ranks = []
    for query, name in zip(queries, gold_names, strict=True):
        result = service.search(query, k=k, kind=kind)
        ranks.append(next((i for i, hit in enumerate(result.hits) if hit.kind == "item" and hit.title == name), NOT_FOUND))
    return np.array(ranks)


def end_to_end_policy_ranks(service: SearchService, questions: Sequence[PolicyQuestion],
                            kind: Literal["policy"] | None = None, k: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """(rank of the gold document, answer found inside one of the top-3 passages) per question."""
    ranks, answered = [], []
    for question in questions:
        result = service.search(question.query, k=k, kind=kind)
        policy_hits = [hit for hit in result.hits if hit.kind == "policy"]
        ranks.append(next((i for i, hit in enumerate(result.hits) if hit.kind == "policy" and hit.id == question.doc_id), NOT_FOUND))
        answer = _compact(question.answer)
        answered.append(any(answer in _compact(hit.snippet) for hit in policy_hits[:3]))
    return np.array(ranks), np.array(answered)


def _compact(text: str) -> str:
    return "".join(text.split())


def kind_scores_for(service: SearchService, query: str) -> tuple[KindScores, KindScores]:
    index = service.index()
    normalized = service.searchable(query)
    vector = service._query_vector(normalized)
    return index.score_items(normalized, vector, service.weights), index.score_policies(normalized, vector, service.weights)
