"""The trained Rasa model: is it current, training it, installing it, loading it into running servers.

Rasa decides what to retrain from its own fingerprints (config, domain, training data, component
source), which do not see everything our pipeline reads: the normaliser version, the rest of
``bot/components.py``'s module, the jieba user dictionary (JiebaTokenizer copies it at training
time), the base e5 model of the sentence features. So each installed model has an
``<model>.inputs.json`` beside it with digests of all of these; a model whose record differs is
retrained, with ``--force`` when a part Rasa cannot see changed (its cache would reuse stale parts).

``python -m launcher.rasa_model`` (``make rasa-model``) trains in the foreground when needed.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from daofu_core.errors import ConfigurationError
from daofu_core.paths import PROJECT_ROOT
from indexer.cli import RASA_USER_DICTIONARY_FILE
from indexer.model_setup import model_info
from indexer.settings import IndexerSettings
from launcher.settings import ServiceSettings

MODEL_NAME = "daofu"
# What `rasa train` reads (the Makefile's RASA_FILES); Rasa fingerprints their content itself.
CONFIG, DOMAIN, DATA = "config.yml", "bot/domain.yml", ("nlu_data", "bot/data")
VISIBLE_INPUTS = (CONFIG, DOMAIN, *DATA)
# Inputs Rasa's fingerprints do not cover: a change in one of them needs `rasa train --force`.
HIDDEN_INPUTS = ("normalizer_version", "pipeline_code", "user_dictionary", "base_model", "rasa_packages")
PIPELINE_CODE = ("bot/components.py",)
RASA_LOCKS = ("requirements/rasa.lock", "requirements/rasa-nlu-features.lock")


class ModelState(StrEnum):
    MISSING = "missing"  # no trained model: train before serving
    OUTDATED = "outdated"  # serve it, retrain in the background
    CURRENT = "current"


@dataclass(frozen=True)
class TrainingPlan:
    state: ModelState
    force: bool  # a part Rasa's cache cannot see changed (or is unknown)
    changed: tuple[str, ...]  # which inputs differ from the installed model's record


def _digest_paths(root: Path, relative: str) -> str:
    digest = hashlib.sha256()
    path = root / relative
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path] if path.exists() else []
    for file in files:
        if "__pycache__" in file.parts:
            continue
        digest.update(str(file.relative_to(root)).encode("utf-8") + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _combined(root: Path, paths: tuple[str, ...]) -> str:
    return hashlib.sha256("".join(_digest_paths(root, p) for p in paths).encode()).hexdigest()[:16]


def current_inputs(root: Path = PROJECT_ROOT, base_model_dir: Path | None = None,
                   user_dictionary: Path | None = None) -> dict[str, str]:
    """Digests of everything a trained model depends on, as the files are now (``root``: the project)."""
    from indexer.normalize import NORMALIZER_VERSION

    user_dictionary = user_dictionary or IndexerSettings.from_env().rasa_dictionary_dir / RASA_USER_DICTIONARY_FILE

    base_model_dir = _sentence_model_dir(root) or base_model_dir or IndexerSettings.from_env().base_model_dir
    inputs = {name: _digest_paths(root, name) for name in VISIBLE_INPUTS}
    inputs["normalizer_version"] = str(NORMALIZER_VERSION)
    inputs["pipeline_code"] = _combined(root, PIPELINE_CODE)
    inputs["user_dictionary"] = _digest_paths(user_dictionary.parent, user_dictionary.name)
    inputs["base_model"] = str(model_info(base_model_dir).get("fingerprint"))
    inputs["rasa_packages"] = _combined(root, RASA_LOCKS)
    return inputs


def _sentence_model_dir(root: Path) -> Path | None:
    """The e5 model folder config.yml gives the sentence featurizer (what Rasa really reads)."""
    import yaml

    try:
        config = yaml.safe_load((root / CONFIG).read_text(encoding="utf-8")) or {}
    except (FileNotFoundError, yaml.YAMLError):
        return None
    for component in config.get("pipeline") or []:
        if str(component.get("name", "")).endswith("SentenceEmbeddingFeaturizer") and component.get("model_dir"):
            folder = Path(component["model_dir"])
            return folder if folder.is_absolute() else root / folder
    return None


def record_path(model: Path) -> Path:
    return model.with_name(model.name.removesuffix(".tar.gz") + ".inputs.json")


def recorded_inputs(model: Path) -> dict[str, str] | None:
    try:
        data = json.loads(record_path(model).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def plan(model: Path, inputs: dict[str, str]) -> TrainingPlan:
    """What to do about the model at ``model`` given the current inputs."""
    if not model.is_file():
        return TrainingPlan(ModelState.MISSING, force=False, changed=tuple(inputs))
    recorded = recorded_inputs(model)
    if recorded is None:
        # Trained before records existed (or by hand): what it was trained with is unknown.
        return TrainingPlan(ModelState.OUTDATED, force=True, changed=tuple(inputs))
    changed = tuple(name for name in inputs if recorded.get(name) != inputs[name])
    if not changed:
        return TrainingPlan(ModelState.CURRENT, force=False, changed=())
    return TrainingPlan(ModelState.OUTDATED, force=any(name in HIDDEN_INPUTS for name in changed), changed=changed)


def train_command(rasa_venv: Path, out_dir: Path, force: bool) -> list[str]:
    command = [str(rasa_venv / "bin" / "rasa"), "train", "--config", CONFIG, "--domain", DOMAIN, "--data", *DATA,
               "--out", str(out_dir), "--fixed-model-name", MODEL_NAME]
    return [*command, "--force"] if force else command


def staging_dir(models_dir: Path) -> Path:
    # Beside the models folder, never inside it: the launcher serves the newest *.tar.gz there.
    return models_dir.with_name(models_dir.name + ".staging")


def install(trained: Path, models_dir: Path, inputs: dict[str, str]) -> Path:
    """Move a freshly trained model into place and record its inputs (each step atomic)."""
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / f"{MODEL_NAME}.tar.gz"
    os.replace(trained, target)
    record = record_path(target)
    temporary = record.with_name(record.name + ".tmp")
    temporary.write_text(json.dumps(inputs, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(temporary, record)
    return target


def rasa_api_headers() -> dict[str, str]:
    """Headers of every call to Rasa's HTTP API (its token goes in the URL: ``api_url``)."""
    return {"Content-Type": "application/json"}


