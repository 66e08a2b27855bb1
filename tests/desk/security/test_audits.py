"""The audit step of ``make test`` (issue 13 item 13): what fails it and what is only reported."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("bandit", reason="audit tools come from requirements/dev.lock (make setup-test)")

from desk.security.audits import bandit


def test_bandit_blocks_a_high_finding_unless_justified(tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "weak.py").write_text("import hashlib\n\ndef key(text):\n"
                                  "    return hashlib.md5(text.encode()).hexdigest()\n", encoding="utf-8")
    report = bandit(tmp_path, ("code",))
    assert not report.unreachable
    assert [f.what.split()[0] for f in report.blocking] == ["B324"]
    (code / "weak.py").write_text("import hashlib\n\ndef key(text):\n"
                                  "    return hashlib.md5(text.encode()).hexdigest()  # nosec B324 - a cache key\n",
                                  encoding="utf-8")
    assert bandit(tmp_path, ("code",)).findings == ()


def test_project_code_has_no_blocking_bandit_finding() -> None:
    report = bandit()
    assert not report.unreachable
    assert report.blocking == []
