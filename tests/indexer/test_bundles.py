"""Bundles (一件事): loading, the workspace's checks of their steps, build, search and migration."""
from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.loaders import LoadReport, load_bundle_file, load_knowledge_base
from indexer.records import Bundle, BundleStep, record_from_dict
from indexer.search import SearchService
from indexer.settings import IndexerSettings
from indexer.workspace import KIND_FILES, KnowledgeWorkspace, WorkspaceError
from tests.fakes import CharacterEncoder

COMPANY = "11440000MB2D0234372440125017008"  # 内资有限责任公司设立登记
FOOD_LICENCE = "11440000MB2D0234372442125080000"  # 食品经营许可查询
WATER = "1144000000694113522440116004002"  # 新增取水许可


@pytest.fixture()
def workspace(settings: IndexerSettings) -> KnowledgeWorkspace:
    return KnowledgeWorkspace(settings.workspace_dir, settings.knowledge_base_dir)


def test_bundle_file_lines_become_bundles_and_bad_lines_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "bundles.jsonl"
    lines = [
        {"id": "b1", "name": "开餐馆", "variants": ["开饭店要办什么证", "开餐馆"],
         "steps": [{"item_id": COMPANY, "note": "先办执照"}, FOOD_LICENCE]},
        {"id": "b2", "name": "没有步骤", "steps": []},
        {"id": "b3", "name": "步骤缺编码", "steps": [{"note": "只有备注"}]},
        {"id": "b4", "name": "重复步骤", "steps": [COMPANY, COMPANY]},
        {"name": "没有编号", "steps": [COMPANY]},
    ]
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n{not json\n", encoding="utf-8")
    report = LoadReport()
    bundles = list(load_bundle_file(path, report))
    assert [b.id for b in bundles] == ["b1"]
    assert bundles[0].steps == (BundleStep(COMPANY, "先办执照"), BundleStep(FOOD_LICENCE))
    assert bundles[0].variants == ("开饭店要办什么证",)  # the name itself is not repeated as a variant
    assert [p.line for p in report.problems] == [2, 3, 4, 5, 6]
    reasons = " ".join(p.reason for p in report.problems)
    assert "至少要有一个步骤" in reasons and "第 1 步缺少事项编码" in reasons and "出现了两次" in reasons
    assert "缺少编号" in reasons and "JSON" in reasons


def test_bundle_round_trips_through_its_dict() -> None:
    bundle = Bundle(id="b", name="开餐馆", steps=(BundleStep(COMPANY, "先办执照", "内资有限责任公司设立登记", "广东省市场监督管理局"),),
                    variants=("开饭店",), intro="按顺序办理", outside_catalog=("食品经营许可（区市场监督管理局）",))
    data = json.loads(json.dumps(bundle.to_dict(), ensure_ascii=False))
    assert data["kind"] == "bundle" and data["steps"][0]["item_id"] == COMPANY
    assert record_from_dict(data) == bundle


def test_shipped_bundles_are_imported_with_item_names(workspace: KnowledgeWorkspace) -> None:
    snapshot = workspace.snapshot()
    restaurant = snapshot.bundles["bundle-restaurant"]
    assert [(s.item_id, s.title) for s in restaurant.steps] == [
        (COMPANY, "内资有限责任公司设立登记"), (FOOD_LICENCE, "食品经营许可查询")]
    assert restaurant.steps[0].department == "广东省市场监督管理局"
    assert workspace.latest().counts["bundles"] == 2


def test_a_bundle_with_an_unknown_item_is_refused(workspace: KnowledgeWorkspace) -> None:
    before = workspace.latest().number
    bad = Bundle(id="bundle-x", name="开便利店", steps=(BundleStep(COMPANY), BundleStep("11440000NOSUCHITEM")))
    with pytest.raises(WorkspaceError, match=r"开便利店.*11440000NOSUCHITEM.*不在知识库中"):
        workspace.put([bad], "editor1", "新增一件事")
    assert workspace.latest().number == before  # nothing written


def test_a_bundle_may_use_items_added_in_the_same_change(workspace: KnowledgeWorkspace) -> None:
    item = dataclasses.replace(workspace.snapshot().items[WATER], id="11440000NEWITEM", name="新的取水事项")
    bundle = Bundle(id="bundle-water", name="用水", steps=(BundleStep("11440000NEWITEM", "先办"),))
    version = workspace.put([item, bundle], "editor1", "上传")
    saved = workspace.snapshot(version.number).bundles["bundle-water"]
    assert saved.steps[0].title == "新的取水事项"  # the title comes from the catalog, not the editor


def test_an_item_a_bundle_uses_cannot_be_deleted(workspace: KnowledgeWorkspace) -> None:
    with pytest.raises(WorkspaceError, match="开餐馆"):
        workspace.delete([FOOD_LICENCE], "editor1")
    # Deleting the bundle first, then the item, works.
    workspace.delete(["bundle-restaurant"], "editor1")
    version = workspace.delete([FOOD_LICENCE], "editor1")
    assert FOOD_LICENCE not in workspace.snapshot(version.number).items


def test_a_workspace_from_before_bundles_gets_the_shipped_ones(settings: IndexerSettings, workspace: KnowledgeWorkspace) -> None:
    first = workspace.latest()
    # The workspace as an older release left it: no bundles file in its versions.
    (workspace.versions_dir / f"{first.number:06d}" / KIND_FILES["bundle"]).unlink()
    migrated = KnowledgeWorkspace(settings.workspace_dir, settings.knowledge_base_dir).latest()
    assert migrated.number == first.number + 1 and migrated.author == "system"
    assert migrated.counts["bundles"] == 2 and "一件事" in migrated.summary
    assert workspace.published_number() == migrated.number  # version 1 was published: so is this one
    assert set(workspace.snapshot().bundles) == {"bundle-restaurant", "bundle-company-closing"}
    assert workspace.latest().number == migrated.number  # done once


def test_bundle_questions_are_answered_with_the_bundle(built_index: IndexerSettings, encoder: CharacterEncoder) -> None:
    service = SearchService(built_index, encoder=encoder)
    result = service.search("开饭店要办什么证")
    top = result.hits[0]
    assert top.kind == "bundle" and top.id == "bundle-restaurant" and result.level == "high"
    assert isinstance(top.record, Bundle) and [s.title for s in top.record.steps] == ["内资有限责任公司设立登记", "食品经营许可查询"]
    assert "1. 内资有限责任公司设立登记" in top.snippet
    assert all(hit.kind != "bundle" for hit in result.hits[1:])
    assert isinstance(service.record("bundle-restaurant"), Bundle)
    assert [hit.id for hit in service.search("公司不干了怎么注销", kind="bundle").hits][:1] == ["bundle-company-closing"]
    # An ordinary item question is not taken over by a bundle.
    assert all(hit.kind != "bundle" for hit in service.search("新增取水许可").hits)


def test_build_leaves_out_steps_whose_item_is_gone(settings: IndexerSettings, encoder: CharacterEncoder,
                                                  knowledge_base: Path) -> None:
    knowledge = load_knowledge_base(knowledge_base)
    knowledge.items = [item for item in knowledge.items if item.id != FOOD_LICENCE]
    result = build_index(settings, knowledge=knowledge, encoder=encoder)
    assert any("not in the knowledge base" in problem.reason for problem in result.report.problems)
    restaurant = SearchService(settings, encoder=encoder).record("bundle-restaurant")
    assert isinstance(restaurant, Bundle) and restaurant.item_ids() == (COMPANY,)


def test_a_knowledge_base_without_bundles_builds_and_searches(settings: IndexerSettings, encoder: CharacterEncoder,
                                                             knowledge_base: Path) -> None:
    shutil.rmtree(knowledge_base / "bundles")
    build_index(settings, encoder=encoder)
    service = SearchService(settings, encoder=encoder)
    assert service.search("开饭店要办什么证", kind="bundle").hits == ()
    assert all(hit.kind != "bundle" for hit in service.search("开饭店要办什么证").hits)


def test_cli_prints_a_bundle_hit_with_its_steps(service: SearchService, capsys: pytest.CaptureFixture[str]) -> None:
    from indexer import cli

    cli._print_result(service.search("开饭店要办什么证"))
    printed = capsys.readouterr().out.splitlines()
    assert printed[1].startswith(" 1. [bundle] 开餐馆")
    assert printed[2] == "    1. 内资有限责任公司设立登记；2. 食品经营许可查询"
