"""Policy matching is part of the indexer: it imports none of desk, actions, bot, launcher or bench,
and nothing heavy until it is used (spaCy only when proposing measures)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
MODULES = sorted(p.stem for p in (ROOT / "indexer" / "policy_matching").glob("*.py") if p.stem != "__init__")


def test_no_forbidden_or_heavy_imports() -> None:
    code = (
        "import json, sys\n"
        + "".join(f"import indexer.policy_matching.{name}\n" for name in MODULES)
        + "import indexer.cli\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    top = set(json.loads(done.stdout))
    assert not top & {"desk", "actions", "bot", "launcher", "bench", "rasa", "rasa_sdk"}
    assert not top & {"spacy", "torch", "onnxruntime", "faiss"}
    assert "extraction" in MODULES and "commands" in MODULES
