"""The custom Rasa components read their folders from the settings (not from config.yml) and tell
Rasa's training cache what their output depends on, in the Rasa environment itself."""
from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from indexer.model_setup import ONNX_FILE
from tests.rasa.rasa_cli import PROJECT_ROOT

pytestmark = pytest.mark.integration

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"

SCRIPT = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from bot.components import KnowledgeBaseJiebaTokenizer, SentenceEmbeddingFeaturizer, TextNormalizer, _model_dir
    from indexer.normalize import NORMALIZER_VERSION

    work = Path(sys.argv[1])
    config = KnowledgeBaseJiebaTokenizer.get_default_config()
    before = KnowledgeBaseJiebaTokenizer.fingerprint_addon(config)
    (work / "storage").mkdir()
    storage, resource = LocalModelStorage(work / "storage"), Resource("tokenizer")
    context = ExecutionContext(GraphSchema({}), "tokenizer")
    KnowledgeBaseJiebaTokenizer.create(config, storage, resource, context).train(TrainingData())
    # The dictionary from DAOFU_RASA_DICTIONARY_DIR travels inside the model ...
    assert (work / "storage" / "tokenizer" / "userdict.txt").read_text(encoding="utf-8").startswith("测试专用事项甲乙")
    (work / "dictionary" / "userdict.txt").unlink()
    # ... and the loaded tokenizer uses it (the settings' folder is gone by now).
    loaded = KnowledgeBaseJiebaTokenizer.load(config, storage, resource, context)
    message = Message({"text": "我想办测试专用事项甲乙怎么办"})
    loaded.process([message])
    assert "测试专用事项甲乙" in [token.text for token in message.get("text_tokens")], message.get("text_tokens")
    # Fingerprints: the dictionary's content, the normaliser version, the e5 model's fingerprint.
    assert KnowledgeBaseJiebaTokenizer.fingerprint_addon(config) != before
    assert TextNormalizer.fingerprint_addon({}) == f"normalizer-{NORMALIZER_VERSION}"
    featurizer_config = SentenceEmbeddingFeaturizer.get_default_config()
    assert featurizer_config["model_dir"] is None
    assert SentenceEmbeddingFeaturizer.fingerprint_addon(featurizer_config) == "fingerprint-from-settings"
    # The 8-bit network gives other features: a model trained on one is retrained for the other.
    assert SentenceEmbeddingFeaturizer.fingerprint_addon({**featurizer_config, "quantized": True}) \
        == "fingerprint-from-settings:int8"
    # Rasa makes each component with create(): the featurizer is concrete and finds its model folder.
    featurizer = SentenceEmbeddingFeaturizer.create(featurizer_config, storage, Resource("e5"), context)
    assert _model_dir(featurizer._config) == Path(os.environ["DAOFU_BASE_MODEL_DIR"])
    print("ok")
""")


def test_components_follow_the_settings(tmp_path: Path) -> None:
    assert RASA_PYTHON.exists(), f"{RASA_PYTHON} is missing: run `make rasa-venv`"
    dictionary = tmp_path / "dictionary"
    dictionary.mkdir()
    (dictionary / "userdict.txt").write_text("测试专用事项甲乙 1000 n\n", encoding="utf-8")
    model = tmp_path / "model"
    model.mkdir()
    (model / "daofu_model.json").write_text('{"name": "e5", "variant": "v", "dimension": 384, '
                                            '"fingerprint": "fingerprint-from-settings"}', encoding="utf-8")
    (model / ONNX_FILE).parent.mkdir(parents=True, exist_ok=True)
    (model / ONNX_FILE).write_bytes(b"not read by the fingerprint")
    environment = {"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT),
                   "DAOFU_RASA_DICTIONARY_DIR": str(dictionary), "DAOFU_BASE_MODEL_DIR": str(model)}
    result = subprocess.run([str(RASA_PYTHON), "-c", SCRIPT, str(tmp_path)], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, timeout=600, env=environment)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


def test_config_names_no_folder_the_settings_own() -> None:
    config = (PROJECT_ROOT / "config.yml").read_text(encoding="utf-8")
    assert "var/" not in "\n".join(line for line in config.splitlines() if not line.lstrip().startswith("#"))
