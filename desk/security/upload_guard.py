"""Upload bombs: cheap checks of a file's structure before parsing, then parsing in a child process.

A DOCX or XLSX is a zip archive; its central directory states each member's unpacked size, and
Python's zipfile never unpacks past that size, so checking the stated sizes before parsing bounds
the work. A PDF's page and object counts are read from the raw bytes. Whatever passes is parsed by
``desk.security.upload_worker`` in a child process under an address-space and CPU-time limit
(``resource.setrlimit``), so a file that slips through costs the child, never the desk.
"""
from __future__ import annotations

import asyncio
import io
import re
import zipfile
from pathlib import PurePath

from desk.knowledge_editing import KnowledgeInputError
from desk.security.limited_child import ChildTimedOut, run_limited
from indexer.records import Record, record_from_dict

ZIP_SUFFIXES = (".docx", ".xlsx", ".xlsm")
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 10_000
MAX_RATIO = 100  # unpacked / packed, for members larger than RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
MAX_PDF_PAGES = 2_000
MAX_PDF_OBJECTS = 200_000
_PDF_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def check_structure(file_name: str, content: bytes) -> None:
    """Refuse (KnowledgeInputError, 422) a file whose unpacked size or object count is out of bounds."""
    suffix = PurePath(file_name).suffix.lower()
    if suffix in ZIP_SUFFIXES:
        _check_zip(file_name, content)
    elif suffix == ".pdf":
        _check_pdf(file_name, content)


def _refuse(file_name: str, reason: str) -> None:
    raise KnowledgeInputError(f"“{file_name}”不能读取：{reason}", [{"file": file_name, "line": None, "reason": reason}])


def _check_zip(file_name: str, content: bytes) -> None:
    try:
        members = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        return  # not an archive at all: the reader says so in its own words
    if len(members) > MAX_MEMBERS:
        _refuse(file_name, f"压缩包内文件过多（{len(members)} 个，上限 {MAX_MEMBERS}），疑似恶意文件")
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        _refuse(file_name, f"解压后约 {unpacked / 1e6:.0f} MB，超过上限 {MAX_UNPACKED_BYTES / 1e6:.0f} MB，"
                           f"疑似压缩炸弹；请另存为普通文档后重新上传")
    for member in members:
        if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            _refuse(file_name, f"其中 {member.filename} 的压缩比超过 {MAX_RATIO} 倍，疑似压缩炸弹；"
                               f"请另存为普通文档后重新上传")


def _check_pdf(file_name: str, content: bytes) -> None:
    objects = len(_PDF_OBJECT.findall(content))
    if objects > MAX_PDF_OBJECTS:
        _refuse(file_name, f"PDF 对象过多（{objects} 个，上限 {MAX_PDF_OBJECTS}），请拆分后上传")
    pages = len(_PDF_PAGE.findall(content))
    if pages > MAX_PDF_PAGES:
        _refuse(file_name, f"PDF 页数过多（约 {pages} 页，上限 {MAX_PDF_PAGES}），请拆分后上传")


async def parse_upload(file_name: str, content: bytes, kind: str, max_bytes: int,
                       memory_mb: int, seconds: int) -> list[Record]:
    """The records of one upload, read in a child process with memory and time limits."""
    await asyncio.to_thread(check_structure, file_name, content)
    options = {"file_name": file_name, "kind": kind, "max_bytes": max_bytes, "memory_mb": memory_mb}
    try:
        answer = await run_limited("desk.security.upload_worker", options, content, seconds)
    except ChildTimedOut:
        _refuse(file_name, f"解析超过 {seconds} 秒仍未完成，疑似异常文件；请另存为普通文档后重新上传")
    if answer["status"] == "ok":
        return [record_from_dict(data) for data in answer["records"]]
    if answer["status"] == "memory":
        _refuse(file_name, f"解析所需内存超过 {memory_mb} MB，疑似压缩炸弹或异常文件；请另存为普通文档后重新上传")
    raise KnowledgeInputError(answer["message"], answer["problems"])
