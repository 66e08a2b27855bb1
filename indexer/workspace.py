"""The editable knowledge base: numbered versions of every item, policy document, FAQ entry and
bundle (一件事).

Layout under the workspace root (``DAOFU_WORKSPACE_DIR``, by default next to the index)::

    versions/000001/          one complete knowledge-base version
        items.jsonl policies.jsonl faqs.jsonl bundles.jsonl   records (``to_dict`` form), one per line
        meta.json             number, author, time, summary, changes, counts, content hash
    versions/000002.partial/  a version being written (never read)
    PUBLISHED                 number of the version the served index was built from

Every change (upload, edit, delete, FAQ, restore) writes a whole new version, so the list of
versions is the audit log and any version can be restored by copying it forward. Files of a kind
that did not change are hard links to the previous version's, so a version costs little disk.
The first version is imported from the shipped ``knowledge_base/`` folder. A workspace whose
latest version predates bundles (no ``bundles.jsonl``) gets the shipped bundles as a new version.
Every step of a bundle must be an item of the same version: a change that breaks that is refused.
"""
from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from indexer.errors import DaofuError
from indexer.loaders import LoadedKnowledge, LoadReport, load_bundles, load_knowledge_base
from indexer.records import Bundle, FaqEntry, PolicyDoc, Record, ServiceItem, record_from_dict, resolve_bundle

VERSIONS_FOLDER = "versions"
PUBLISHED_FILE = "PUBLISHED"
KIND_FILES = {"item": "items.jsonl", "policy": "policies.jsonl", "faq": "faqs.jsonl", "bundle": "bundles.jsonl"}
META_FILE = "meta.json"
IMPORT_REPORT_FILE = "import-errors.jsonl"
PARTIAL_SUFFIX = ".partial"
SYSTEM_AUTHOR = "system"

Action = Literal["add", "replace", "delete", "restore", "import"]


class WorkspaceError(DaofuError):
    """A knowledge-base change that cannot be made (unknown id, bad version number ...)."""


@dataclass(frozen=True)
class Change:
    action: Action
    kind: str
    id: str
    title: str

    def to_dict(self) -> dict[str, str]:
        return {"action": self.action, "kind": self.kind, "id": self.id, "title": self.title}


@dataclass(frozen=True)
class KnowledgeVersion:
    number: int
    author: str
    created_at: str
    summary: str
    changes: tuple[Change, ...]
    counts: dict[str, int]
    content_hash: str
    parent: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "author": self.author, "created_at": self.created_at,
                "summary": self.summary, "changes": [c.to_dict() for c in self.changes],
                "counts": dict(self.counts), "content_hash": self.content_hash, "parent": self.parent}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KnowledgeVersion:
        return cls(number=int(data["number"]), author=data["author"], created_at=data["created_at"],
                   summary=data["summary"], changes=tuple(Change(**c) for c in data.get("changes", ())),
                   counts=dict(data.get("counts", {})), content_hash=data.get("content_hash", ""),
                   parent=data.get("parent"))


@dataclass
class Snapshot:
    """All records of one version, by kind and id (insertion order kept)."""

    items: dict[str, ServiceItem] = field(default_factory=dict)
    policies: dict[str, PolicyDoc] = field(default_factory=dict)
    faqs: dict[str, FaqEntry] = field(default_factory=dict)
    bundles: dict[str, Bundle] = field(default_factory=dict)

    def of_kind(self, kind: str) -> dict[str, Any]:
        tables: dict[str, dict[str, Any]] = {"item": self.items, "policy": self.policies, "faq": self.faqs,
                                             "bundle": self.bundles}
        table = tables[kind]
        return table

    def find(self, record_id: str) -> Record | None:
        return (self.items.get(record_id) or self.policies.get(record_id) or self.faqs.get(record_id)
                or self.bundles.get(record_id))

    def knowledge(self) -> LoadedKnowledge:
        return LoadedKnowledge(items=list(self.items.values()), policies=list(self.policies.values()),
                               faqs=list(self.faqs.values()), bundles=list(self.bundles.values()))

    def counts(self) -> dict[str, int]:
        return {"items": len(self.items), "policies": len(self.policies), "faqs": len(self.faqs),
                "bundles": len(self.bundles)}

    def bundles_using(self, item_id: str) -> list[Bundle]:
        return [bundle for bundle in self.bundles.values() if item_id in bundle.item_ids()]

    def check_bundles(self, bundles: Iterable[Bundle]) -> list[Bundle]:
        """``bundles`` with step titles and departments from this version's items; WorkspaceError
        naming every step whose item this version lacks."""
        resolved = []
        problems = []
        for bundle in bundles:
            fixed, unknown = resolve_bundle(bundle, self.items)
            problems += [f"一件事“{bundle.name}”的步骤事项 {item_id} 不在知识库中（请核对事项编码）" for item_id in unknown]
            resolved.append(fixed)
        if problems:
            raise WorkspaceError("；".join(problems))
        return resolved


