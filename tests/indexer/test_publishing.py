"""Publishing an index version: one function for the CLI's build and the editor's publish."""
from __future__ import annotations

import pytest

from indexer.build import build_index
from indexer.errors import IndexNotFoundError
from indexer.publishing import publish_index
from indexer.records import ServiceItem
from indexer.settings import IndexerSettings
from indexer.store import IndexStore
from indexer.workspace import KnowledgeWorkspace
from tests.fakes import CharacterEncoder

NEW_ITEM = ServiceItem(id="pub-test-1", name="餐饮服务许可证注销", department="市行政审批服务局")


@pytest.fixture()
def workspace(settings: IndexerSettings) -> KnowledgeWorkspace:
    return KnowledgeWorkspace(settings.workspace_dir, settings.knowledge_base_dir)


def test_publish_switches_the_index_and_marks_the_knowledge_version(settings: IndexerSettings,
                                                                   workspace: KnowledgeWorkspace,
                                                                   encoder: CharacterEncoder) -> None:
    first = build_index(settings, knowledge=workspace.knowledge(1), encoder=encoder, kb_version=1, workspace=workspace)
    store = IndexStore(settings.index_dir)
    assert store.current_name() == first.version.name and workspace.published_number() == 1
    version = workspace.put([NEW_ITEM], "editor1", "add")
    candidate = build_index(settings, knowledge=workspace.knowledge(version.number), encoder=encoder,
                            publish=False, kb_version=version.number, workspace=workspace)
    assert store.current_name() == first.version.name and workspace.published_number() == 1

    publish_index(settings.index_dir, candidate.version.name, workspace, version.number)

    assert store.current_name() == candidate.version.name
    assert workspace.published_number() == version.number


def test_publishing_a_missing_version_changes_nothing(settings: IndexerSettings, workspace: KnowledgeWorkspace,
                                                     encoder: CharacterEncoder) -> None:
    first = build_index(settings, knowledge=workspace.knowledge(1), encoder=encoder, kb_version=1, workspace=workspace)
    version = workspace.put([NEW_ITEM], "editor1", "add")
    with pytest.raises(IndexNotFoundError):
        publish_index(settings.index_dir, "20990101T000000.000000-abcdef", workspace, version.number)
    assert IndexStore(settings.index_dir).current_name() == first.version.name
    assert workspace.published_number() == 1


def test_build_without_a_workspace_only_switches_the_index(settings: IndexerSettings, workspace: KnowledgeWorkspace,
                                                          encoder: CharacterEncoder) -> None:
    workspace.put([NEW_ITEM], "editor1", "add")
    result = build_index(settings, knowledge=workspace.knowledge(2), encoder=encoder, kb_version=2)
    assert IndexStore(settings.index_dir).current_name() == result.version.name
    assert workspace.published_number() == 1

