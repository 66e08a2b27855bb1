"""Is a question about something the catalog covers at all? An n-gram logistic regression
(``indexer.ngram_classifier``), positive for questions the catalog answers.

The shipped catalog is a provincial one; everyday municipal matters (营业执照, 食品经营许可, 刻章,
社保开户 ...) are missing, yet the search always finds the nearest item, and some come out
confident (外籍员工的工作许可证怎么办理 -> an item about foreign law firms' assistants). The
calibrated confidence sees how well the first hit matches; this model sees what is asked, learnt
from team-written questions about such matters. It only ever withholds an assertion: a first hit it
doubts is offered among candidates (or referred, ``indexer.matters``), never dropped.

Trained by ``python -m indexer calibrate`` (``indexer.fitting.fit_scope_classifier``): positives are
the Rasa ask_item / ask_policy examples, the training questions and the "tune" halves of the
development sets; negatives are the out-of-catalog question sets already looked at. Stored as JSON
beside this module.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from indexer.ngram_classifier import NgramClassifier, train_ngram_classifier

SCOPE_MODEL_FILE = Path(__file__).with_name("scope_model.json")
# Below this log-odds a first hit is not asserted. Chosen by leaving each out-of-catalog set out of
# the training in turn (heldout2 ... heldout19, 2026-12-03, with that day's matter words): at -2.5 the
# wrong high answers among them fell from 13 to 6 (fine-tuned model) and from 6 to 2 (base), while 3
# of the 13-15 questions the catalog does answer (`in_catalog`) were offered among candidates instead
# of asserted; of the 560 development questions, 1 right policy answer was (both models). At -2.0:
# 8 and 4 caught, 4 and 6 lost; at -3.0: 5 and 2 caught, 2 lost.
OUT_OF_SCOPE_LOGIT = -2.5


@functools.cache
def load_scope_classifier(path: Path = SCOPE_MODEL_FILE) -> NgramClassifier:
    return NgramClassifier.load(path)


def train_scope_classifier(in_catalog: Sequence[str], outside: Sequence[str]) -> NgramClassifier:
    return train_ngram_classifier([*in_catalog, *outside], [True] * len(in_catalog) + [False] * len(outside))


def is_outside_the_catalog(classifier: NgramClassifier, normalized_query: str) -> bool:
    return classifier.logit(normalized_query) < OUT_OF_SCOPE_LOGIT
