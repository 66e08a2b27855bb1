from __future__ import annotations

import pytest

from indexer.chunking import ChunkingSettings, item_chunk, item_text, policy_chunks
from indexer.nlp import PolicyAnnotator
from indexer.records import PolicyDoc, ServiceItem


def split(text: str) -> list[tuple[int, str]]:
    return PolicyAnnotator().sentences(text)


def test_item_text_has_name_department_materials_conditions() -> None:
    item = ServiceItem(id="1", name="排污许可证核发", department="广州市生态环境局", materials=("申请表", "环评批复"),
                       conditions="依据《排污许可管理条例》", catalog_name="排污许可")
    assert item_text(item) == "排污许可证核发\n实施部门:广州市生态环境局\n材料:申请表、环评批复\n条件:依据《排污许可管理条例》"
    chunk = item_chunk(item)
    assert (chunk.id, chunk.record_id, chunk.kind, chunk.title) == ("1#0", "1", "item", "排污许可证核发")


def test_policy_chunks_respect_bound_and_keep_order() -> None:
    body = "".join(f"第{i}条规定企业可以申请缓缴社会保险费用。" for i in range(40))
    policy = PolicyDoc(id="p1", title="通知", body=body)
    chunks = policy_chunks(policy, split, ChunkingSettings(max_chars=100, overlap_sentences=0))
    assert all(len(chunk.text) <= 100 for chunk in chunks)
    assert [chunk.position for chunk in chunks] == list(range(len(chunks)))
    assert "".join(chunk.text for chunk in chunks) == body
    assert all(body[chunk.start:chunk.start + len(chunk.text)] == chunk.text for chunk in chunks)
    assert {chunk.record_id for chunk in chunks} == {"p1"} and {chunk.title for chunk in chunks} == {"通知"}


def test_overlap_repeats_the_boundary_sentence() -> None:
    body = "甲" * 40 + "。" + "乙" * 40 + "。" + "丙" * 40 + "。"
    chunks = policy_chunks(PolicyDoc(id="p", title="t", body=body), split, ChunkingSettings(max_chars=90, overlap_sentences=1))
    assert chunks[0].text.endswith("乙" * 40 + "。") and chunks[1].text.startswith("乙" * 40)


def test_overlong_sentence_is_cut_at_commas_then_hard() -> None:
    body = "，".join(["字" * 30] * 10) + "。" + "无" * 250
    chunks = policy_chunks(PolicyDoc(id="p", title="t", body=body), split, ChunkingSettings(max_chars=80, overlap_sentences=0))
    assert all(len(chunk.text) <= 80 for chunk in chunks)
    assert "".join(chunk.text for chunk in chunks) == body


def test_settings_validate() -> None:
    with pytest.raises(ValueError, match="max_chars"):
        ChunkingSettings(max_chars=10)
