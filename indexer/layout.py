"""The on-disk names of an index: the root's pointer and version folders, and the files of one
version. The writer (indexer.build, indexer.store) and the reader (indexer.search) both take
them from here, so a renamed file cannot leave one side behind.

Under the index root::

    CURRENT                       name of the version being served (replaced atomically)
    versions/<version>/           one complete build (the files below)
    versions/<version>.partial/   a build in progress (or one that died); never served

In one version::

    manifest.json                 what was built, from what, with which model and code versions
    records.jsonl  chunks.jsonl   records (items, policies, FAQ entries, bundles); policy passages
    userdict.txt                  jieba user dictionary the BM25 word tokens were made with
    items_<view>.faiss            one dense index per item view (ITEM_VIEWS)
    policies.faiss                dense index of policy passages
    <lexical>.npz/.vocab.json     BM25 indexes (LEXICAL_INDEXES; indexer.lexical writes the pair)
    items_name_pinyin.json        item names' pinyin and character readings (typo correction)
    faqs.faiss  faq_owners.npy    FAQ questions (query vectors) and the FAQ row of each vector
    bundles.faiss bundle_owners.npy   the same for bundles (一件事)
    errors.jsonl                  the build's load report
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

# The index root.
CURRENT_FILE = "CURRENT"
VERSIONS_FOLDER = "versions"
PARTIAL_SUFFIX = ".partial"

# One version.
MANIFEST_FILE = "manifest.json"
RECORDS_FILE = "records.jsonl"
CHUNKS_FILE = "chunks.jsonl"
USER_DICTIONARY_FILE = "userdict.txt"
ERRORS_FILE = "errors.jsonl"
# {"syllables": per item the toneless syllable of each name character,
#  "readings": character -> its toneless readings, the usual one first, space-separated}
NAME_PINYIN_FILE = "items_name_pinyin.json"

# Dense indexes (faiss): three views per item, one vector per policy passage.
ITEM_VIEWS = ("name", "name_department", "text")
POLICY_PASSAGES = "policies"

# Lexical indexes (BM25).
ITEM_NAME_CHARS = "items_name_chars"  # characters of the item name
ITEM_TEXT_WORDS = "items_text_words"  # jieba words of the item's full text
POLICY_WORDS = "policies_words"  # jieba words of each passage
POLICY_CHARS = "policies_chars"  # character bigrams of each passage
LEXICAL_INDEXES = (ITEM_NAME_CHARS, ITEM_TEXT_WORDS, POLICY_WORDS, POLICY_CHARS)

QuestionKind = Literal["faq", "bundle"]


def item_view_index(view: str) -> str:
    """Name of the dense index of one item view (``items_name`` ...)."""
    return f"items_{view}"


ITEM_VIEW_INDEXES = tuple(item_view_index(view) for view in ITEM_VIEWS)
DENSE_INDEXES = (*ITEM_VIEW_INDEXES, POLICY_PASSAGES)


@dataclass(frozen=True)
class VersionFiles:
    """The paths of the files of one index version folder."""

    folder: Path

    @property
    def manifest(self) -> Path:
        return self.folder / MANIFEST_FILE

    @property
    def records(self) -> Path:
        return self.folder / RECORDS_FILE

    @property
    def chunks(self) -> Path:
        return self.folder / CHUNKS_FILE

    @property
    def user_dictionary(self) -> Path:
        return self.folder / USER_DICTIONARY_FILE

    @property
    def errors(self) -> Path:
        return self.folder / ERRORS_FILE

    @property
    def name_pinyin(self) -> Path:
        return self.folder / NAME_PINYIN_FILE

    def dense(self, name: str) -> Path:
        """The faiss file of a dense index (``DENSE_INDEXES``)."""
        return self.folder / f"{name}.faiss"

    def questions(self, kind: QuestionKind) -> Path:
        """The faiss file of the FAQ entries' or bundles' questions."""
        return self.dense(f"{kind}s")

    def question_owners(self, kind: QuestionKind) -> Path:
        """The record row of each question vector (numpy int64)."""
        return self.folder / f"{kind}_owners.npy"
