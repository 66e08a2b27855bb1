"""Turn plain simplified questions into the other ways enterprises' text reaches us:
traditional characters, and web-scrape text with pinyin annotations (辦(bàn)理).

Used by the retrieval benchmarks (indexer.benchmarks) to measure every style on the same questions;
deterministic per seed.
"""
from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable
from typing import Any, cast

_HAN = re.compile(r"[\u4e00-\u9fff]")


@functools.cache
def _to_traditional() -> Callable[[str], str]:
    import opencc

    return opencc.OpenCC("s2t").convert


def traditional(text: str) -> str:
    return _to_traditional()(text)


def pinyin_annotated(text: str, rate: float = 0.35, seed: int = 0) -> str:
    """Traditional text where about ``rate`` of the characters carry a tone-marked pinyin annotation."""
    from pypinyin import Style, pinyin

    rng = random.Random(f"{seed}:{text}")
    converted = traditional(text)
    # pypinyin's annotations say errors= returns a str; it takes (and documents) a list per character
    readings = pinyin(text, style=Style.TONE, errors=cast(Any, lambda chars: [[""] for _ in chars]))
    out = []
    for char, original, reading in zip(converted, text, readings, strict=False):
        out.append(char)
        if _HAN.match(original) and reading and reading[0] and rng.random() < rate:
            out.append(f"({reading[0]})")
    return "".join(out) + converted[len(text):]


STYLE_TRANSFORMS: dict[str, Callable[[str], str]] = {
    "traditional": traditional,
    "pinyin": pinyin_annotated,
}
