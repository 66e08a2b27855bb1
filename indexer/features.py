"""Small scoring helpers shared by the build and the search: character n-grams and score scaling."""
from __future__ import annotations

import re

import numpy as np

_NOT_WORD = re.compile(r"[^\w\u4e00-\u9fff]+")


def compact(text: str) -> str:
    """The letters, digits and Chinese characters of ``text``, lower-cased (no spaces or punctuation)."""
    return _NOT_WORD.sub("", text.lower())


def character_ngrams(text: str, sizes: tuple[int, ...] = (1, 2)) -> list[str]:
    """Character n-grams of the letters and digits of ``text`` (robust to typos and odd segmentation)."""
    letters = compact(text)
    return [letters[i:i + n] for n in sizes for i in range(len(letters) - n + 1)]


def standardize(scores: np.ndarray) -> np.ndarray:
    """z-scores over all candidates, so retrievers with different scales can be added."""
    if scores.size == 0:
        return scores
    spread = float(scores.std())
    if spread < 1e-9:
        return np.zeros_like(scores)
    return (scores - float(scores.mean())) / spread
