"""The 8-bit copy of the base model the Rasa featurizer runs: written once, the same file each time,
vectors close to the full-precision network's, and an identity no full-precision index accepts."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer.embedding import OnnxEncoder, encode_queries
from indexer.errors import ModelNotFoundError
from indexer.model_setup import ONNX_FILE, QUANTIZED_ONNX_FILE, ensure_quantized
from indexer.settings import IndexerSettings

pytestmark = pytest.mark.integration

QUESTIONS = ["股权出质注销登记在哪里办", "需要什么材料", "你好", "转人工", "我们是做餐饮的小微企业，有哪些补贴",
             "公司的营业执照丢了怎么补办，需要带什么，多久能拿到，可以网上办吗", "辦(bàn)理社保开户"]


def test_the_quantized_copy_is_deterministic_and_close_to_the_full_model(tmp_path: Path) -> None:
    base = IndexerSettings.from_env().base_model_dir
    model = tmp_path / "model"
    model.mkdir()
    for name in ("daofu_model.json", "tokenizer.json"):
        shutil.copy(base / name, model / name)
    (model / ONNX_FILE).parent.mkdir()
    shutil.copy(base / ONNX_FILE, model / ONNX_FILE)
    with pytest.raises(ModelNotFoundError, match="prepare-model"):
        OnnxEncoder(model, threads=1, onnx_file=QUANTIZED_ONNX_FILE)
    written = ensure_quantized(model)
    assert written == model / QUANTIZED_ONNX_FILE and not list(written.parent.glob("*.partial"))
    assert written.stat().st_size < (model / ONNX_FILE).stat().st_size / 3
    assert (base / QUANTIZED_ONNX_FILE).exists(), "prepare-model --base-only writes it"
    assert written.read_bytes() == (base / QUANTIZED_ONNX_FILE).read_bytes()  # deterministic
    full = encode_queries(OnnxEncoder(model, threads=1), QUESTIONS)
    eight_bit = OnnxEncoder(model, threads=1, onnx_file=QUANTIZED_ONNX_FILE)
    assert eight_bit.model_id != OnnxEncoder(model, threads=1).model_id
    cosines = np.sum(full * encode_queries(eight_bit, QUESTIONS), axis=1)
    assert float(cosines.min()) > 0.98, cosines
