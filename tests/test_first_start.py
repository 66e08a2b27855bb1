"""First start: the index is built with the base model until fine-tuning is done, then switched;
searchers embed queries with the model of the index they serve (tests with the fake encoder; the
real models in tests/integration/test_first_start_switch.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.cli import _model_to_build_with, main
from indexer.errors import IndexMismatchError
from indexer.model_setup import MODEL_INFO_FILE, ONNX_FILE
from indexer.search import SearchService
from indexer.settings import IndexerSettings
from tests.fakes import FAKE_MODEL, CharacterEncoder

BASE = {**FAKE_MODEL, "variant": "test", "fingerprint": "base0001"}
FINETUNED = {**FAKE_MODEL, "variant": "test+finetuned", "fingerprint": "tuned001"}


def _model_folder(folder: Path, model: dict[str, object]) -> Path:
    (folder / "onnx").mkdir(parents=True)
    (folder / ONNX_FILE).write_bytes(b"")
    (folder / MODEL_INFO_FILE).write_text(json.dumps(model))
    return folder


def test_searches_follow_the_served_index_to_the_fine_tuned_model(settings: IndexerSettings) -> None:
    base, tuned = CharacterEncoder(BASE), CharacterEncoder(FINETUNED)
    build_index(settings, encoder=base)
    service = SearchService(settings, encoders=[base, tuned])
    first = service.search("食品经营许可证怎么办")
    assert service.encoder is base and first.hits
    calls = tuned.calls
    build_index(settings, encoder=tuned)  # the background step publishes the fine-tuned index
    service.reload()
    assert service.encoder is tuned
    again = service.search("食品经营许可证怎么办")
    assert tuned.calls > calls and again.hits[0].id == first.hits[0].id
    assert service.index().manifest["model"]["fingerprint"] == "tuned001"


def test_a_query_vector_is_never_reused_across_models(settings: IndexerSettings) -> None:
    base, tuned = CharacterEncoder(BASE), CharacterEncoder(FINETUNED)
    build_index(settings, encoder=base)
    service = SearchService(settings, encoders=[base, tuned])
    service.search("排污许可")
    build_index(settings, encoder=tuned)
    service.reload()
    before = tuned.calls
    service.search("排污许可")
    assert tuned.calls == before + 1  # embedded again by the new model, not served from the cache


def test_an_index_of_a_model_nobody_has_is_refused_with_what_to_do(settings: IndexerSettings, tmp_path: Path) -> None:
    build_index(settings, encoder=CharacterEncoder(BASE))
    service = SearchService(settings, encoders=[CharacterEncoder(FINETUNED)])
    with pytest.raises(IndexMismatchError, match=r"neither DAOFU_MODEL_DIR .* nor DAOFU_BASE_MODEL_DIR"):
        service.search("排污许可")


def test_build_uses_the_base_model_until_the_fine_tuned_one_exists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = IndexerSettings(model_dir=tmp_path / "tuned", base_model_dir=tmp_path / "base")
    assert _model_to_build_with(settings) == settings  # neither there: the build says what is missing
    _model_folder(tmp_path / "base", BASE)
    chosen = _model_to_build_with(settings)
    assert chosen.model_dir == tmp_path / "base" and "no fine-tuned model" in capsys.readouterr().err
    _model_folder(tmp_path / "tuned", FINETUNED)
    assert _model_to_build_with(settings).model_dir == tmp_path / "tuned"


def test_userdict_for_rasa_comes_from_the_shipped_knowledge_base(tmp_path: Path, knowledge_base: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAOFU_KB_DIR", str(knowledge_base))
    target = tmp_path / "jieba" / "userdict.txt"
    assert main(["userdict", "--out", str(target)]) == 0
    from indexer.loaders import load_knowledge_base

    terms = {line.split()[0] for line in target.read_text(encoding="utf-8").splitlines()}
    departments = {item.department for item in load_knowledge_base(knowledge_base).items}
    assert departments and departments <= terms and not list(target.parent.glob("*.tmp"))


def test_prepare_model_refuses_a_bad_step_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DAOFU_BASE_MODEL_DIR", str(_model_folder(tmp_path / "base", BASE)))
    monkeypatch.setenv("DAOFU_MODEL_DIR", str(tmp_path / "tuned"))
    assert main(["prepare-model", "--max-steps", "0"]) == 2
    assert "--max-steps must be at least 1" in capsys.readouterr().err


def test_an_unreadable_onnx_file_is_refused_with_what_to_run(tmp_path: Path) -> None:
    from indexer.errors import ModelNotFoundError
    from indexer.model_setup import QUANTIZED_ONNX_FILE, ensure_quantized

    folder = _model_folder(tmp_path / "base", BASE)
    for content in (b"", b"not a protobuf \x00\xff"):
        (folder / ONNX_FILE).write_bytes(content)
        with pytest.raises(ModelNotFoundError, match="prepare-model --force"):
            ensure_quantized(folder)
        assert not list((folder / "onnx").glob("*.partial")) and not (folder / QUANTIZED_ONNX_FILE).exists()
