"""Load a whole knowledge-base folder: ``catalog/`` (items), ``policies/`` (documents) and
``bundles/`` (一件事: items taken together)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from indexer.loaders.bundles import BUNDLE_SUFFIXES, load_bundle_file
from indexer.loaders.catalog import CATALOG_SUFFIXES, load_catalog_file
from indexer.loaders.policies import POLICY_SUFFIXES, load_policy_file
from indexer.loaders.report import LoadReport
from indexer.records import Bundle, FaqEntry, PolicyDoc, ServiceItem

CATALOG_FOLDER = "catalog"
POLICY_FOLDER = "policies"
BUNDLE_FOLDER = "bundles"
_IGNORED_NAMES = {"README.md", ".gitkeep"}

RecordT = TypeVar("RecordT", ServiceItem, PolicyDoc)


@dataclass
class LoadedKnowledge:
    items: list[ServiceItem] = field(default_factory=list)
    policies: list[PolicyDoc] = field(default_factory=list)
    faqs: list[FaqEntry] = field(default_factory=list)  # only editors add these (the workspace)
    bundles: list[Bundle] = field(default_factory=list)
    report: LoadReport = field(default_factory=LoadReport)


def load_knowledge_base(root: Path) -> LoadedKnowledge:
    """Read every catalog, policy and bundle file under ``root``; problems go to the report, not exceptions."""
    loaded = LoadedKnowledge()
    for path in _files(root / CATALOG_FOLDER, loaded.report, CATALOG_SUFFIXES):
        loaded.items.extend(_unique(load_catalog_file(path, loaded.report), loaded.items, loaded.report, path))
    for path in _files(root / POLICY_FOLDER, loaded.report, POLICY_SUFFIXES):
        loaded.policies.extend(
            _unique(load_policy_file(path, loaded.report), loaded.policies, loaded.report, path)
        )
    loaded.bundles = load_bundles(root, loaded.report)
    return loaded


def load_bundles(root: Path, report: LoadReport) -> list[Bundle]:
    """The bundles of ``root/bundles/`` (ids unique; the first one kept)."""
    bundles: list[Bundle] = []
    seen: set[str] = set()
    for path in _files(root / BUNDLE_FOLDER, report, BUNDLE_SUFFIXES):
        for bundle in load_bundle_file(path, report):
            if bundle.id in seen:
                report.add(path.name, None, f"duplicate bundle id {bundle.id!r} ({bundle.name}); kept the first")
                continue
            seen.add(bundle.id)
            bundles.append(bundle)
    return bundles


def _files(folder: Path, report: LoadReport, suffixes: tuple[str, ...]) -> list[Path]:
    if not folder.is_dir():
        return []
    paths = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name in _IGNORED_NAMES or path.name.startswith("."):
            continue
        if path.suffix.lower() not in suffixes:
            report.add(path.name, None, f"unsupported file type {path.suffix!r}; use one of {suffixes}")
            continue
        paths.append(path)
    return paths


def _unique(
    records: Iterable[RecordT], existing: list[RecordT], report: LoadReport, path: Path
) -> list[RecordT]:
    seen = {record.id for record in existing}
    kept = []
    for record in records:
        if record.id in seen:
            report.add(path.name, None, f"duplicate id {record.id!r} ({record.title if isinstance(record, PolicyDoc) else record.name}); kept the first")
            continue
        seen.add(record.id)
        kept.append(record)
    return kept
