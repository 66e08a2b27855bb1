"""Bundles (一件事) as JSONL, one bundle per line::

    {"id": "bundle-restaurant", "name": "开餐馆", "variants": ["开饭店要办什么证"], "intro": "…",
     "steps": [{"item_id": "<catalog TASK_CODE>", "note": "…"}], "outside_catalog": ["…"]}

Whether each step's item exists is checked where the items are known (the workspace on every
change, the build on every build), not here.
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from indexer.errors import RecordError
from indexer.loaders.decoding import decode_bytes
from indexer.loaders.report import LoadReport
from indexer.records import Bundle, BundleStep

BUNDLE_SUFFIXES = (".jsonl",)
MAX_NAME_CHARS = 60
MAX_TEXT_CHARS = 2000
MAX_STEPS = 30
MAX_VARIANTS = 30


class BundleFormatError(ValueError):
    """A bundle line that cannot be a bundle; the message says what to fix (in Chinese, for editors)."""


def load_bundle_file(path: Path, report: LoadReport) -> Iterator[Bundle]:
    """Yield the bundles of one JSONL file; bad lines go to ``report``."""
    if path.suffix.lower() not in BUNDLE_SUFFIXES:
        report.add(path.name, None, f"一件事文件必须是 JSONL（{path.suffix or '无扩展名'}）")
        return
    try:
        text = decode_bytes(path.read_bytes(), path.name)
    except (OSError, RecordError) as error:
        report.add(path.name, None, f"读不出文件：{error}")
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            report.add(path.name, number, f"不是合法的 JSON：{error.msg}")
            continue
        try:
            yield parse_bundle(data, source=path.name)
        except BundleFormatError as error:
            report.add(path.name, number, str(error))


def parse_bundle(data: Any, source: str = "", author: str = "") -> Bundle:
    """A bundle from editor-given fields; BundleFormatError says what is wrong."""
    if not isinstance(data, Mapping):
        raise BundleFormatError("每行必须是一个 JSON 对象")
    bundle_id = _text(data, "id", 80)
    name = _text(data, "name", MAX_NAME_CHARS)
    if not bundle_id:
        raise BundleFormatError("缺少编号 id")
    if not name:
        raise BundleFormatError(f"一件事 {bundle_id} 缺少名称 name")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise BundleFormatError(f"一件事“{name}”至少要有一个步骤（steps：按顺序列出事项编码）")
    if len(raw_steps) > MAX_STEPS:
        raise BundleFormatError(f"一件事“{name}”的步骤超过 {MAX_STEPS} 个")
    steps = []
    for position, step in enumerate(raw_steps, start=1):
        if isinstance(step, str):
            step = {"item_id": step}
        if not isinstance(step, Mapping) or not str(step.get("item_id") or "").strip():
            raise BundleFormatError(f"一件事“{name}”的第 {position} 步缺少事项编码 item_id")
        steps.append(BundleStep(item_id=str(step["item_id"]).strip(), note=_text(step, "note", 500)))
    ids = [step.item_id for step in steps]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise BundleFormatError(f"一件事“{name}”里同一事项出现了两次：{'、'.join(repeated)}")
    variants = _texts(data, "variants", name)
    return Bundle(id=bundle_id, name=name, steps=tuple(steps),
                  variants=tuple(v for v in dict.fromkeys(variants) if v != name)[:MAX_VARIANTS],
                  intro=_text(data, "intro", MAX_TEXT_CHARS), outside_catalog=tuple(_texts(data, "outside_catalog", name)),
                  author=author or _text(data, "author", 80), source=source or _text(data, "source", 200))


def _text(data: Mapping[str, Any], key: str, limit: int) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BundleFormatError(f"{key} 必须是文字")
    value = value.strip()
    if len(value) > limit:
        raise BundleFormatError(f"{key} 超过 {limit} 个字符")
    return value


def _texts(data: Mapping[str, Any], key: str, name: str) -> list[str]:
    value = data.get(key) or []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BundleFormatError(f"一件事“{name}”的 {key} 必须是文字列表")
    texts = [v.strip() for v in value if v.strip()]
    if any(len(v) > MAX_TEXT_CHARS for v in texts):
        raise BundleFormatError(f"一件事“{name}”的 {key} 有一条超过 {MAX_TEXT_CHARS} 个字符")
    return texts
