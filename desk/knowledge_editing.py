"""What editors send, checked and turned into records: uploads, item and policy forms, FAQ entries,
bundles (一件事).

Every check fails with a ``KnowledgeInputError`` that lists each bad record (file, line, reason);
the API answers 422 with that list and the knowledge base stays as it was.
"""
from __future__ import annotations

import dataclasses
import datetime
import re
import tempfile
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from desk.errors import DeskError
from indexer.chunking import item_chunk
from indexer.loaders import (
    BUNDLE_SUFFIXES,
    CATALOG_SUFFIXES,
    POLICY_SUFFIXES,
    BundleFormatError,
    LoadReport,
    load_bundle_file,
    load_catalog_file,
    load_policy_file,
    parse_bundle,
)
from indexer.records import Bundle, FaqEntry, PolicyDoc, Record, ServiceItem

UPLOAD_KINDS = {"policy": tuple(s for s in POLICY_SUFFIXES if s != ".jsonl"), "catalog": CATALOG_SUFFIXES,
                "bundle": BUNDLE_SUFFIXES}
UPLOAD_LABELS = {"policy": "政策文件", "catalog": "事项目录", "bundle": "一件事"}
MAX_FILE_NAME_CHARS = 120
_SAFE_NAME = re.compile(r"^[\w\u4e00-\u9fff（）()〔〕【】《》\-.· ]+$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ITEM_TEXT_FIELDS = ("name", "department", "item_type", "statutory_time_limit", "promised_time_limit", "location",
                    "consult_phone", "complaint_phone", "conditions", "level", "url", "region", "catalog_name")
ITEM_LIST_FIELDS = ("materials", "service_objects", "themes")
ITEM_BOOL_FIELDS = ("online_booking", "courier")
POLICY_FIELDS = ("title", "issuer", "doc_number", "date", "effective_date", "expiry_date", "body")
MAX_FIELD_CHARS = 20_000
MAX_BODY_CHARS = 500_000


class KnowledgeInputError(DeskError):
    """Bad editor input; ``problems`` lists each bad record."""

    code = "invalid_knowledge"
    status = 422

    def __init__(self, message: str, problems: Sequence[Mapping[str, Any]] = ()) -> None:
        super().__init__(message)
        self.problems = [dict(p) for p in problems]


def check_upload_name(file_name: str, kind: str) -> str:
    if kind not in UPLOAD_KINDS:
        raise KnowledgeInputError(f"上传类型必须是 policy（政策文件）、catalog（事项目录）或 bundle（一件事），收到 {kind!r}")
    name = Path(file_name or "").name.strip()
    problem = None
    if not name or name != (file_name or "").strip():
        problem = "文件名为空或包含路径"
    elif len(name) > MAX_FILE_NAME_CHARS:
        problem = f"文件名超过 {MAX_FILE_NAME_CHARS} 个字符"
    elif not _SAFE_NAME.match(name) or name.startswith("."):
        problem = "文件名只能包含汉字、字母、数字、空格和 -_.()（）〔〕《》"
    elif Path(name).suffix.lower() not in UPLOAD_KINDS[kind]:
        problem = f"{UPLOAD_LABELS[kind]}只接受 {'、'.join(UPLOAD_KINDS[kind])} 文件"
    if problem:
        raise KnowledgeInputError(f"不能上传“{name or file_name}”：{problem}", [{"file": name, "line": None, "reason": problem}])
    return name


