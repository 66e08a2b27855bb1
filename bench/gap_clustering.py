"""Choose the knowledge-gap clustering threshold: adjusted Rand index per cosine-distance cut.

    python -m bench.gap_clustering [--model DIR ...]

Reads bench/data/gap_pairs.jsonl (colloquial enterprise questions, each with its meaning group),
embeds them the way the desk does (desk.knowledge_gaps.embed_questions) and prints, for each model,
threshold -> ARI and number of clusters (equal neighbouring rows are shown as one range), and
marks the cut desk.knowledge_gaps.threshold_for picks for that model. By default it measures the
base model and, when prepared, the fine-tuned one the search service serves.
"""
from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path

import numpy as np

from desk.knowledge_gaps import GapQuestion, cluster_labels, embed_questions, threshold_for
from indexer.embedding import OnnxEncoder
from indexer.model_setup import is_prepared, model_info
from indexer.settings import IndexerSettings

DATA = Path(__file__).with_name("data") / "gap_pairs.jsonl"
THRESHOLDS = tuple(round(0.04 + 0.01 * step, 2) for step in range(87))  # 0.04 .. 0.90


def load_pairs(path: Path = DATA) -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row["text"] for row in rows], [row["group"] for row in rows]


def adjusted_rand(truth: list[str], predicted: np.ndarray) -> float:
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(truth, predicted))


def measure(model_dir: Path, texts: list[str], groups: list[str], threads: int) -> list[tuple[float, float, int]]:
    epoch = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    questions = [GapQuestion(text, "unanswered", f"bench-{i}", epoch) for i, text in enumerate(texts)]
    vectors = embed_questions(OnnxEncoder(model_dir, threads=threads), questions)
    results = []
    for threshold in THRESHOLDS:
        labels = cluster_labels(vectors, threshold)
        results.append((threshold, adjusted_rand(groups, labels), len(set(labels.tolist()))))
    return results


def main() -> None:
    settings = IndexerSettings.from_env()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, action="append",
                        help="prepared model folder (repeatable); default: base and served models")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    models = args.model or [m for m in (settings.base_model_dir, settings.model_dir) if is_prepared(m)]
    if not models:
        raise SystemExit(f"no prepared model in {settings.base_model_dir}; run `make run` or "
                         "`python -m indexer prepare-model` first")
    texts, groups = load_pairs()
    print(f"{len(texts)} questions in {len(set(groups))} groups ({DATA.name})")
    for model_dir in models:
        chosen = threshold_for(model_info(model_dir))
        results = measure(model_dir, texts, groups, args.threads)
        best = max(ari for _, ari, _ in results)
        print(f"\n{model_dir} (variant {model_info(model_dir)['variant']}); chosen cut {chosen}")
        print("threshold        ARI  clusters")
        for first, last, ari, clusters in collapse(results):
            span = f"{first:.2f}" if first == last else f"{first:.2f}-{last:.2f}"
            marks = ("best" if ari == best else "", "chosen" if first <= chosen <= last else "")
            note = "  <- " + ", ".join(m for m in marks if m) if any(marks) else ""
            print(f"{span:>9}  {ari:9.3f}  {clusters:8d}{note}")


def collapse(results: list[tuple[float, float, int]]) -> list[tuple[float, float, float, int]]:
    """Neighbouring thresholds with the same clustering outcome as one (first, last, ARI, clusters) row."""
    rows: list[tuple[float, float, float, int]] = []
    for threshold, ari, clusters in results:
        if rows and rows[-1][2:] == (ari, clusters):
            rows[-1] = (rows[-1][0], threshold, ari, clusters)
        else:
            rows.append((threshold, threshold, ari, clusters))
    return rows

if __name__ == "__main__":
    main()
