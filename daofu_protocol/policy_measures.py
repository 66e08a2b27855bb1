"""Where the desk publishes edited support measures and the action server reads them: a contract
between the two processes, like the payloads (standard library only).

Layout under ``DAOFU_WORKSPACE_DIR/policy_measures/`` (written by desk/policy/measure_store.py)::

    versions/000001.jsonl   every measure of one version, one JSON object a line
    versions/000001.json    number, parent, author, time, summary, changes (the audit log)
    PUBLISHED               number of the version the chat and the push lists use

Without a published version the shipped ``DAOFU_KB_DIR/policy_measures/*.jsonl`` are used.
"""
from __future__ import annotations

from pathlib import Path

MEASURES_FOLDER = "policy_measures"
VERSIONS_FOLDER = "versions"
PUBLISHED_FILE = "PUBLISHED"


def version_file(workspace_dir: Path, number: int) -> Path:
    return workspace_dir / MEASURES_FOLDER / VERSIONS_FOLDER / f"{number:06d}.jsonl"


def published_measures_file(workspace_dir: Path) -> Path | None:
    """The published version's measures file, or None when editors have published none."""
    pointer = workspace_dir / MEASURES_FOLDER / PUBLISHED_FILE
    try:
        number = int(pointer.read_text(encoding="utf-8").strip())
    except (FileNotFoundError, ValueError):
        return None
    path = version_file(workspace_dir, number)
    return path if path.is_file() else None
