"""Masking of personal data in text that leaves the desk (CSV exports for admins and editors).

Masked, keeping a few leading and trailing characters so a row can still be told apart:

* resident identity card numbers (18 characters: area, birth date, sequence, check digit or X):
  ``110101199003071234`` -> ``110***********1234``;
* unified social credit codes (GB 32100-2015: 18 characters of digits and capital letters without
  I, O, Z, S, V; characters 3-8 are the area code): ``91110108MA01ABCD3X`` -> ``9111**********CD3X``;
* mainland mobile numbers, also written 3-4-4 with spaces or dashes and with a +86 prefix:
  ``138-1234-5678`` -> ``138-****-5678``;
* landlines with an area code: ``010-12345678`` -> ``010-****5678``.

Ordinary numbers stay: dates, amounts, document numbers such as 国办发〔2020〕6号, time limits,
postcodes, the 12345 hotline. Every pattern needs the whole token, so digits inside a longer run of
digits or letters are left alone. Full-width digits are recognised too: matching runs on a
half-width copy of the same length and the masks are applied at the same positions.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from indexer.normalize import to_halfwidth

MASK = "*"

# Token boundaries: not glued to other ASCII letters or digits (Chinese text around is fine).
_START = r"(?<![0-9A-Za-z])"
_END = r"(?![0-9A-Za-z])"
_SEP = r"[- ]?"

_BIRTH_DATE = r"(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
RESIDENT_ID = re.compile(rf"{_START}[1-9][0-9]{{5}}{_SEP}{_BIRTH_DATE}{_SEP}[0-9]{{3}}[0-9Xx]{_END}")

# GB 32100-2015: registration authority (1-9, A, N, Y), institution category (1-9), six-digit area
# code, then ten characters of the code charset (digits and capitals except I, O, Z, S, V).
_USCC_CHAR = "[0-9A-HJ-NPQRTUWXY]"
CREDIT_CODE = re.compile(rf"{_START}[1-9ANY][1-9][0-9]{{6}}{_USCC_CHAR}{{10}}{_END}")

# Digits only around mobile numbers: "tel13812345678" is still a phone number.
MOBILE = re.compile(r"(?<![0-9])(?P<prefix>(?:\+|00)?86[- ]?)?"
                    r"(?P<number>1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4})(?![0-9])")

# Area codes start with 0 and local numbers do not; "(010)", "010-" and "010 " forms.
LANDLINE = re.compile(r"(?<![0-9])(?P<area>\(0[1-9][0-9]{1,2}\)|0[1-9][0-9]{1,2})[- ]?"
                      r"(?P<local>[1-9][0-9]{2,3}[- ]?[0-9]{4})(?![0-9])")


def mask_personal_data(text: str) -> str:
    """``text`` with identity card numbers, credit codes, mobile and landline numbers masked."""
    if not text:
        return text
    chars = list(text)
    # Matching runs on a half-width copy; "*" written into it keeps later patterns off masked spans.
    probe = list(to_halfwidth(text))
    for pattern, spans in _RULES:
        for match in pattern.finditer("".join(probe)):
            for start, end, head, tail in spans(match):
                _mask_span(chars, start, end, head, tail)
                _mask_span(probe, start, end, 0, 0)
    return "".join(chars)


Span = tuple[int, int, int, int]  # start, end, leading and trailing characters kept


def _whole(head: int, tail: int) -> Callable[[re.Match[str]], list[Span]]:
    return lambda match: [(match.start(), match.end(), head, tail)]


def _mobile_spans(match: re.Match[str]) -> list[Span]:
    # The country prefix carries nothing personal: mask only the 11 digits.
    return [(match.start("number"), match.end("number"), 3, 4)]


def _landline_spans(match: re.Match[str]) -> list[Span]:
    # The area code only says the city: keep it and the last four digits.
    return [(match.start("local"), match.end("local"), 0, 4)]


_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], list[Span]]], ...] = (
    (RESIDENT_ID, _whole(3, 4)),
    (CREDIT_CODE, _whole(4, 4)),
    (MOBILE, _mobile_spans),
    (LANDLINE, _landline_spans),
)


def _mask_span(chars: list[str], start: int, end: int, head: int, tail: int) -> None:
    """Replace the letters and digits of chars[start:end] except the first ``head`` and last ``tail``;
    separators (spaces, dashes) stay so the shape of the number is kept."""
    positions = [i for i in range(start, end) if chars[i].isalnum()]
    for i in positions[head:len(positions) - tail]:
        chars[i] = MASK
