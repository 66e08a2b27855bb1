"""Knowledge-base versions: changes, audit log, restore; builds from a version; FAQ and expiry."""
from __future__ import annotations

import dataclasses
import threading

import pytest

from indexer.build import build_index
from indexer.records import FaqEntry, PolicyDoc, ServiceItem
from indexer.search import SearchService
from indexer.settings import IndexerSettings
from indexer.store import IndexStore
from indexer.workspace import KnowledgeWorkspace, WorkspaceError
from tests.fakes import CharacterEncoder

NEW_POLICY = PolicyDoc(id="digital-2026", title="关于支持小微企业数字化转型的若干措施",
                       body="一、对小微企业数字化改造项目给予补贴，数字化改造补贴最高50万元。二、申报时间为每年3月。",
                       issuer="济南市人民政府办公厅", doc_number="济政办发〔2026〕18号", date="2026-03-01")


@pytest.fixture()
def workspace(settings: IndexerSettings) -> KnowledgeWorkspace:
    return KnowledgeWorkspace(settings.workspace_dir, settings.knowledge_base_dir)


def test_first_version_is_imported_from_the_knowledge_base(workspace: KnowledgeWorkspace) -> None:
    version = workspace.latest()
    assert version.number == 1 and version.author == "system"
    assert version.counts == {"items": 15, "policies": 7, "faqs": 0, "bundles": 2}
    assert workspace.published_number() == 1
    assert len(workspace.snapshot().items) == 15


def test_every_change_is_a_new_version_with_author_summary_and_changes(workspace: KnowledgeWorkspace) -> None:
    added = workspace.put([NEW_POLICY], "editor1", "上传数字化转型政策")
    assert (added.number, added.author, added.summary) == (2, "editor1", "上传数字化转型政策")
    assert [(c.action, c.kind, c.id) for c in added.changes] == [("add", "policy", "digital-2026")]
    item = next(iter(workspace.snapshot().items.values()))
    edited = workspace.put([dataclasses.replace(item, promised_time_limit="3个工作日")], "editor2", "")
    assert edited.changes[0].action == "replace" and edited.summary.startswith("replace ")
    deleted = workspace.delete([item.id], "editor1")
    assert deleted.counts["items"] == 14 and deleted.changes[0].action == "delete"
    log = workspace.versions()
    assert [v.number for v in log] == [4, 3, 2, 1]
    assert [v.author for v in log] == ["editor1", "editor2", "editor1", "system"]
    # Versions are immutable snapshots.
    assert "digital-2026" not in workspace.snapshot(1).policies
    assert workspace.snapshot(3).items[item.id].promised_time_limit == "3个工作日"


def test_unchanged_kinds_are_hard_links(workspace: KnowledgeWorkspace, settings: IndexerSettings) -> None:
    workspace.put([NEW_POLICY], "editor1", "add")
    first, second = (settings.workspace_dir / "versions" / f"{n:06d}" for n in (1, 2))
    assert (first / "items.jsonl").stat().st_ino == (second / "items.jsonl").stat().st_ino
    assert (first / "policies.jsonl").stat().st_ino != (second / "policies.jsonl").stat().st_ino


def test_restore_copies_an_old_version_forward(workspace: KnowledgeWorkspace) -> None:
    workspace.put([NEW_POLICY], "editor1", "add")
    restored = workspace.restore(1, "editor2")
    assert restored.number == 3 and restored.changes[0].action == "restore"
    assert "digital-2026" not in workspace.snapshot().policies
    assert restored.content_hash == workspace.version(1).content_hash


def test_bad_changes_are_refused_and_change_nothing(workspace: KnowledgeWorkspace) -> None:
    with pytest.raises(WorkspaceError, match="no record with id"):
        workspace.delete(["nope"], "editor1")
    with pytest.raises(WorkspaceError, match="does not exist"):
        workspace.restore(99, "editor1")
    with pytest.raises(WorkspaceError, match="nothing to add"):
        workspace.put([], "editor1", "")
    assert workspace.latest().number == 1


