from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.search import SearchService
from indexer.settings import IndexerSettings
from tests.fakes import CharacterEncoder
from tests.stack import Stack, running_stack

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def build_fixture_search(root: Path) -> SearchService:
    """A search service over a fresh index of the fixture knowledge base, built under ``root``
    (for module- and session-scoped fixtures that only read it)."""
    shutil.copytree(FIXTURES / "knowledge_base", root / "knowledge_base")
    settings = IndexerSettings(knowledge_base_dir=root / "knowledge_base", index_dir=root / "index",
                               workspace_dir=root / "workspace", model_dir=root / "no-model",
                               embedding_cache=root / "cache" / "embeddings.sqlite", chunk_max_chars=120)
    encoder = CharacterEncoder()
    build_index(settings, encoder=encoder)
    return SearchService(settings, encoder=encoder)


@pytest.fixture(scope="session")
def bot_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One action server and Rasa server (no desk) over a fixture index, shared by the test modules
    that only talk to the bot, each with its own conversation ids: one start instead of one per
    module (a start took about two minutes on 2 cores while Rasa had DIET and TED, ~20 s now)."""
    with running_stack(tmp_path_factory.mktemp("bot-stack"), with_desk=False) as running:
        yield running


@pytest.fixture()
def knowledge_base(tmp_path: Path) -> Path:
    """A writable copy of the small fixture knowledge base (15 items, 7 policies)."""
    target = tmp_path / "knowledge_base"
    shutil.copytree(FIXTURES / "knowledge_base", target)
    return target


@pytest.fixture()
def settings(tmp_path: Path, knowledge_base: Path) -> IndexerSettings:
    return IndexerSettings(
        knowledge_base_dir=knowledge_base,
        index_dir=tmp_path / "index",
        workspace_dir=tmp_path / "workspace",
        model_dir=tmp_path / "no-model",
        embedding_cache=tmp_path / "cache" / "embeddings.sqlite",
        chunk_max_chars=120,
    )


@pytest.fixture()
def encoder() -> CharacterEncoder:
    return CharacterEncoder()


@pytest.fixture()
def built_index(settings: IndexerSettings, encoder: CharacterEncoder) -> IndexerSettings:
    build_index(settings, encoder=encoder)
    return settings


@pytest.fixture()
def service(built_index: IndexerSettings, encoder: CharacterEncoder) -> Iterator[SearchService]:
    yield SearchService(built_index, encoder=encoder)