def api_url(rasa_url: str, path: str, token: str) -> str:
    """A URL of Rasa's HTTP API. Rasa 3.6 reads ``--auth-token`` only from the ``token`` query
    parameter (an Authorization header means JWT to it)."""
    return f"{rasa_url}{path}?{urllib.parse.urlencode({'token': token})}" if token else f"{rasa_url}{path}"


def with_api_token(settings: ServiceSettings) -> ServiceSettings:
    """The settings with a Rasa API token: DAOFU_RASA_TOKEN, or a random one for this start of the
    launcher (it starts Rasa and the desk and gives both the same one; nothing is stored)."""
    if settings.rasa_token:
        return settings
    return dataclasses.replace(settings, rasa_token=secrets.token_urlsafe(32))


def load_into_server(rasa_url: str, model: Path, token: str, timeout: float = 300.0) -> None:
    """Make a running Rasa server replace its model (``PUT /model``). It keeps serving the old one
    until the new one is loaded; its in-memory conversation trackers start afresh."""
    request = urllib.request.Request(api_url(rasa_url, "/model", token), method="PUT", headers=rasa_api_headers(),
                                     data=json.dumps({"model_file": str(model.resolve())}).encode("utf-8"))
    with urllib.request.urlopen(request, timeout=timeout) as response:
        if response.status not in (200, 204):
            raise ConfigurationError(f"{rasa_url} refused the new model {model} (HTTP {response.status})")


def train(rasa_venv: Path, models_dir: Path, inputs: dict[str, str], force: bool, log: Path | None = None,
          niceness: int = 0, environment: dict[str, str] | None = None,
          started: list[subprocess.Popen[bytes]] | None = None) -> Path:
    """Train into the staging folder and install the result; the installed model is untouched
    until the new one is complete (a killed training leaves it as it was)."""
    staging = staging_dir(models_dir)
    shutil.rmtree(staging, ignore_errors=True)
    output = log.open("ab") if log is not None else None
    process = subprocess.Popen(train_command(rasa_venv, staging, force), cwd=PROJECT_ROOT,
                               env=environment or dict(os.environ), stdout=output,
                               stderr=subprocess.STDOUT if output else None,
                               preexec_fn=(lambda: os.nice(niceness)) if niceness else None)
    if started is not None:
        started.append(process)
    code = process.wait()
    if output is not None:
        output.close()
    trained = staging / f"{MODEL_NAME}.tar.gz"
    if code != 0 or not trained.is_file():
        raise ConfigurationError(f"rasa train failed (exit code {code}); see {log or 'its output'}")
    target = install(trained, models_dir, inputs)
    shutil.rmtree(staging, ignore_errors=True)
    return target


def main() -> int:
    """Train the Rasa model in the foreground when it is missing or outdated (``make rasa-model``)."""
    settings = ServiceSettings.from_env()
    models_dir = settings.rasa_model
    if models_dir.suffix == ".gz":
        print(f"DAOFU_RASA_MODEL names a model file ({models_dir}); not training it", file=sys.stderr)
        return 0
    inputs = current_inputs()
    decision = plan(models_dir / f"{MODEL_NAME}.tar.gz", inputs)
    if decision.state is ModelState.CURRENT:
        print("Rasa model is up to date; nothing to train")
        return 0
    print(f"training the Rasa model ({', '.join(decision.changed)} changed"
          f"{'; --force: Rasa cannot see all of these' if decision.force else ''}) ...", flush=True)
    target = train(settings.rasa_venv, models_dir, inputs, decision.force)
    print(f"Rasa model installed at {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
