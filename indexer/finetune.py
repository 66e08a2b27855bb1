"""Fine-tune the e5 model on the catalog with sentence-transformers (CPU, a few minutes, at setup).

Training examples come from ``knowledge_base/training_questions``: everyday questions written for
every catalog item and policy document (team-written; never the evaluation sets in ``bench/``).
Each item question is paired with the item's "name department" text, plus a hard negative: the
most similar *other* item under the base model (often a sibling such as the 延期 variant of a
新申请 item). Policy questions are paired with a window of the document around their answer.
Loss: MultipleNegativesRankingLoss (in-batch negatives + the hard negative). The token embeddings
stay frozen (they are most of the weights and the vocabulary is not what needs to change).

The result is a sentence-transformers directory with the same ONNX export and identity file as
the base model, so the rest of the system does not care which one it runs.
"""
from __future__ import annotations

import hashlib
import json
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from indexer.calibration import FINE_TUNED_SUFFIX
from indexer.embedding import OnnxEncoder, encode_passages, encode_queries
from indexer.errors import ModelNotFoundError
from indexer.loaders import load_knowledge_base
from indexer.model_setup import MODEL_INFO_FILE, export_onnx, fingerprint, model_info
from indexer.normalize import normalize_text

POLICY_WINDOW_BEFORE = 100
POLICY_WINDOW_CHARS = 280

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class FineTuneSettings:
    epochs: int = 1
    batch_size: int = 32
    learning_rate: float = 3e-5
    seed: int = 0
    threads: int = 0
    max_steps: int | None = None  # tests run a handful of steps

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 2 or self.learning_rate <= 0:
            raise ValueError(f"need epochs >= 1, batch_size >= 2, learning_rate > 0; got {self}")


@dataclass(frozen=True)
class TrainingExample:
    query: str
    positive: str
    negative: str | None = None


def item_passage(name: str, department: str) -> str:
    """The item text a question is trained against: the index's "name department" view."""
    return normalize_text(f"{name} {department}")


def load_training_examples(knowledge_base_dir: Path, questions_dir: Path,
                           base_encoder: OnnxEncoder | None = None) -> list[TrainingExample]:
    """Examples from the training questions; hard negatives mined with ``base_encoder`` when given."""
    knowledge = load_knowledge_base(knowledge_base_dir)
    items = knowledge.items
    row_of = {item.id: row for row, item in enumerate(items)}
    passages = [item_passage(item.name, item.department) for item in items]
    item_rows = [row for path in sorted(questions_dir.glob("items_*.jsonl")) for row in _jsonl(path)]
    item_rows = [row for row in item_rows if row.get("task_code") in row_of and row.get("query")]
    queries = [normalize_text(row["query"]) for row in item_rows]
    negatives: list[str | None] = [None] * len(item_rows)
    if base_encoder is not None and item_rows:
        similarity = encode_queries(base_encoder, queries) @ encode_passages(base_encoder, passages).T
        for index, row in enumerate(item_rows):
            gold = items[row_of[row["task_code"]]]
            for candidate in np.argsort(-similarity[index])[:20]:
                if items[candidate].name != gold.name:
                    negatives[index] = passages[candidate]
                    break
    examples = [TrainingExample(query, passages[row_of[row["task_code"]]], negative)
                for query, row, negative in zip(queries, item_rows, negatives, strict=True)]
    documents = {policy.id: policy for policy in knowledge.policies}
    for row in (r for path in sorted(questions_dir.glob("policies*.jsonl")) for r in _jsonl(path)):
        policy = documents.get(row.get("docid", ""))
        if policy is None or not row.get("query"):
            continue
        at = policy.body.find(row.get("answer", ""))
        if at < 0:
            continue
        start = max(0, at - POLICY_WINDOW_BEFORE)
        window = policy.body[start:start + POLICY_WINDOW_CHARS]
        examples.append(TrainingExample(normalize_text(row["query"]), normalize_text(policy.title + "\n" + window)))
    return examples


