"""Is a question about a service item (how to get something done) or a policy (support, relief,
rules)? An n-gram logistic regression (``indexer.ngram_classifier``), positive for items.

Trained by ``python -m indexer calibrate`` on the Rasa ask_item / ask_policy examples and the
training questions in ``knowledge_base/training_questions`` (``indexer.fitting``); stored as a small
JSON of n-gram weights beside this module. Its output is one input of the kind model in
``indexer.calibration`` (retrieval evidence is the other).
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from indexer.ngram_classifier import NgramClassifier, train_ngram_classifier

KIND_MODEL_FILE = Path(__file__).with_name("kind_model.json")
KindClassifier = NgramClassifier


@functools.cache
def load_kind_classifier(path: Path = KIND_MODEL_FILE) -> KindClassifier:
    return NgramClassifier.load(path)


def train_kind_classifier(texts: Sequence[str], is_item: Sequence[bool]) -> KindClassifier:
    return train_ngram_classifier(texts, is_item)
