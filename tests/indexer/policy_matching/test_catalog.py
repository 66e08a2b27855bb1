"""The shipped measures: valid, quoting their documents exactly, at least 40 of them."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from indexer.policy_matching.catalog import load_catalog, measure_files, policy_texts
from indexer.policy_matching.errors import MeasureDataError
from indexer.policy_matching.measures import ConditionType, check_against_documents, load_measures

KB = Path(__file__).resolve().parents[3] / "knowledge_base"


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return policy_texts(KB)


def test_at_least_40_measures_load_and_quote_their_documents(texts: dict[str, str]) -> None:
    measures = load_measures(measure_files(KB))
    assert len(measures) >= 40
    assert check_against_documents(measures, texts) == []
    for measure in measures:
        assert measure.source.passage in texts[measure.policy_id]
        for condition in measure.conditions:
            assert condition.evidence, f"{measure.id}: {condition.text} has no evidence"
            assert condition.evidence in texts[measure.policy_id]
    assert len(load_catalog(KB)) == len(measures)


def test_the_measures_are_varied() -> None:
    measures = load_measures(measure_files(KB))
    assert len({m.policy_id for m in measures}) >= 8
    assert {m.level.value for m in measures if m.level} == {"国家", "省", "市", "区"}
    types = Counter(c.type for m in measures for c in m.conditions)
    assert types[ConditionType.SIZE_IN] >= 10 and types[ConditionType.MANUAL] >= 20
    assert {ConditionType.INDUSTRY_IN, ConditionType.QUALIFICATION, ConditionType.EMPLOYEES,
            ConditionType.REGION, ConditionType.TAX_CREDIT_LEVEL} <= set(types)


def test_a_passage_not_in_its_document_is_refused(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policy_measures").mkdir()
    (tmp_path / "policies" / "docs.jsonl").write_text(
        json.dumps({"docid": "d1", "text": "对中小微企业免收2月份房租。"}, ensure_ascii=False) + "\n", encoding="utf-8")
    record = {"id": "d1-01", "policy_id": "d1", "title": "免收房租", "how": "未说明", "benefit": {"text": "免收房租"},
              "source": {"document_id": "d1", "passage": "对中小微企业免收3月份房租。"}}
    (tmp_path / "policy_measures" / "m.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(MeasureDataError, match="d1-01: source passage is not in document d1"):
        load_catalog(tmp_path)


def test_bad_lines_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text('{"id": "a"}\nnot json\n', encoding="utf-8")
    with pytest.raises(MeasureDataError, match=r"m\.jsonl:1"):
        load_measures([path])
    path.write_text("not json\n", encoding="utf-8")
    with pytest.raises(MeasureDataError, match=r"m\.jsonl:1: not JSON"):
        load_measures([path])
