"""Versioned index directories and the atomic ``CURRENT`` pointer.

Layout under the index root::

    CURRENT                   name of the version being served (replaced atomically)
    versions/<version>/       one complete build: manifest.json, records, chunks, vectors, BM25, ...
    versions/<version>.partial/   a build in progress (or one that died); never served

A build writes a ``.partial`` folder, checks it, renames it to its final name, then replaces
``CURRENT`` with ``os.replace`` (atomic on POSIX). A failed or killed build therefore leaves the
previous version serving. Readers re-check ``CURRENT`` to pick up new versions without restart.
"""
from __future__ import annotations

import datetime
import json
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.errors import IndexMismatchError, IndexNotFoundError
from indexer.layout import CURRENT_FILE, MANIFEST_FILE, PARTIAL_SUFFIX, VERSIONS_FOLDER

FORMAT_VERSION = 3  # 2: item-name pinyin for the typo correction; 3: with character readings (items_name_pinyin.json)


@dataclass(frozen=True)
class IndexVersion:
    name: str
    path: Path

    def manifest(self) -> dict[str, Any]:
        path = self.path / MANIFEST_FILE
        if not path.exists():
            raise IndexNotFoundError(f"index version {self.name} has no manifest; rebuild with `python -m indexer build`")
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return manifest


class IndexStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def versions_dir(self) -> Path:
        return self.root / VERSIONS_FOLDER

    def new_version_dir(self) -> tuple[str, Path]:
        """A fresh ``.partial`` folder for a build; its final name sorts by build time."""
        # Microseconds keep versions built within one second in build order (names sort by time).
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S.%f")
        name = f"{stamp}-{secrets.token_hex(3)}"
        path = self.versions_dir / (name + PARTIAL_SUFFIX)
        path.mkdir(parents=True)
        return name, path

    def commit(self, name: str, partial: Path, switch: bool = True) -> IndexVersion:
        """Make a finished build a complete version (rename) and, if ``switch``, the served one."""
        if not (partial / MANIFEST_FILE).exists():
            raise IndexNotFoundError(f"build folder {partial} has no manifest; it is not complete")
        final = self.versions_dir / name
        partial.rename(final)
        if switch:
            self.switch(name)
        return IndexVersion(name, final)

    def switch(self, name: str) -> None:
        if not (self.versions_dir / name / MANIFEST_FILE).exists():
            raise IndexNotFoundError(f"no complete index version {name!r} under {self.versions_dir}")
        pointer = self.root / CURRENT_FILE
        temporary = self.root / f".{CURRENT_FILE}.{os.getpid()}.{secrets.token_hex(3)}"
        temporary.write_text(name + "\n", encoding="utf-8")
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, pointer)

    def current(self) -> IndexVersion:
        pointer = self.root / CURRENT_FILE
        if not pointer.exists():
            raise IndexNotFoundError(
                f"no index at {self.root}; build one with `python -m indexer build` (or `make run`)"
            )
        name = pointer.read_text(encoding="utf-8").strip()
        path = self.versions_dir / name
        if not (path / MANIFEST_FILE).exists():
            raise IndexNotFoundError(f"{pointer} names version {name!r}, which is missing; rebuild the index")
        return IndexVersion(name, path)

    def current_name(self) -> str | None:
        try:
            return (self.root / CURRENT_FILE).read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def versions(self) -> list[IndexVersion]:
        if not self.versions_dir.is_dir():
            return []
        return [
            IndexVersion(path.name, path)
            for path in sorted(self.versions_dir.iterdir())
            if path.is_dir() and not path.name.endswith(PARTIAL_SUFFIX) and (path / MANIFEST_FILE).exists()
        ]

    def clean(self, keep: int = 3) -> list[str]:
        """Remove abandoned partial builds and all but the newest ``keep`` versions (never CURRENT)."""
        removed = []
        current = self.current_name()
        if self.versions_dir.is_dir():
            for path in self.versions_dir.iterdir():
                if path.name.endswith(PARTIAL_SUFFIX) and not _recently_modified(path):
                    shutil.rmtree(path, ignore_errors=True)
                    removed.append(path.name)
        complete = self.versions()
        for version in complete[:-keep] if keep > 0 else complete:
            if version.name != current:
                shutil.rmtree(version.path, ignore_errors=True)
                removed.append(version.name)
        return removed


def check_compatible(manifest: dict[str, Any], model: dict[str, Any], normalizer_version: str) -> None:
    """Refuse an index built with another model or normaliser than the configured ones."""
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index format {manifest.get('format_version')} is not {FORMAT_VERSION}; rebuild with `python -m indexer build`"
        )
    built = manifest.get("model", {})
    for key in ("name", "variant", "dimension", "fingerprint"):
        if built.get(key) != model.get(key):
            raise IndexMismatchError(
                f"index was built with embedding model {key}={built.get(key)!r} but the configured model has "
                f"{model.get(key)!r}; rebuild with `python -m indexer build` or point DAOFU_MODEL_DIR at the model it was built with"
            )
    if manifest.get("normalizer_version") != normalizer_version:
        raise IndexMismatchError(
            f"index was built with normaliser version {manifest.get('normalizer_version')!r}, this code has "
            f"{normalizer_version!r}; rebuild with `python -m indexer build`"
        )


def _recently_modified(path: Path, seconds: float = 6 * 3600) -> bool:
    # A partial folder touched recently may belong to a build still running in another process.
    try:
        age = datetime.datetime.now().timestamp() - path.stat().st_mtime
    except FileNotFoundError:
        return False
    return age < seconds
