"""Rasa's check of action server responses, with the schema checked once (bot.action_response_check):
valid responses pass, invalid ones fail with Rasa's message, in the Rasa environment itself."""
from __future__ import annotations

import subprocess
import textwrap

import pytest

from tests.rasa.rasa_cli import PROJECT_ROOT

pytestmark = pytest.mark.integration

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"

SCRIPT = textwrap.dedent("""
    import time
    import jsonschema
    from rasa.core.actions.action import RemoteAction
    from rasa.utils.endpoints import EndpointConfig

    original = RemoteAction._validate_action_result
    import bot.components  # installs the cached check, as when Rasa loads the model
    patched = RemoteAction._validate_action_result
    assert patched is not original, "the cached check was not installed"

    action = RemoteAction("action_answer_question", EndpointConfig("http://localhost:1/webhook"))
    good = {"events": [{"event": "slot", "name": "current_item", "value": "x"}],
            "responses": [{"text": "好的", "buttons": [], "custom": {"item_card": {"name": "x"}}}]}
    assert action._validate_action_result(good) is True
    for bad in ({"events": "not a list"}, {"events": [{"name": "no event key"}]}, {"responses": ["plain text"]}, {"events": [{"event": "slot", "timestamp": "noon"}]}):
        try:
            action._validate_action_result(bad)
        except jsonschema.ValidationError as error:
            assert "Failed to validate Action server response" in error.message, error.message
            try:
                original(action, bad)
            except jsonschema.ValidationError as rasa_error:
                assert rasa_error.message == error.message, (rasa_error.message, error.message)
            else:
                raise AssertionError(f"Rasa's own check accepted {bad}")
        else:
            raise AssertionError(f"accepted {bad}")

    def per_call(check):
        started = time.perf_counter()
        for _ in range(20):
            check(action, good)
        return (time.perf_counter() - started) / 20
    print(f"rasa {per_call(original) * 1000:.1f} ms, cached {per_call(patched) * 1000:.1f} ms")
""")


def test_cached_check_accepts_and_rejects_like_rasa() -> None:
    assert RASA_PYTHON.exists(), f"{RASA_PYTHON} is missing: run `make rasa-venv`"
    result = subprocess.run([str(RASA_PYTHON), "-c", SCRIPT], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=600, env={"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    print(result.stdout)