def test_concurrent_changes_get_distinct_versions(workspace: KnowledgeWorkspace) -> None:
    workspace.latest()
    errors: list[BaseException] = []

    def add(number: int) -> None:
        try:
            workspace.put([dataclasses.replace(NEW_POLICY, id=f"p{number}")], f"editor{number}", "")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
    threads = [threading.Thread(target=add, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert [v.number for v in workspace.versions()] == [7, 6, 5, 4, 3, 2, 1]
    assert {f"p{n}" for n in range(6)} <= set(workspace.snapshot().policies)


def test_unpublished_build_is_not_served_until_switched(workspace: KnowledgeWorkspace, settings: IndexerSettings,
                                                        encoder: CharacterEncoder) -> None:
    build_index(settings, knowledge=workspace.knowledge(1), encoder=encoder, kb_version=1)
    store = IndexStore(settings.index_dir)
    served = store.current_name()
    version = workspace.put([NEW_POLICY], "editor1", "add")
    candidate = build_index(settings, knowledge=workspace.knowledge(version.number), encoder=encoder,
                            publish=False, kb_version=version.number)
    assert store.current_name() == served and candidate.manifest["kb_version"] == 2
    live = SearchService(settings, encoder=encoder)
    pinned = SearchService(settings, encoder=encoder, pinned_version=candidate.version.name)
    question = "数字化改造补贴最高多少"
    assert all(hit.id != "digital-2026" for hit in live.search(question, kind="policy").hits)
    assert pinned.search(question, kind="policy").hits[0].id == "digital-2026"
    store.switch(candidate.version.name)
    assert live.reload().manifest["kb_version"] == 2
    assert live.search(question, kind="policy").hits[0].id == "digital-2026"


def test_rebuild_reuses_vectors_and_derived_passages(workspace: KnowledgeWorkspace, settings: IndexerSettings,
                                                     encoder: CharacterEncoder) -> None:
    first = build_index(settings, knowledge=workspace.knowledge(1), encoder=encoder)
    version = workspace.put([NEW_POLICY], "editor1", "add")
    encoder.calls = 0
    second = build_index(settings, knowledge=workspace.knowledge(version.number), encoder=encoder)
    assert first.embedded > 0
    # Only the new document's passages are embedded again (plus the build check's probe query).
    assert second.embedded == second.manifest["counts"]["policy_chunks"] - first.manifest["counts"]["policy_chunks"]


def test_expired_policies_are_not_used_for_answers(workspace: KnowledgeWorkspace, settings: IndexerSettings,
                                                   encoder: CharacterEncoder) -> None:
    expired = dataclasses.replace(NEW_POLICY, expiry_date="2020-12-31")
    version = workspace.put([expired], "editor1", "过期政策")
    build_index(settings, knowledge=workspace.knowledge(version.number), encoder=encoder)
    hits = SearchService(settings, encoder=encoder).search("数字化改造补贴最高多少").hits
    assert all(hit.id != "digital-2026" for hit in hits)
    assert expired.expired("2026-11-27") and not NEW_POLICY.expired("2026-11-27")


def test_faq_entries_answer_their_questions(workspace: KnowledgeWorkspace, settings: IndexerSettings,
                                            encoder: CharacterEncoder) -> None:
    item = next(iter(workspace.snapshot().items.values()))
    faq = FaqEntry(id="faq-1", question="营业执照丢了怎么补办", variants=("营业执照遗失补领",),
                   answer="营业执照遗失的，先登报声明作废，再到登记机关申请补领。", item_id=item.id, author="editor1")
    version = workspace.put([faq], "editor1", "新增常见问题")
    build_index(settings, knowledge=workspace.knowledge(version.number), encoder=encoder)
    service = SearchService(settings, encoder=encoder)
    result = service.search("营业执照丢了怎么补办")
    assert result.hits[0].kind == "faq" and result.level == "high"
    assert result.hits[0].snippet == faq.answer and isinstance(service.record("faq-1"), FaqEntry)
    assert [hit.id for hit in service.search("营业执照遗失补领", kind="faq").hits] == ["faq-1"]
    assert all(hit.kind != "faq" for hit in service.search("取水许可").hits)


def test_service_item_round_trips_through_a_version(workspace: KnowledgeWorkspace) -> None:
    item = ServiceItem(id="X1", name="测试事项", department="测试局", materials=("申请书", "身份证"))
    workspace.put([item], "editor1", "")
    assert workspace.snapshot().items["X1"] == item
