"""Editors' versions of the support measures (申兑指南): review the spaCy proposals, edit, publish.

Every change writes a whole new version (the measures are a few hundred lines), so the list of
versions is the audit log (who, when, what changed) and any version can be published or restored;
the layout is the contract's (``daofu_protocol.policy_measures``), which the action server reads.
Version 1 is imported from the shipped ``knowledge_base/policy_measures``. Like the knowledge
workspace (indexer/workspace.py), writes are serialised by a file lock.
"""
from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from daofu_protocol.policy_measures import MEASURES_FOLDER, PUBLISHED_FILE, VERSIONS_FOLDER, version_file
from desk.errors import DeskError, NotFound
from indexer.policy_matching.catalog import load_catalog, measure_files, policy_texts
from indexer.policy_matching.errors import MeasureDataError
from indexer.policy_matching.measures import SupportMeasure, check_against_documents, load_measures, parse_measure


def shipped_measures(knowledge_base_dir: Path) -> list[SupportMeasure]:
    """The knowledge base's own measures. None at all is a valid knowledge base (no 政策措施 yet: the
    lists are empty); a file that does not load is the editors' to fix, said in Chinese."""
    if not measure_files(knowledge_base_dir):
        return []
    try:
        return load_catalog(knowledge_base_dir, check_sources=False)
    except MeasureDataError as error:
        raise DeskError(f"随附的政策措施文件有误（{error}）；请修正 knowledge_base/policy_measures 中的文件") from None

class MeasureInputError(DeskError):
    code = "invalid_measure"
    status = 422


@dataclass(frozen=True)
class MeasureVersion:
    number: int
    parent: int | None
    author: str
    created_at: str
    summary: str
    changes: tuple[dict[str, str], ...]  # [{measure_id, action: added | changed | deleted | restored}]

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "parent": self.parent, "author": self.author, "created_at": self.created_at,
                "summary": self.summary, "changes": list(self.changes)}


class MeasureStore:
    def __init__(self, workspace_dir: Path, knowledge_base_dir: Path) -> None:
        self.root = workspace_dir / MEASURES_FOLDER
        self.workspace_dir = workspace_dir
        self.knowledge_base_dir = knowledge_base_dir

    # ------------------------------------------------------------------ reading

    def versions(self) -> list[MeasureVersion]:
        return [self._meta(number) for number in self._numbers()]

    def latest_number(self) -> int:
        """0 before the first edit: the shipped measures, not yet copied here (reading writes nothing)."""
        numbers = self._numbers()
        return numbers[-1] if numbers else 0

    def published_number(self) -> int | None:
        try:
            return int((self.root / PUBLISHED_FILE).read_text(encoding="utf-8").strip())
        except (FileNotFoundError, ValueError):
            return None

    def measures(self, number: int | None = None) -> list[SupportMeasure]:
        number = self.latest_number() if number is None else number
        if number == 0 and not self._numbers():
            return shipped_measures(self.knowledge_base_dir)
        path = version_file(self.workspace_dir, number)
        if not path.is_file():
            raise NotFound(f"没有第 {number} 版政策措施；版本列表见 /api/policy/editor/versions")
        return load_measures([path])

    def measure(self, measure_id: str) -> SupportMeasure:
        found = next((m for m in self.measures() if m.id == measure_id), None)
        if found is None:
            raise NotFound(f"没有编号为 {measure_id[:60]!r} 的政策措施")
        return found

    # ------------------------------------------------------------------ changing

    def check(self, data: Any, measure_id: str) -> SupportMeasure:
        """A measure as an editor sent it, validated like the shipped ones: schema, id, and the
        source passage and every condition's evidence quoted exactly from the document."""
        if not isinstance(data, dict):
            raise MeasureInputError("请求体应为一个政策措施的 JSON 对象")
        if data.get("id") != measure_id:
            raise MeasureInputError(f"请求体的 id（{str(data.get('id'))[:60]}）与地址中的 {measure_id[:60]} 不一致")
        try:
            measure = parse_measure(data, "measure")
        except MeasureDataError as error:
            raise MeasureInputError(f"政策措施有误：{error}") from None
        problems = check_against_documents([measure], policy_texts(self.knowledge_base_dir))
        if problems:
            raise MeasureInputError("原文引用与政策文件不符：" + "；".join(problems)
                                    + "。请从政策原文中逐字复制条款和依据。")
        return measure

    def put(self, measure: SupportMeasure, author: str, summary: str = "") -> MeasureVersion:
        self._ensure_seeded()  # before the lock: seeding takes it too
        with self._lock():
            current = self.measures()
            exists = any(m.id == measure.id for m in current)
            updated = [measure if m.id == measure.id else m for m in current] if exists else [*current, measure]
            action = "changed" if exists else "added"
            return self._write(updated, author, summary or f"{'修改' if exists else '新增'}：{measure.title}",
                               [{"measure_id": measure.id, "action": action}])

    def delete(self, measure_id: str, author: str) -> MeasureVersion:
        self.measure(measure_id)  # 404 before anything is written
        self._ensure_seeded()
        with self._lock():
            current = self.measures()
            gone = next((m for m in current if m.id == measure_id), None)
            if gone is None:
                raise NotFound(f"没有编号为 {measure_id[:60]!r} 的政策措施")
            return self._write([m for m in current if m.id != measure_id], author, f"删除：{gone.title}",
                               [{"measure_id": measure_id, "action": "deleted"}])

    def restore(self, number: int, author: str) -> MeasureVersion:
        if number not in self._numbers():
            raise NotFound(f"没有第 {number} 版政策措施")
        with self._lock():
            old = self.measures(number)
            return self._write(old, author, f"恢复到第 {number} 版", [{"measure_id": "*", "action": "restored"}])

    def publish(self, number: int) -> None:
        """The chat and the push lists use this version from the next turn on."""
        if not version_file(self.workspace_dir, number).is_file():
            raise NotFound(f"没有第 {number} 版政策措施")
        self._atomic(self.root / PUBLISHED_FILE, f"{number}\n")

    # ------------------------------------------------------------------ files

    def _numbers(self) -> list[int]:
        folder = self.root / VERSIONS_FOLDER
        return sorted(int(p.stem) for p in folder.glob("*.jsonl") if p.stem.isdigit()) if folder.is_dir() else []

    def _meta(self, number: int) -> MeasureVersion:
        data = json.loads(version_file(self.workspace_dir, number).with_suffix(".json").read_text(encoding="utf-8"))
        return MeasureVersion(data["number"], data.get("parent"), data["author"], data["created_at"], data["summary"],
                              tuple(data.get("changes", [])))

    def _ensure_seeded(self) -> None:
        if self._numbers():
            return
        with self._lock():
            if not self._numbers():
                shipped = shipped_measures(self.knowledge_base_dir)
                self._write(shipped, "system", "导入随附的政策措施（knowledge_base/policy_measures）", [])

    def _write(self, measures: Sequence[SupportMeasure], author: str, summary: str,
               changes: list[dict[str, str]]) -> MeasureVersion:
        numbers = self._numbers()
        version = MeasureVersion(numbers[-1] + 1 if numbers else 1, numbers[-1] if numbers else None, author,
                                 datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"), summary,
                                 tuple(changes))
        path = version_file(self.workspace_dir, version.number)
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps(m.model_dump(mode="json", exclude_none=True), ensure_ascii=False) for m in measures]
        self._atomic(path, "".join(line + "\n" for line in lines))
        self._atomic(path.with_suffix(".json"), json.dumps(version.to_dict(), ensure_ascii=False, indent=1))
        return version

    @staticmethod
    def _atomic(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
