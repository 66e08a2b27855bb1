"""jieba set up once, with the user dictionary generated from the knowledge base.

The same dictionary file feeds BM25 here, spaCy's jieba segmenter (indexer.nlp) and Rasa's
JiebaTokenizer (config.yml points at the folder ``write_user_dictionary`` writes to).
"""
from __future__ import annotations

import collections
import logging
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from indexer.records import ServiceItem

_LOCK = threading.Lock()
_loaded_dictionaries: set[Path] = set()

# Words that carry no meaning for retrieval in questions and names.
STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 么 嘛 哦 哈 是 在 我 我们 你 你们 他 她 它 要 想 请问 请 问 一下 怎么 怎样 如何 "
    "什么 哪 哪里 哪儿 哪些 多少 几 能 能否 可以 可否 需要 应该 该 去 到 和 与 及 或 或者 还 也 就 都 "
    "有 没有 没 这 那 这个 那个 个 一个 一家 家 呀 哎 嗯 您 谁 为 为了 被 把 让 给 对 从 向 以 之 其 "
    "等 办 办理 弄 搞 咋 咋办 啥 知道 告诉 帮 帮忙 下 上 里 中 后 前 时 时候 如果 但是 因为 所以 然后 "
    "现在 已经 刚 刚刚 马上 比较 非常 很 太 特别 一些 有些 所有 各 每 该 得 地 着 过 来 说".split()
)
_TOKEN_OK = re.compile(r"[\w\u4e00-\u9fff]")
_NAME_SEPARATORS = re.compile(r"[()（）\[\]【】〔〕、,，;；:：/\s·\-—]+")
# Words that never start or end a domain term ("效力的", "公路用地或者" are not terms).
_FUNCTION_WORDS = frozenset("的 或者 或 及 和 与 对 对于 进行 等 之 其他 在 为 由 被 以 从 中 内 上 下 因 持 需要 可 将 把 向 于 所 其".split())
_MIN_TERM_COUNT = 3
_MAX_TERM_LENGTH = 10


def get_jieba(user_dictionary: Path | None = None) -> ModuleType:
    """The process-wide jieba, initialised once and with ``user_dictionary`` loaded (once)."""
    import jieba

    with _LOCK:
        if not _loaded_dictionaries and not getattr(jieba.dt, "initialized", False):
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
        if user_dictionary is not None and user_dictionary not in _loaded_dictionaries:
            if user_dictionary.exists():
                jieba.load_userdict(str(user_dictionary))
            _loaded_dictionaries.add(user_dictionary)
    return jieba


def search_tokens(text: str, user_dictionary: Path | None = None) -> list[str]:
    """Tokens for BM25: jieba's search mode (long words and their parts), lower-cased, no stopwords."""
    jieba = get_jieba(user_dictionary)
    tokens = []
    for token in jieba.cut_for_search(text.lower()):
        token = token.strip()
        if token and token not in STOPWORDS and _TOKEN_OK.search(token):
            tokens.append(token)
    return tokens


def dictionary_terms(items: Iterable[ServiceItem], departments: Iterable[str] = ()) -> list[tuple[str, int]]:
    """Domain terms for jieba: department names and word combinations recurring in item names.

    Whole item names would be too long as words; the recurring combinations of jieba's own words
    (食品经营许可证, 个体工商户, 排污许可证) are what users also type.
    """
    jieba = get_jieba()
    counts: collections.Counter[str] = collections.Counter()
    names: set[str] = set()
    for item in items:
        names.add(item.name)
        if item.catalog_name:
            names.add(item.catalog_name)
    for name in names:
        seen: set[str] = set()
        for segment in _NAME_SEPARATORS.split(name):
            words = [w for w in jieba.lcut(segment, HMM=False) if w.strip()]
            for size in (2, 3):
                for start in range(len(words) - size + 1):
                    parts = words[start:start + size]
                    if parts[0] in _FUNCTION_WORDS or parts[-1] in _FUNCTION_WORDS:
                        continue
                    term = "".join(parts)
                    if 3 <= len(term) <= _MAX_TERM_LENGTH and re.fullmatch(r"[\u4e00-\u9fff]+", term):
                        seen.add(term)
        counts.update(seen)
    terms = {term: count for term, count in counts.items() if count >= _MIN_TERM_COUNT}
    for department in departments:
        department = department.strip()
        if department:
            terms[department] = terms.get(department, 0) + _MIN_TERM_COUNT
            short = re.sub(r"^(广东省|广州市|国家)", "", department)
            if short != department and len(short) >= 3:
                terms[short] = terms.get(short, 0) + _MIN_TERM_COUNT
    # jieba frequency: high enough to win against splitting the term into its parts.
    return sorted(((term, 1000 + 100 * count) for term, count in terms.items()), key=lambda t: t[0])


def write_user_dictionary(path: Path, terms: Iterable[tuple[str, int]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    with temporary.open("w", encoding="utf-8") as out:
        for term, frequency in terms:
            out.write(f"{term} {frequency} n\n")
    temporary.replace(path)
