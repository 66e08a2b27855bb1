"""The writer and the reader of an index agree on its files through indexer.layout."""
from __future__ import annotations

from pathlib import Path

from indexer import layout
from indexer.search import SearchIndex
from indexer.settings import IndexerSettings
from indexer.store import IndexStore
from tests.fakes import FAKE_MODEL


def expected_files() -> set[str]:
    files = layout.VersionFiles(Path("."))
    named = {files.manifest, files.records, files.chunks, files.user_dictionary, files.errors, files.name_pinyin,
             *(files.dense(name) for name in layout.DENSE_INDEXES),
             *(path for kind in ("faq", "bundle") for path in (files.questions(kind), files.question_owners(kind)))}
    # indexer.lexical writes each BM25 index as a weight matrix and its vocabulary.
    lexical = {Path(f"{name}{suffix}") for name in layout.LEXICAL_INDEXES for suffix in (".npz", ".vocab.json")}
    return {path.name for path in named | lexical}


def test_a_built_version_holds_exactly_the_files_the_layout_names(built_index: IndexerSettings) -> None:
    version = IndexStore(built_index.index_dir).current()
    assert version.path.parent.name == layout.VERSIONS_FOLDER
    assert (built_index.index_dir / layout.CURRENT_FILE).read_text(encoding="utf-8").strip() == version.name
    assert {path.name for path in version.path.iterdir()} == expected_files()


def test_the_reader_loads_every_dense_and_lexical_index_the_layout_names(built_index: IndexerSettings) -> None:
    index = SearchIndex.load(IndexStore(built_index.index_dir).current().path, FAKE_MODEL)
    assert set(index.dense) == set(layout.DENSE_INDEXES)
    assert set(index.lexical) == set(layout.LEXICAL_INDEXES)
    assert index.manifest["item_views"] == list(layout.ITEM_VIEWS)
    assert index.dense[layout.item_view_index("name")].ntotal == len(index.items)
    assert index.dense[layout.POLICY_PASSAGES].ntotal == len(index.policy_chunks)
