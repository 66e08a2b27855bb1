"""A saved tokenizer padding setting must not change vectors (regression: pads were averaged in)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer.embedding import OnnxEncoder, encode_passages
from indexer.settings import IndexerSettings

pytestmark = pytest.mark.integration


def test_vectors_do_not_depend_on_batch_company_or_saved_padding(tmp_path: Path) -> None:
    base = IndexerSettings.from_env().base_model_dir
    padded = tmp_path / "model"
    shutil.copytree(base, padded)
    tokenizer = json.loads((padded / "tokenizer.json").read_text(encoding="utf-8"))
    tokenizer["padding"] = {"strategy": "BatchLongest", "direction": "Right", "pad_to_multiple_of": None,
                            "pad_id": 1, "pad_type_id": 0, "pad_token": "<pad>"}
    (padded / "tokenizer.json").write_text(json.dumps(tokenizer), encoding="utf-8")
    short, long = "营业执照", "对承租国有资产类经营用房的中小微企业免收三个月房租。" * 10
    alone = encode_passages(OnnxEncoder(padded, threads=1), [short])[0]
    together = encode_passages(OnnxEncoder(padded, threads=1), [short, long])[0]
    reference = encode_passages(OnnxEncoder(base, threads=1), [short])[0]
    assert float(np.dot(alone, together)) > 0.9999
    assert float(np.dot(alone, reference)) > 0.9999