def read_upload(file_name: str, content: bytes, kind: str, max_bytes: int) -> list[Record]:
    """Records of one uploaded file, or KnowledgeInputError listing every bad record."""
    name = check_upload_name(file_name, kind)
    if not content:
        raise KnowledgeInputError(f"“{name}”是空文件", [{"file": name, "line": None, "reason": "空文件"}])
    if len(content) > max_bytes:
        reason = f"文件大小 {len(content) / 1e6:.1f} MB 超过上限 {max_bytes / 1e6:.0f} MB"
        raise KnowledgeInputError(f"“{name}”太大：{reason}", [{"file": name, "line": None, "reason": reason}])
    report = LoadReport()
    with tempfile.TemporaryDirectory(prefix="daofu-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        loaders: dict[str, Callable[[Path, LoadReport], Iterable[Record]]] = {
            "policy": load_policy_file, "catalog": load_catalog_file, "bundle": load_bundle_file}
        loader = loaders[kind]
        records: list[Record] = list(loader(path, report))
    problems = [{"file": p.file, "line": p.line, "reason": p.reason} for p in report.problems]
    if problems:
        raise KnowledgeInputError(f"“{name}”有 {len(problems)} 处问题，未做任何更改；请修正后重新上传", problems)
    if not records:
        raise KnowledgeInputError(f"“{name}”里没有读到任何记录", [{"file": name, "line": None, "reason": "没有记录"}])
    ids = [record.id for record in records]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise KnowledgeInputError(f"“{name}”里有重复的事项编码", [{"file": name, "line": None, "reason": f"重复的编码 {i}"} for i in duplicates])
    return records


def edited_item(existing: ServiceItem | None, item_id: str, values: Mapping[str, Any]) -> ServiceItem:
    problems: list[str] = []
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key in ITEM_TEXT_FIELDS:
            changes[key] = _text(value, key, problems)
        elif key in ITEM_LIST_FIELDS:
            if isinstance(value, str):
                value = [part for part in re.split(r"[\n;；、]+", value)]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(f"{key} 必须是文字列表")
                continue
            changes[key] = tuple(v.strip() for v in value if v.strip())
        elif key in ITEM_BOOL_FIELDS:
            if not isinstance(value, bool):
                problems.append(f"{key} 必须是 true 或 false")
                continue
            changes[key] = value
        elif key not in ("id", "kind", "source"):
            problems.append(f"未知字段 {key}")
    base = existing or ServiceItem(id=item_id, name="", department="", source="editor")
    item = dataclasses.replace(base, **changes)
    if not item.name.strip():
        problems.append("事项名称不能为空")
    if not item.department.strip():
        problems.append("实施部门不能为空")
    _raise(problems, item_id)
    return item


def edited_policy(existing: PolicyDoc, values: Mapping[str, Any]) -> PolicyDoc:
    problems: list[str] = []
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key not in POLICY_FIELDS:
            if key not in ("id", "kind", "source"):
                problems.append(f"未知字段 {key}")
            continue
        changes[key] = _text(value, key, problems, MAX_BODY_CHARS if key == "body" else MAX_FIELD_CHARS)
    policy = dataclasses.replace(existing, **changes)
    for key in ("date", "effective_date", "expiry_date"):
        value = getattr(policy, key)
        if value and not _valid_date(value):
            problems.append(f"{key} 必须是 YYYY-MM-DD 格式的日期，收到 {value!r}")
    if policy.effective_date and policy.expiry_date and _valid_date(policy.effective_date) and \
            _valid_date(policy.expiry_date) and policy.expiry_date < policy.effective_date:
        problems.append("失效日期早于生效日期")
    if not policy.title.strip():
        problems.append("标题不能为空")
    if len(policy.body.strip()) < 10:
        problems.append("正文太短（至少 10 个字）")
    _raise(problems, existing.id)
    return policy


def new_faq(values: Mapping[str, Any], author: str, faq_id: str | None = None,
            known_item: Any = None) -> FaqEntry:
    problems: list[str] = []
    question = _text(values.get("question", ""), "question", problems, 500).strip()
    answer = _text(values.get("answer", ""), "answer", problems, 4000).strip()
    raw_variants = values.get("variants") or []
    if isinstance(raw_variants, str):
        raw_variants = raw_variants.splitlines()
    if not isinstance(raw_variants, list) or not all(isinstance(v, str) for v in raw_variants):
        problems.append("variants 必须是文字列表")
        raw_variants = []
    variants = tuple(dict.fromkeys(v.strip() for v in raw_variants if v.strip() and v.strip() != question))[:20]
    item_id = str(values.get("item_id") or "").strip()
    if not question:
        problems.append("问题不能为空")
    if not answer:
        problems.append("答案不能为空")
    if item_id and known_item is not None and not known_item(item_id):
        problems.append(f"关联事项 {item_id} 不存在")
    _raise(problems, faq_id or "新常见问题")
    return FaqEntry(id=faq_id or f"faq-{uuid.uuid4().hex[:10]}", question=question, answer=answer, variants=variants,
                    item_id=item_id, author=author, source="editor")


