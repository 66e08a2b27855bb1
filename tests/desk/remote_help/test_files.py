"""Uploads are judged by their content: the kind, the size, bombs, and what is left of metadata."""
from __future__ import annotations

import asyncio
import io
import struct
import zlib

import pytest
from PIL import Image
from pypdf import PdfReader

from desk.remote_help.files import (
    FileKind,
    FileRefused,
    FileTooLarge,
    check_size,
    clean,
    clean_in_child,
)
from tests.desk.remote_help.conftest import jpeg_with_exif, pdf_bytes, png_bytes


def test_a_png_named_pdf_is_kept_as_the_png_it_is() -> None:
    kept = clean(png_bytes())  # the name ("scan.pdf") never reaches the judgement
    assert kept.kind is FileKind.PNG and kept.content.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(kept.content)).size == (40, 30)


def test_a_pdf_behind_an_image_header_is_refused() -> None:
    disguised = b"\x89PNG\r\n\x1a\n" + pdf_bytes()
    with pytest.raises(FileRefused, match="图片已损坏"):
        clean(disguised)


def test_a_pdf_is_kept_as_pdf_without_its_metadata_or_scripts() -> None:
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(author="Secret Author"))))
    script = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('hi');")})
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(script)  # runs when the file is opened
    writer.root_object[NameObject("/Names")] = DictionaryObject()
    scripted = io.BytesIO()
    writer.write(scripted)
    kept = clean(scripted.getvalue())
    assert kept.kind is FileKind.PDF and kept.pages == 1
    assert b"Secret Author" not in kept.content and b"app.alert" not in kept.content
    reader = PdfReader(io.BytesIO(kept.content))
    assert reader.metadata is None and "/OpenAction" not in reader.trailer["/Root"] and "/Names" not in reader.trailer["/Root"]


@pytest.mark.parametrize("content", [b"MZ\x90\x00 an executable", b"<html><script>alert(1)</script>", b"%PD"],
                         ids=["exe", "html", "short"])
def test_other_content_is_refused(content: bytes) -> None:
    with pytest.raises(FileRefused, match="只能上传 PDF 或图片"):
        clean(content)


def test_a_damaged_pdf_is_refused_in_words() -> None:
    with pytest.raises(FileRefused, match="PDF 文件已损坏"):
        clean(b"%PDF-1.7\n" + b"\x00garbage" * 50)


def test_exif_gps_and_comments_are_gone_after_re_encoding() -> None:
    original = jpeg_with_exif()
    assert b"SecretCam" in original and Image.open(io.BytesIO(original)).getexif()
    kept = clean(original)
    assert kept.kind is FileKind.JPEG
    reopened = Image.open(io.BytesIO(kept.content))
    assert not reopened.getexif() and "comment" not in reopened.info and "exif" not in reopened.info
    assert b"SecretCam" not in kept.content and b"owner: someone" not in kept.content


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width×height pixels (the data stream is a few bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize(("width", "height"), [(10_000, 10_000), (100_000, 100_000)], ids=["100MP", "10GP"])
def test_decompression_bombs_are_refused_before_decoding(width: int, height: int) -> None:
    bomb = _png_claiming(width, height)
    assert len(bomb) < 200
    with pytest.raises(FileRefused, match="像素过多"):
        clean(bomb)


def test_a_bomb_in_the_child_is_refused_and_the_desk_survives() -> None:
    with pytest.raises(FileRefused):
        asyncio.run(clean_in_child(_png_claiming(30_000, 30_000), memory_mb=512, seconds=20))


def test_the_child_returns_the_cleaned_copy() -> None:
    kept = asyncio.run(clean_in_child(jpeg_with_exif(), memory_mb=512, seconds=20))
    assert kept.kind is FileKind.JPEG and b"SecretCam" not in kept.content and kept.width == 64


def test_sizes() -> None:
    check_size(1, 10)
    with pytest.raises(FileRefused, match="空"):
        check_size(0, 10)
    with pytest.raises(FileTooLarge) as too_large:
        check_size(11, 10)
    assert too_large.value.status == 413
