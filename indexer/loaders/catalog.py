"""Service-item catalogs as JSONL (the shipped schema), CSV or XLSX (column mapping below).

Each reader yields ``(line, ServiceItem)`` pairs and records every unreadable row in the
LoadReport instead of raising, so one bad row never stops a build.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from indexer.errors import RecordError
from indexer.loaders.decoding import decode_bytes
from indexer.loaders.report import LoadReport
from indexer.records import ServiceItem

CATALOG_SUFFIXES = (".jsonl", ".csv", ".xlsx")

# ServiceItem field -> accepted column names (first one is the JSONL key of the shipped catalog).
COLUMN_MAPPING: Mapping[str, tuple[str, ...]] = {
    "id": ("TASK_CODE", "事项编码", "id"),
    "name": ("TASK_NAME", "事项名称", "name"),
    "department": ("DEPT_NAME", "实施部门", "department"),
    "item_type": ("TASK_TYPE_TEXT", "事项类型", "type", "item_type"),
    "materials": ("material_intro", "申请材料", "materials"),
    "statutory_time_limit": ("handle_time", "法定办结时限", "statutory_time_limit"),
    "promised_time_limit": ("handle_time_limit", "承诺办结时限", "promised_time_limit"),
    "location": ("handle_location", "办理地点", "location"),
    "consult_phone": ("consult_phone", "咨询电话"),
    "complaint_phone": ("complain_phone", "监督投诉电话", "complaint_phone"),
    "conditions": ("accept_standard", "受理条件", "设定依据", "conditions"),
    "service_objects": ("service_object_name", "服务对象", "service_objects"),
    "themes": ("theme_category", "主题分类", "themes"),
    "level": ("matter_level", "事项层级", "level"),
    "url": ("URL", "办事指南链接", "url"),
    "online_booking": ("online_book", "网上预约", "online_booking"),
    "courier": ("courier_service", "快递送达", "courier"),
    "region": ("AREA_CODE_TEXT", "行政区划", "region"),
    "catalog_name": ("parentCatalogName", "目录名称", "catalog_name"),
}
REQUIRED_FIELDS = ("id", "name", "department")
_LIST_FIELDS = ("materials", "service_objects", "themes")
_BOOL_FIELDS = ("online_booking", "courier")
_EMPTY_VALUES = {"", "无", "null", "none", "n/a", "-"}
_LIST_SEPARATORS = re.compile(r"[;；、\n]+")
_LOCATION_PREFIX = re.compile(r"^\s*办理地点\s*[:：]\s*")
_TRUE_VALUES = {"是", "true", "yes", "1", "y", "支持"}


def load_catalog_file(path: Path, report: LoadReport) -> Iterator[ServiceItem]:
    """Yield the items of one catalog file; unreadable rows go to ``report``."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".jsonl":
            rows = _jsonl_rows(path, report)
        elif suffix == ".csv":
            rows = _csv_rows(path)
        elif suffix == ".xlsx":
            rows = _xlsx_rows(path)
        else:
            raise RecordError(f"unsupported catalog file type {suffix!r}; use one of {CATALOG_SUFFIXES}")
        for line, row in rows:
            try:
                yield item_from_row(row, source=path.name)
            except RecordError as error:
                report.add(path.name, line, str(error))
    except RecordError as error:
        report.add(path.name, None, str(error))
    except (OSError, ValueError, KeyError, csv.Error) as error:
        report.add(path.name, None, f"cannot read the file ({type(error).__name__}: {error})")


def item_from_row(row: Mapping[str, Any], source: str = "") -> ServiceItem:
    """Build a ServiceItem from one row keyed by any of the accepted column names."""
    values: dict[str, Any] = {}
    for field_name, columns in COLUMN_MAPPING.items():
        raw = next((row[c] for c in columns if c in row and row[c] is not None), None)
        values[field_name] = _convert(field_name, raw)
    missing = [name for name in REQUIRED_FIELDS if not values[name]]
    if missing:
        wanted = ", ".join(f"{name} ({' / '.join(COLUMN_MAPPING[name])})" for name in missing)
        raise RecordError(f"missing required field(s): {wanted}")
    if values["catalog_name"] == values["name"]:
        values["catalog_name"] = ""
    return ServiceItem(source=source, **values)


def _convert(field_name: str, raw: Any) -> Any:
    if field_name in _LIST_FIELDS:
        return _as_list(raw)
    if field_name in _BOOL_FIELDS:
        return str(raw).strip().lower() in _TRUE_VALUES if raw is not None else False
    text = _as_text(raw)
    if field_name == "location":
        text = _LOCATION_PREFIX.sub("", text)
    return text


def _as_text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # spreadsheet numbers such as codes come back as floats
    text = str(raw).strip()
    return "" if text.lower() in _EMPTY_VALUES else text


def _as_list(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    parts = raw if isinstance(raw, (list, tuple)) else _LIST_SEPARATORS.split(str(raw))
    return tuple(text for text in (_as_text(part) for part in parts) if text)


def _jsonl_rows(path: Path, report: LoadReport) -> Iterator[tuple[int, Mapping[str, Any]]]:
    text = decode_bytes(path.read_bytes(), path.name)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            report.add(path.name, number, f"not valid JSON ({error.msg} at column {error.colno})")
            continue
        if not isinstance(row, dict):
            report.add(path.name, number, f"expected a JSON object, got {type(row).__name__}")
            continue
        yield number, row


def _csv_rows(path: Path) -> Iterator[tuple[int, Mapping[str, Any]]]:
    text = decode_bytes(path.read_bytes(), path.name)
    reader = csv.DictReader(io.StringIO(text))
    _check_header(reader.fieldnames or (), path.name)
    for row in reader:
        yield reader.line_num, {key.strip(): value for key, value in row.items() if key}


def _xlsx_rows(path: Path) -> Iterator[tuple[int, Mapping[str, Any]]]:
    import openpyxl  # only spreadsheet uploads pay for it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many unrelated types for a corrupt file
        raise RecordError(f"not a readable XLSX workbook ({type(error).__name__}: {error})") from error
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [str(cell).strip() if cell is not None else "" for cell in next(rows, ())]
        _check_header(header, path.name)
        for number, cells in enumerate(rows, start=2):
            if all(cell is None or str(cell).strip() == "" for cell in cells):
                continue
            yield number, {name: cell for name, cell in zip(header, cells, strict=False) if name}
    finally:
        workbook.close()


def _check_header(header: Any, name: str) -> None:
    columns = set(header)
    for field_name in REQUIRED_FIELDS:
        if not columns.intersection(COLUMN_MAPPING[field_name]):
            raise RecordError(
                f"{name} has no column for {field_name}; name one of "
                f"{' / '.join(COLUMN_MAPPING[field_name])} in the header row"
            )