def new_bundle(values: Mapping[str, Any], author: str, bundle_id: str | None = None,
               known_item: Callable[[str], bool] | None = None) -> Bundle:
    """A bundle from the editor's form: name, variants, intro, ordered steps (item id and note),
    steps outside the catalog. Every step must be an item of the knowledge base."""
    record_id = bundle_id or f"bundle-{uuid.uuid4().hex[:10]}"
    # Problems name what the editor knows: the bundle being edited, or the name typed for a new one.
    where = bundle_id or str(values.get("name") or "新一件事")
    data = {key: values.get(key) for key in ("name", "variants", "intro", "steps", "outside_catalog")}
    try:
        bundle = parse_bundle({**data, "id": record_id}, source="editor", author=author)
    except BundleFormatError as error:
        raise KnowledgeInputError(str(error), [{"file": where, "line": None, "reason": str(error)}]) from error
    check_bundle_steps([bundle], known_item, where)
    return bundle


def check_bundle_steps(bundles: Sequence[Bundle], known_item: Callable[[str], bool] | None, file: str) -> None:
    """KnowledgeInputError listing every step whose item the knowledge base lacks."""
    if known_item is None:
        return
    problems = [f"一件事“{bundle.name}”第 {number} 步的事项编码 {step.item_id} 不在知识库中；"
                f"请在“知识条目”里查到该事项，复制它的编码"
                for bundle in bundles for number, step in enumerate(bundle.steps, start=1) if not known_item(step.item_id)]
    if problems:
        raise KnowledgeInputError("；".join(problems) if len(problems) == 1 else f"有 {len(problems)} 个步骤的事项不在知识库中，未做任何更改",
                                  [{"file": file, "line": None, "reason": p} for p in problems])


def record_row(record: Record, today: str) -> dict[str, Any]:
    """One line of the editor's record list."""
    row = {"id": record.id, "kind": record.kind, "title": "", "department": "", "doc_number": "", "date": "",
           "effective_date": "", "expiry_date": "", "expired": False}
    if isinstance(record, ServiceItem):
        row.update(title=record.name, department=record.department)
    elif isinstance(record, PolicyDoc):
        row.update(title=record.title, department=record.issuer, doc_number=record.doc_number, date=record.date,
                   effective_date=record.effective_date, expiry_date=record.expiry_date, expired=record.expired(today))
    elif isinstance(record, Bundle):
        row.update(title=record.name, department="、".join(dict.fromkeys(s.department for s in record.steps if s.department)))
    else:
        row.update(title=record.question)
    return row


def item_passages(item: ServiceItem) -> list[dict[str, Any]]:
    return [{"position": 0, "text": item_chunk(item).text}]


def matches(record: Record, row: Mapping[str, Any], query: str, department: str, validity: str) -> bool:
    if department and department not in row["department"]:
        return False
    if validity == "expired" and not row["expired"]:
        return False
    if validity == "valid" and row["expired"]:
        return False
    if not query:
        return True
    haystack = " ".join(str(row[key]) for key in ("id", "title", "department", "doc_number"))
    if isinstance(record, FaqEntry):
        haystack += " " + " ".join(record.variants) + " " + record.answer
    if isinstance(record, Bundle):
        haystack += " " + " ".join((*record.variants, *(s.title for s in record.steps), *record.item_ids()))
    return query in haystack


def _text(value: Any, key: str, problems: list[str], limit: int = MAX_FIELD_CHARS) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(f"{key} 必须是文字")
        return ""
    if len(value) > limit:
        problems.append(f"{key} 超过 {limit} 个字符")
    return value.strip()[:limit]


def _valid_date(value: str) -> bool:
    if not _ISO_DATE.match(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _raise(problems: list[str], record_id: str) -> None:
    if problems:
        raise KnowledgeInputError("；".join(problems), [{"file": record_id, "line": None, "reason": p} for p in problems])
