from __future__ import annotations

import json
from pathlib import Path

from indexer.fitting import OUT_OF_CATALOG_TUNE_SPLITS, load_out_of_catalog


def test_out_of_catalog_negatives_leave_the_measuring_split_unseen(tmp_path: Path) -> None:
    rows = [{"query": "执照丢了", "split": "written"}, {"query": "公章刻制", "split": "heldout"},
            {"query": "开网咖", "split": "heldout2"}, {"query": "开药店", "split": "heldout9"},
            {"query": "高企认定条件", "split": "heldout8", "in_catalog": "高新技术企业认定"}, {"query": "无拆分标记"}]
    path = tmp_path / "out_of_catalog.jsonl"
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n", encoding="utf-8")
    # A question the catalog answers after all is never a negative.
    assert load_out_of_catalog(path=path) == ["执照丢了", "公章刻制", "开网咖", "无拆分标记"]
    assert "heldout9" not in OUT_OF_CATALOG_TUNE_SPLITS and "heldout10" not in OUT_OF_CATALOG_TUNE_SPLITS
    assert load_out_of_catalog(path=tmp_path / "missing.jsonl") == []


def test_shipped_out_of_catalog_set_keeps_a_measuring_split() -> None:
    shipped = load_out_of_catalog(splits=("heldout9", "heldout10"))
    assert len(shipped) >= 40 and not set(shipped) & set(load_out_of_catalog())
