"""The retrieval benchmark tables (indexer.benchmarks) that `python -m indexer eval` and
bench/search_bench.py print, on the small fixture index."""
from __future__ import annotations

import pytest

from indexer import benchmarks
from indexer.evaluation import RankMetrics, load_item_questions
from indexer.query_styles import STYLE_TRANSFORMS, pinyin_annotated
from indexer.search import SearchService


def test_table_prints_markdown_with_three_decimals(capsys: pytest.CaptureFixture[str]) -> None:
    benchmarks.table("Example", ["retrieval", "top-1", "n"], [["dense", 0.91234, 7], ["none", "-", 0]])
    assert capsys.readouterr().out == ("\n### Example\n\n| retrieval | top-1 | n |\n|---|---|---|\n"
                                       "| dense | 0.912 | 7 |\n| none | - | 0 |\n")


def test_item_ablation_scores_every_dev_question_under_each_fusion(service: SearchService,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    benchmarks.item_ablation(service)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ") and "retrieval" not in line]
    assert [line.split(" | ")[0].removeprefix("| ") for line in lines] == [
        "dense only (3 views)", "BM25 only (name characters)", "BM25 only (jieba words, full text)",
        "fuzzy only (rapidfuzz on names)", "dense + BM25 chars", "dense + BM25 + fuzzy",
        "reciprocal-rank fusion (dense, BM25, fuzzy)", "hybrid + variant cues",
        "hybrid (shipped: + variant cues + spelled-out names)"]
    for line in lines:
        values = [float(cell) for cell in line.strip("| ").split(" | ")[1:]]
        assert len(values) == 5 and all(0.0 <= value <= 1.0 for value in values), line
    assert RankMetrics.of([]) == RankMetrics(0, 0.0, 0.0, 0.0) and len(load_item_questions()) == 360


def test_query_styles_are_deterministic() -> None:
    question = "开饭店要办什么证"
    assert STYLE_TRANSFORMS["traditional"](question) == "開飯店要辦什麼證"
    assert pinyin_annotated(question) == pinyin_annotated(question)
    assert pinyin_annotated(question).replace("(", "").replace(")", "") != question