def snapshot_hash(snapshot: Snapshot) -> str:
    digest = hashlib.sha256()
    for kind in KIND_FILES:
        for record in snapshot.of_kind(kind).values():
            digest.update(json.dumps(record.to_dict(), ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def record_title(record: Record) -> str:
    return record.name if isinstance(record, ServiceItem) else record.title


class KnowledgeWorkspace:
    """Versions of the knowledge base on disk; safe to use from several threads and processes."""

    def __init__(self, root: Path, seed_dir: Path) -> None:
        self.root = root
        self.seed_dir = seed_dir
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ reading

    @property
    def versions_dir(self) -> Path:
        return self.root / VERSIONS_FOLDER

    def ensure_seeded(self) -> KnowledgeVersion:
        """The latest version, importing ``knowledge_base/`` as version 1 the first time."""
        with self._exclusive():
            numbers = self._numbers()
            if numbers:
                latest = self.version(numbers[-1])
                if not (self._version_path(latest.number) / KIND_FILES["bundle"]).exists():
                    return self._import_seed_bundles(latest)
                return latest
            loaded = load_knowledge_base(self.seed_dir)
            snapshot = Snapshot({i.id: i for i in loaded.items}, {p.id: p for p in loaded.policies},
                                {f.id: f for f in loaded.faqs})
            snapshot.bundles = _seed_bundles(loaded.bundles, snapshot, loaded.report)
            changes = (Change("import", "all", "", f"{self.seed_dir.name}: {len(loaded.items)} 个事项，"
                                                        f"{len(loaded.policies)} 份政策文件，"
                                                        f"{len(snapshot.bundles)} 个一件事"),)
            version = self._write(1, None, snapshot, SYSTEM_AUTHOR, f"从 {self.seed_dir.name}/ 导入", changes)
            # Records the loaders could not read are reported once, with the version they were left out of.
            loaded.report.write_jsonl(self._version_path(1) / IMPORT_REPORT_FILE)
            self._write_published(1)
            return version

    def versions(self) -> list[KnowledgeVersion]:
        """Every version, newest first: the audit log."""
        self.ensure_seeded()
        return [self.version(number) for number in reversed(self._numbers())]

    def version(self, number: int) -> KnowledgeVersion:
        path = self._version_path(number) / META_FILE
        if not path.exists():
            raise WorkspaceError(f"knowledge-base version {number} does not exist; see `GET /api/kb/versions` for the list")
        return KnowledgeVersion.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def latest(self) -> KnowledgeVersion:
        return self.ensure_seeded()

    def published_number(self) -> int:
        self.ensure_seeded()
        try:
            return int((self.root / PUBLISHED_FILE).read_text(encoding="utf-8").strip())
        except (FileNotFoundError, ValueError):
            return self._numbers()[-1]

    def snapshot(self, number: int | None = None) -> Snapshot:
        latest = self.ensure_seeded()
        return self._read_snapshot(latest.number if number is None else number)

    def _read_snapshot(self, number: int) -> Snapshot:
        folder = self._version_path(number)
        if not (folder / META_FILE).exists():
            raise WorkspaceError(f"knowledge-base version {number} does not exist")
        snapshot = Snapshot()
        for kind, name in KIND_FILES.items():
            table = snapshot.of_kind(kind)
            path = folder / name
            if not path.exists():
                continue
            with path.open(encoding="utf-8") as lines:
                for line in lines:
                    record = record_from_dict(json.loads(line))
                    table[record.id] = record
        return snapshot

    def knowledge(self, number: int | None = None) -> LoadedKnowledge:
        return self.snapshot(number).knowledge()

    def import_report(self, number: int) -> str:
        """What the import into version ``number`` left out (file, line, reason), or ''."""
        path = self._version_path(number) / IMPORT_REPORT_FILE
        if not path.exists() or not path.stat().st_size:
            return ""
        lines = path.read_text(encoding="utf-8").splitlines()
        return f"{len(lines)} problems when importing version {number} (see {path}):\n" + "\n".join(lines[:10])

    # ------------------------------------------------------------------ changing

    def put(self, records: Sequence[Record], author: str, summary: str) -> KnowledgeVersion:
        """Add or replace records (matched by id) in a new version."""
        if not records:
            raise WorkspaceError("nothing to add: the change holds no record")

        def change(snapshot: Snapshot) -> list[Change]:
            changes = []
            for record in records:
                table = snapshot.of_kind(record.kind)
                action: Action = "replace" if record.id in table else "add"
                table[record.id] = record
                changes.append(Change(action, record.kind, record.id, record_title(record)))
            # Checked after the whole change: a catalog and a bundle using its new items may come together.
            for bundle in snapshot.check_bundles([r for r in records if isinstance(r, Bundle)]):
                snapshot.bundles[bundle.id] = bundle
            return changes
        return self._change(change, author, summary)

    def delete(self, record_ids: Iterable[str], author: str, summary: str = "") -> KnowledgeVersion:
        ids = list(record_ids)

        def change(snapshot: Snapshot) -> list[Change]:
            changes = []
            for record_id in ids:
                record = snapshot.find(record_id)
                if record is None:
                    raise WorkspaceError(f"no record with id {record_id!r} in the latest knowledge-base version")
                del snapshot.of_kind(record.kind)[record_id]
                changes.append(Change("delete", record.kind, record_id, record_title(record)))
            for record_id in ids:
                users = snapshot.bundles_using(record_id)
                if users:
                    raise WorkspaceError(f"事项 {record_id} 是一件事“{users[0].name}”的步骤，不能删除；"
                                         f"请先在该一件事中去掉这一步")
            return changes
        return self._change(change, author, summary or f"删除 {len(ids)} 条")

    def restore(self, number: int, author: str) -> KnowledgeVersion:
        """A new version with exactly the records of version ``number``."""
        target = self.version(number)
        with self._exclusive():
            latest = self._numbers()[-1]
            snapshot = self._read_snapshot(number)
            summary = f"恢复到第 {number} 版（{target.summary}）"
            return self._write(latest + 1, latest, snapshot, author, summary,
                               (Change("restore", "all", str(number), summary),), link_from=number)

    def set_published(self, number: int) -> None:
        self.version(number)
        with self._exclusive():
            self._write_published(number)

    # ------------------------------------------------------------------ internals

    def _import_seed_bundles(self, latest: KnowledgeVersion) -> KnowledgeVersion:
        """A version written before bundles existed: add the shipped ones as a new version (called
        with the lock held). It is published at once if ``latest`` was, so the served knowledge
        does not fall behind for a change nobody made by hand."""
        snapshot = self._read_snapshot(latest.number)
        report = LoadReport()
        snapshot.bundles = _seed_bundles(load_bundles(self.seed_dir, report), snapshot, report)
        unchanged = {kind for kind in KIND_FILES if kind != "bundle"}
        summary = f"从 {self.seed_dir.name}/bundles 导入 {len(snapshot.bundles)} 个一件事"
        changes = tuple(Change("import", "bundle", b.id, b.name) for b in snapshot.bundles.values()) or (
            Change("import", "bundle", "", summary),)
        version = self._write(latest.number + 1, latest.number, snapshot, SYSTEM_AUTHOR, summary, changes,
                              link_from=latest.number, unchanged=unchanged)
        report.write_jsonl(self._version_path(version.number) / IMPORT_REPORT_FILE)
        if self._published_or_none() in (None, latest.number):
            self._write_published(version.number)
        return version

    def _published_or_none(self) -> int | None:
        try:
            return int((self.root / PUBLISHED_FILE).read_text(encoding="utf-8").strip())
        except (FileNotFoundError, ValueError):
            return None

    def _change(self, apply: Any, author: str, summary: str) -> KnowledgeVersion:
        self.ensure_seeded()
        with self._exclusive():
            latest = self._numbers()[-1]
            snapshot = self._read_snapshot(latest)
            before = {kind: snapshot_kind_hash(snapshot, kind) for kind in KIND_FILES}
            changes = apply(snapshot)
            if not changes:
                raise WorkspaceError("the change is empty")
            summary = summary or "；".join(f"{c.action} {c.title}" for c in changes[:3])
            unchanged = {kind for kind in KIND_FILES if snapshot_kind_hash(snapshot, kind) == before[kind]}
            return self._write(latest + 1, latest, snapshot, author, summary, tuple(changes),
                               link_from=latest, unchanged=unchanged)

    def _write(self, number: int, parent: int | None, snapshot: Snapshot, author: str, summary: str,
               changes: tuple[Change, ...], link_from: int | None = None,
               unchanged: set[str] | None = None) -> KnowledgeVersion:
        final = self._version_path(number)
        partial = final.with_name(final.name + PARTIAL_SUFFIX)
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        source = self._version_path(link_from) if link_from is not None else None
        # A restore copies a whole version: every kind file can be linked.
        linkable = set(KIND_FILES) if unchanged is None and source is not None else (unchanged or set())
        for kind, name in KIND_FILES.items():
            if source is not None and kind in linkable and (source / name).exists():
                os.link(source / name, partial / name)
                continue
            with (partial / name).open("w", encoding="utf-8") as out:
                for record in snapshot.of_kind(kind).values():
                    out.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
        version = KnowledgeVersion(
            number=number, author=author or SYSTEM_AUTHOR,
            created_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            summary=summary, changes=changes, counts=snapshot.counts(), content_hash=snapshot_hash(snapshot),
            parent=parent)
        (partial / META_FILE).write_text(json.dumps(version.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
        partial.rename(final)
        return version

    def _write_published(self, number: int) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.root / f".{PUBLISHED_FILE}.{os.getpid()}"
        temporary.write_text(f"{number}\n", encoding="utf-8")
        os.replace(temporary, self.root / PUBLISHED_FILE)

    def _numbers(self) -> list[int]:
        if not self.versions_dir.is_dir():
            return []
        return sorted(int(p.name) for p in self.versions_dir.iterdir()
                      if p.is_dir() and p.name.isdigit() and (p / META_FILE).exists())

    def _version_path(self, number: int) -> Path:
        return self.versions_dir / f"{number:06d}"

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """One writer at a time, across threads (lock) and processes (flock on a lock file)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with self._lock, (self.root / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _seed_bundles(seed: Iterable[Bundle], snapshot: Snapshot, report: LoadReport) -> dict[str, Bundle]:
    """The shipped bundles, steps resolved against ``snapshot``'s items; an unknown step is left
    out and reported (the import goes on, as for any unreadable record)."""
    bundles: dict[str, Bundle] = {}
    for bundle in seed:
        fixed, unknown = resolve_bundle(bundle, snapshot.items)
        for item_id in unknown:
            report.add(bundle.source or "bundles", None,
                              f"一件事“{bundle.name}”的步骤事项 {item_id} 不在知识库中，已略过这一步")
        if fixed.steps:
            bundles[fixed.id] = fixed
    return bundles


def snapshot_kind_hash(snapshot: Snapshot, kind: str) -> str:
    digest = hashlib.sha256()
    for record in snapshot.of_kind(kind).values():
        digest.update(json.dumps(record.to_dict(), ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()