def training_fingerprint(examples: Sequence[TrainingExample], settings: FineTuneSettings, base: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps([base.get("fingerprint"), settings.__dict__], sort_keys=True).encode())
    for example in examples:
        digest.update(f"{example.query}\t{example.positive}\t{example.negative}\n".encode())
    return digest.hexdigest()[:16]


def finetune(base_dir: Path, out_dir: Path, examples: Sequence[TrainingExample],
             settings: FineTuneSettings = FineTuneSettings(), progress: Progress | None = None) -> dict[str, Any]:
    """Train from ``base_dir`` into ``out_dir`` (replaced atomically); returns the new model identity."""
    if not examples:
        raise ModelNotFoundError("no training examples; check knowledge_base/training_questions")
    base = model_info(base_dir)
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.losses import MultipleNegativesRankingLoss

    progress = progress or (lambda stage, done, total: None)
    random.seed(settings.seed)
    np.random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    if settings.threads:
        torch.set_num_threads(settings.threads)
    model = SentenceTransformer(str(base_dir), device="cpu")
    # torch types a submodule's attributes as Tensor | Module; the first module is a Transformer
    transformer: Any = model[0]
    for parameter in transformer.auto_model.embeddings.parameters():
        parameter.requires_grad = False
    loss = MultipleNegativesRankingLoss(model)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=settings.learning_rate)
    batches = _batches(examples, settings)
    model.train()
    started = time.perf_counter()
    for step, batch in enumerate(batches, start=1):
        columns = [["query: " + e.query for e in batch], ["passage: " + e.positive for e in batch]]
        if all(e.negative for e in batch):
            columns.append(["passage: " + str(e.negative) for e in batch])
        features = [model.preprocess(column) for column in columns]
        value = loss(features, None)
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
        if step % 10 == 0:
            _release_freed_memory()
        progress("finetune", step, len(batches))
    model.eval()
    staging = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    model.save(str(staging))
    export_onnx(staging)
    info = {
        **base,
        "variant": base["variant"] + FINE_TUNED_SUFFIX,
        "fingerprint": fingerprint(staging / "model.safetensors"),
        "training": {"examples": len(examples), "steps": len(batches), "seconds": round(time.perf_counter() - started),
                     "data": training_fingerprint(examples, settings, base), **settings.__dict__},
    }
    (staging / MODEL_INFO_FILE).write_text(json.dumps(info, indent=1), encoding="utf-8")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    staging.rename(out_dir)
    return info


def _release_freed_memory() -> None:
    """Batches of varying length fragment glibc's heap (RSS grew past 10 GB); give freed pages back."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to do


def _batches(examples: Sequence[TrainingExample], settings: FineTuneSettings) -> list[list[TrainingExample]]:
    """Shuffled batches that never mix examples with and without a hard negative."""
    rng = random.Random(settings.seed)
    batches: list[list[TrainingExample]] = []
    for _ in range(settings.epochs):
        for with_negative in (True, False):
            group = [e for e in examples if (e.negative is not None) == with_negative]
            rng.shuffle(group)
            batches += [group[i:i + settings.batch_size] for i in range(0, len(group), settings.batch_size)]
    batches = [batch for batch in batches if len(batch) >= 2]
    rng.shuffle(batches)
    return batches[:settings.max_steps] if settings.max_steps else batches


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def prepare_finetuned_model(base_dir: Path, out_dir: Path, knowledge_base_dir: Path, questions_dir: Path,
                            settings: FineTuneSettings = FineTuneSettings(), progress: Progress | None = None,
                            force: bool = False) -> dict[str, Any]:
    """Fine-tune unless ``out_dir`` already holds a model trained on the same data and base."""
    base = model_info(base_dir)
    encoder = OnnxEncoder(base_dir, threads=settings.threads)
    examples = load_training_examples(knowledge_base_dir, questions_dir, base_encoder=encoder)
    wanted = training_fingerprint(examples, settings, base)
    if not force:
        try:
            current = model_info(out_dir)
        except ModelNotFoundError:
            current = {}
        if current.get("training", {}).get("data") == wanted:
            return current
    return finetune(base_dir, out_dir, examples, settings, progress)
