"""The one text normaliser, shared by search (indexer) and NLU (the Rasa pipeline component).

Steps, in order:
1. drop control and invisible format characters (zero-width spaces, BOM), keep line breaks;
2. full-width ASCII forms (U+FF01..U+FF5E) and the ideographic space to half-width;
3. strip web-scrape pinyin annotations: ``國務(wù)院`` -> ``國務院``. A parenthesised run of pinyin
   syllables right after Chinese characters is removed only when every syllable is tone-marked
   (``bàn``, ``ban4``) or is a reading of the character it follows, so ordinary parentheses
   (``许可（仅销售预包装食品）``, ``类(A)``) survive;
4. traditional to simplified Chinese (OpenCC ``t2s``, phrase-aware);
5. collapse runs of spaces and tabs, normalise line breaks, trim.

Bump NORMALIZER_VERSION whenever the output for some input changes: built indexes record it and
refuse to load under another version.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from typing import Any

NORMALIZER_VERSION = "1"

_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FULLWIDTH_OFFSET = 0xFEE0

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Letters that occur in pinyin, including tone-marked vowels and ü with its tones.
_PINYIN_LETTERS = "a-zA-Z\u00e0\u00e1\u00e8\u00e9\u00ec\u00ed\u00f2\u00f3\u00f9\u00fa\u00fc\u0101\u0113\u011b\u012b\u0144\u0148\u014d\u016b\u01ce\u01d0\u01d2\u01d4\u01d6\u01d8\u01da\u01dc\u01f9\u1e3f\u00ea"
_SYLLABLE = rf"[{_PINYIN_LETTERS}]{{1,6}}[1-5]?"
_ANNOTATION = re.compile(
    rf"(?P<han>[{_HAN}]+)\(\s*(?P<pinyin>{_SYLLABLE}(?:\s+{_SYLLABLE})*)\s*\)"
)
_TONE_MARKED = re.compile(r"[\u00e0-\u00fc\u0101-\u01dc\u1e3f]|[1-5]$")

_SPACES = re.compile(r"[ \t\f\v]+")
_SPACES_AROUND_NEWLINE = re.compile(r" *\n *")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def normalize_text(text: str) -> str:
    """Return the normalised form of ``text`` (see the module docstring); never raises on str input."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(" ", _INVISIBLE.sub("", text))
    text = to_halfwidth(text)
    text = strip_pinyin_annotations(text)
    text = _traditional_to_simplified()(text)
    text = _SPACES.sub(" ", text)
    text = _SPACES_AROUND_NEWLINE.sub("\n", text)
    text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip()


def to_halfwidth(text: str) -> str:
    """Full-width ASCII variants and the ideographic space to their half-width forms."""
    return text.translate(_HALFWIDTH_TABLE)


_HALFWIDTH_TABLE = {code: code - _FULLWIDTH_OFFSET for code in range(0xFF01, 0xFF5F)}
_HALFWIDTH_TABLE[0x3000] = 0x20


def strip_pinyin_annotations(text: str) -> str:
    """Remove ``(pīn yīn)`` annotations that follow the characters they transcribe."""
    if "(" not in text:
        return text
    return _ANNOTATION.sub(_drop_annotation_if_reading, text)


def _drop_annotation_if_reading(match: re.Match[str]) -> str:
    han = match.group("han")
    syllables = match.group("pinyin").split()
    if len(syllables) > len(han):
        return match.group(0)
    annotated = han[-len(syllables):]
    if all(_is_reading(char, syllable) for char, syllable in zip(annotated, syllables, strict=False)):
        return han
    return match.group(0)


def _is_reading(char: str, syllable: str) -> bool:
    if _TONE_MARKED.search(syllable):
        return True
    return _plain_syllable(syllable) in _readings(char)


def _plain_syllable(syllable: str) -> str:
    decomposed = unicodedata.normalize("NFD", syllable.lower())
    decomposed = decomposed.replace("u\u0308", "v")
    return "".join(c for c in decomposed if c.isascii() and c.isalpha())


@functools.lru_cache(maxsize=8192)
def _readings(char: str) -> frozenset[str]:
    # pypinyin loads a large dictionary; only text that looks annotated ever pays for it.
    from pypinyin import Style, pinyin

    readings = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    return frozenset(r.replace("ü", "v") for group in readings for r in group)


@functools.cache
def _traditional_to_simplified() -> Callable[[str], str]:
    import opencc

    return opencc.OpenCC("t2s").convert


def realign_spans(original: str, normalized: str, spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Spans (dicts with ``start``/``end`` into ``original``) moved onto ``normalized``.

    Each span's text is normalised and looked up in ``normalized`` from where the previous span
    ended; a span whose text does not survive normalisation is dropped (no label beats a wrong one).
    """
    moved = []
    search_from = 0
    for span in sorted(spans, key=lambda s: s.get("start") or 0):
        start, end = span.get("start"), span.get("end")
        if start is None or end is None:
            moved.append(span)
            continue
        piece = normalize_text(original[start:end])
        position = normalized.find(piece, search_from) if piece else -1
        if position < 0:
            continue
        moved.append({**span, "start": position, "end": position + len(piece)})
        search_from = position + len(piece)
    return moved
