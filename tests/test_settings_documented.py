"""Every DAOFU_* setting is documented in the README's settings table (datasette's rule)."""
from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from indexer.settings import IndexerSettings
from launcher.settings import ServiceSettings

README = Path(__file__).resolve().parent.parent / "README.md"


def settings_classes() -> list[type]:
    from actions.knowledge_api import KnowledgeApiSettings

    classes: list[type] = [IndexerSettings, ServiceSettings, KnowledgeApiSettings]
    try:
        from desk.settings import DeskSettings
    except ImportError:
        return classes
    return [*classes, DeskSettings]


@pytest.mark.parametrize("cls", settings_classes(), ids=lambda c: c.__name__)
def test_every_setting_is_in_the_readme(cls: type) -> None:
    table = README.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(DAOFU_[A-Z0-9_]+)` \|", table, flags=re.MULTILINE))
    names = [spec.metadata["env"] for spec in fields(cls) if "env" in spec.metadata]
    assert names, f"{cls.__name__} declares no settings"
    missing = [name for name in names if name not in documented]
    assert not missing, f"add these to the README settings table: {missing}"
    for spec in fields(cls):
        assert spec.metadata.get("help"), f"{cls.__name__}.{spec.name} has no help text"


def test_readme_documents_no_unknown_setting() -> None:
    table = README.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(DAOFU_[A-Z0-9_]+)` \|", table, flags=re.MULTILINE))
    known = {spec.metadata["env"] for cls in settings_classes() for spec in fields(cls) if "env" in spec.metadata}
    known.add("DAOFU_ACTION_ENDPOINT")  # derived by the launcher for bot/endpoints.yml
    assert documented <= known, f"README documents settings that do not exist: {documented - known}"
