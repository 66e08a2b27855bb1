"""Items a question names word for word: one more item search feature.

A question that spells out a whole item name ("咨询一下著作权公证指引的手续", "信访事项提出可以网上办吗")
means that item, yet the dense model sometimes prefers a longer neighbour that contains most of
the same words (办理著作权委托公证指引, 网上信访与案件结果查询). Typing slips are corrected before
this runs (indexer.typos), so a corrected name counts as spelled out.

People never type a name's brackets, and rarely its trailing qualifier: a name is matched as it
reads without its bracket characters (物品保管（公证）指引 -> 物品保管公证指引) and as its part
before a trailing bracketed qualifier (…审批(初次申请) -> …审批; the variant cues of
indexer.variants then tell 初次 from 延续). Only the longest names found count: a name inside
another found one (戒毒机构信息查询 in 司法戒毒机构信息查询) is not what was asked. Where one item's
whole name is another's main part (宗教团体成立前审批 and 宗教团体成立前审批(天主教团体成立前审批)),
the question spelled the first out and only that one counts: the qualified variants stay reachable
through their qualifier's words, as any other item is.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from indexer.features import compact

# Shorter names are ordinary words (公证, 户口页借出 is 5): a four-character name spelled out is
# already specific enough (档案接收, 重名查询), a shorter one is not.
MIN_NAME_LENGTH = 4
_BRACKETS = re.compile(r"[()（）《》〈〉【】\[\]]")
_TRAILING_QUALIFIERS = re.compile(r"(\s*[(（][^()（）]*[)）])+\s*$")


def whole_name_form(name: str) -> str:
    """``name`` as a question spells it out whole: without its bracket characters."""
    return compact(_BRACKETS.sub("", name))


def name_forms(name: str) -> frozenset[str]:
    """How a question may spell ``name`` out: without brackets, and without trailing qualifiers."""
    forms = {whole_name_form(name), compact(_TRAILING_QUALIFIERS.sub("", name))}
    return frozenset(form for form in forms if len(form) >= MIN_NAME_LENGTH)


class NameMentions:
    """Finds the items whose name a question spells out; built once per loaded index."""

    def __init__(self, names: Sequence[str]) -> None:
        self._count = len(names)
        self._rows_by_form: dict[str, list[int]] = {}
        whole_name_rows: dict[str, list[int]] = {}
        for row, name in enumerate(names):
            for form in name_forms(name):
                self._rows_by_form.setdefault(form, []).append(row)
            whole_name_rows.setdefault(whole_name_form(name), []).append(row)
        for form, rows in whole_name_rows.items():
            if form in self._rows_by_form:
                self._rows_by_form[form] = rows
        # Grouped by first character: a question only needs the forms starting with its characters.
        self._forms_by_start: dict[str, list[str]] = {}
        for form in self._rows_by_form:
            self._forms_by_start.setdefault(form[0], []).append(form)

    def scores(self, query: str) -> np.ndarray:
        """1.0 for each item whose name the question spells out (longest found names only), else 0."""
        text = compact(query)
        found: list[tuple[int, int]] = []  # (start, end) of each spelled-out form
        for start, char in enumerate(text):
            for form in self._forms_by_start.get(char, ()):
                if text.startswith(form, start):
                    found.append((start, start + len(form)))
        longest = [span for span in found
                   if not any(other != span and other[0] <= span[0] and span[1] <= other[1] for other in found)]
        result = np.zeros(self._count, dtype=np.float32)
        for start, end in set(longest):
            result[self._rows_by_form[text[start:end]]] = 1.0
        return result
