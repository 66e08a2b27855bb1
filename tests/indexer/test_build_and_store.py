from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.build import build_index, content_hash
from indexer.errors import BuildError, IndexMismatchError, IndexNotFoundError
from indexer.loaders import load_knowledge_base
from indexer.search import SearchIndex, SearchService
from indexer.settings import IndexerSettings
from indexer.store import IndexStore, check_compatible
from tests.fakes import FAKE_MODEL, CharacterEncoder


def test_build_writes_a_complete_version(built_index: IndexerSettings) -> None:
    version = IndexStore(built_index.index_dir).current()
    manifest = version.manifest()
    assert manifest["counts"] == {"items": 15, "policies": 7, "policy_chunks": manifest["counts"]["policy_chunks"], "faqs": 0, "bundles": 2, "problems": 0}
    assert manifest["counts"]["policy_chunks"] > 7
    assert manifest["model"] == {k: FAKE_MODEL[k] for k in ("name", "variant", "dimension", "fingerprint")}
    assert manifest["normalizer_version"] and len(manifest["content_hash"]) == 64
    for name in ("records.jsonl", "chunks.jsonl", "items_name.faiss", "policies.faiss", "userdict.txt", "errors.jsonl"):
        assert (version.path / name).exists(), name


def test_policy_metadata_is_filled(built_index: IndexerSettings) -> None:
    version = IndexStore(built_index.index_dir).current()
    records = [json.loads(line) for line in (version.path / "records.jsonl").open(encoding="utf-8")]
    policy = next(r for r in records if r["id"] == "yuefu_2020_12")
    assert policy["doc_number"] == "粤府办〔2020〕12号"
    assert policy["issuer"] == "广东省人民政府办公厅"
    assert policy["date"] == "2020-02-10"


def test_rebuild_switches_atomically_and_reuses_embeddings(built_index: IndexerSettings, encoder: CharacterEncoder) -> None:
    store = IndexStore(built_index.index_dir)
    first = store.current().name
    calls_before = encoder.calls
    result = build_index(built_index, encoder=encoder)
    assert store.current().name == result.version.name != first
    assert result.embedded == 0 and encoder.calls == calls_before  # everything came from the cache


def test_failed_build_leaves_current_serving(built_index: IndexerSettings, encoder: CharacterEncoder,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    store = IndexStore(built_index.index_dir)
    before = store.current().name
    service = SearchService(built_index, encoder=encoder)
    assert service.search("股权出质").hits

    def explode(*args: object, **kwargs: object) -> None:
        raise BuildError("simulated failure while checking")

    monkeypatch.setattr("indexer.build._check", explode)
    (built_index.knowledge_base_dir / "catalog" / "more.jsonl").write_text(
        json.dumps({"TASK_CODE": "N1", "TASK_NAME": "新事项", "DEPT_NAME": "某局"}, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(BuildError):
        build_index(built_index, encoder=encoder)
    assert store.current().name == before
    assert not [p for p in store.versions_dir.iterdir() if p.name.endswith(".partial")]
    assert service.search("股权出质").hits


def test_nothing_readable_is_a_build_error(settings: IndexerSettings, encoder: CharacterEncoder) -> None:
    for path in settings.knowledge_base_dir.rglob("*.*"):
        path.write_text("{broken", encoding="utf-8")
    with pytest.raises(BuildError, match="no readable item or policy"):
        build_index(settings, encoder=encoder)


def test_killed_build_leaves_current_serving(built_index: IndexerSettings, tmp_path: Path) -> None:
    """Kill a real build process at several moments; the served version must stay complete."""
    store = IndexStore(built_index.index_dir)
    script = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})\n"
        "from tests.fakes import CharacterEncoder\n"
        "from indexer.build import build_index\n"
        "from indexer.settings import IndexerSettings\n"
        "import time\n"
        "enc = CharacterEncoder()\n"
        "original = enc.encode\n"
        "def slow(texts, batch_size=32):\n"
        "    time.sleep(0.05)\n"
        "    return original(texts, batch_size)\n"
        "enc.encode = slow\n"
        "build_index(IndexerSettings.from_env(), encoder=enc)\n"
    )
    environment = {**os.environ, "DAOFU_KB_DIR": str(built_index.knowledge_base_dir),
                   "DAOFU_INDEX_DIR": str(built_index.index_dir),
                   "DAOFU_EMBEDDING_CACHE": str(tmp_path / "other-cache.sqlite"), "DAOFU_CHUNK_MAX_CHARS": "120"}
    (built_index.knowledge_base_dir / "policies" / "extra.txt").write_text("新的通知\n" + "企业可以申请补贴。" * 50, encoding="utf-8")
    for delay in (0.3, 1.0, 2.0):
        before = store.current().name
        process = subprocess.Popen([sys.executable, "-c", script], env=environment)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        current = store.current()  # raises if CURRENT points at something incomplete
        assert current.name == before or (current.path / "manifest.json").exists()
        index = SearchIndex.load(current.path, FAKE_MODEL)
        assert len(index.items) == 15


def test_loading_refuses_another_model(built_index: IndexerSettings) -> None:
    version = IndexStore(built_index.index_dir).current()
    with pytest.raises(IndexMismatchError, match="fingerprint"):
        SearchIndex.load(version.path, {**FAKE_MODEL, "fingerprint": "different"})
    with pytest.raises(IndexMismatchError, match="dimension"):
        check_compatible(version.manifest(), {**FAKE_MODEL, "dimension": 384}, version.manifest()["normalizer_version"])
    with pytest.raises(IndexMismatchError, match="normaliser"):
        check_compatible(version.manifest(), FAKE_MODEL, "another")


def test_missing_index_says_how_to_build(settings: IndexerSettings) -> None:
    with pytest.raises(IndexNotFoundError, match="python -m indexer build"):
        IndexStore(settings.index_dir).current()


def test_clean_keeps_current_and_newest(built_index: IndexerSettings, encoder: CharacterEncoder) -> None:
    settings = dataclasses.replace(built_index, keep_versions=2)
    for _ in range(3):
        build_index(settings, encoder=encoder)
    store = IndexStore(settings.index_dir)
    names = [v.name for v in store.versions()]
    assert len(names) == 2 and store.current().name == names[-1]


def test_content_hash_changes_with_the_knowledge_base(settings: IndexerSettings) -> None:
    first = content_hash(load_knowledge_base(settings.knowledge_base_dir), settings)
    (settings.knowledge_base_dir / "policies" / "new.txt").write_text("标题\n正文内容足够长的一段话。", encoding="utf-8")
    assert content_hash(load_knowledge_base(settings.knowledge_base_dir), settings) != first
