"""Links in knowledge records must be http(s): a ``javascript:`` or ``data:`` URL would run in the
widget of whoever clicks the item card's link."""
from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from desk.knowledge_editing import KnowledgeInputError
from indexer.records import Record, ServiceItem

LINK_FIELDS = {"item": ("url",)}


def bad_link(value: str) -> bool:
    value = value.strip()
    if not value:
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return True
    return parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() or ord(c) < 32 for c in value)


def check_links(records: Iterable[Record], file_name: str | None = None) -> None:
    """KnowledgeInputError (422) listing every record whose link is not an http(s) address."""
    problems = []
    for record in records:
        for field_name in LINK_FIELDS.get(record.kind, ()):
            value = getattr(record, field_name, "")
            if isinstance(record, ServiceItem) and bad_link(value):
                problems.append({"file": file_name or record.id, "line": None, "record": record.id,
                                 "reason": f"{record.id} 的链接（{field_name}）必须以 http:// 或 https:// 开头，收到 {value[:80]!r}"})
    if problems:
        raise KnowledgeInputError(f"有 {len(problems)} 条记录的链接不是 http(s) 网址，未做任何更改；请改正后重试", problems)
