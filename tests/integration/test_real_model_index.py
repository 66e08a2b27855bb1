"""The real e5 model (ONNX) over the fixture knowledge base: build, search, CLI contract."""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from indexer.build import build_index
from indexer.embedding import OnnxEncoder, SentenceTransformerEncoder, encode_passages
from indexer.errors import IndexMismatchError
from indexer.search import SearchIndex, SearchService
from indexer.settings import IndexerSettings
from indexer.store import IndexStore

pytestmark = pytest.mark.integration
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model_dir() -> Path:
    # The converted base model: what `make test` prepares (fine-tuning is `make run`'s job).
    path = IndexerSettings.from_env().base_model_dir
    assert (path / "onnx" / "model.onnx").exists(), f"no prepared model in {path}: run `make setup-test` first"
    return path


@pytest.fixture(scope="module")
def real_settings(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> IndexerSettings:
    import shutil

    root = tmp_path_factory.mktemp("real")
    shutil.copytree(PROJECT_ROOT / "tests" / "fixtures" / "knowledge_base", root / "knowledge_base")
    settings = IndexerSettings(knowledge_base_dir=root / "knowledge_base", index_dir=root / "index",
                               model_dir=model_dir, embedding_cache=root / "cache.sqlite", threads=2)
    build_index(settings)
    return settings


def test_onnx_matches_sentence_transformers(model_dir: Path) -> None:
    texts = ["营业执照丢了怎么补办", "疫情期间房租能减免吗", "ABC 全角123,测试!"]
    onnx = encode_passages(OnnxEncoder(model_dir, threads=2), texts)
    torch = encode_passages(SentenceTransformerEncoder(model_dir), texts)
    assert np.min(np.sum(onnx * torch, axis=1)) > 0.999


def test_enterprise_questions_find_items_and_policies(real_settings: IndexerSettings) -> None:
    service = SearchService(real_settings)
    assert service.search("贷款还清了，之前质押的股权怎么解除登记", kind="item").hits[0].title == "对股权出质注销登记"
    assert service.search("取水许可第一次申请", kind="item").hits[0].title == "新增取水许可"
    policy = service.search("小微企业房租能减免吗", kind="policy").hits[0]
    assert policy.kind == "policy" and "租" in policy.snippet


def test_cli_batch_contract(real_settings: IndexerSettings) -> None:
    environment = {**os.environ, "DAOFU_KB_DIR": str(real_settings.knowledge_base_dir),
                   "DAOFU_INDEX_DIR": str(real_settings.index_dir), "DAOFU_MODEL_DIR": str(real_settings.model_dir)}
    # Traditional characters in, the simplified catalog name out. ("停業期滿恢復營業" is avoided: with
    # the base model over the 15 fixture items its characters favour 停业登记; the fine-tuned model
    # over the full catalog puts 复业登记 first.)
    queries = "股权出质注销\n\n恢復營業要辦什麼登記\n"
    output = subprocess.run([sys.executable, "-m", "indexer", "search", "--json", "--k", "3"], input=queries,
                            capture_output=True, text=True, env=environment, cwd=PROJECT_ROOT, check=True)
    lines = [json.loads(line) for line in output.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["股权出质注销", "", "恢復營業要辦什麼登記"]
    assert lines[1]["hits"] == []
    assert lines[2]["hits"][0]["title"] == "复业登记"
    empty = subprocess.run([sys.executable, "-m", "indexer", "search", ""], capture_output=True, text=True,
                           env=environment, cwd=PROJECT_ROOT)
    assert empty.returncode == 2 and "empty" in empty.stderr


def test_index_built_with_another_model_is_refused(real_settings: IndexerSettings) -> None:
    version = IndexStore(real_settings.index_dir).current()
    other = {**OnnxEncoder(real_settings.model_dir).model_id, "fingerprint": "0000"}
    with pytest.raises(IndexMismatchError, match="rebuild"):
        SearchIndex.load(version.path, other)


def test_threads_setting_is_validated() -> None:
    with pytest.raises(Exception, match="DAOFU_THREADS"):
        dataclasses.replace(IndexerSettings(), threads=-1)
