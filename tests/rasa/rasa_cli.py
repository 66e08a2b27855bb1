"""Running the Rasa CLI of the Rasa environment from tests."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RASA = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_FILES = ["--config", "config.yml", "--domain", "bot/domain.yml", "--data", "nlu_data", "bot/data"]
SPLIT = PROJECT_ROOT / "var" / "rasa" / "split"
# `make test` trains one model on the training split of the NLU examples (plus every rule and
# story); the held-out split measures it. DAOFU_TEST_RASA_MODEL points elsewhere if wanted.
TRAINED_MODEL = Path(os.environ.get("DAOFU_TEST_RASA_MODEL", PROJECT_ROOT / "var" / "rasa" / "test-models" / "daofu-test.tar.gz"))


def rasa(*arguments: str, timeout: float = 1800, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    assert RASA.exists(), f"{RASA} is missing: run `make rasa-venv`"
    environment = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", **(env or {})}
    result = subprocess.run([str(RASA), *arguments], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=timeout, env=environment)
    if result.returncode != 0:
        raise AssertionError(f"rasa {' '.join(arguments)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result
