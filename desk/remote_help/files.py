"""What an enterprise's upload is, judged by its content alone, and the copy the desk keeps.

The file name and the Content-Type a browser sends are the sender's claims: the kind comes from the
bytes (a PDF's ``%PDF-`` header and a parse by pypdf, an image decoded by Pillow). Images are decoded
and encoded again from their pixels, so EXIF (GPS position, camera, owner), XMP and comments are left
behind; a PDF is rewritten by pypdf without its document information and XMP metadata. Decoding runs
in a child process under an address-space and CPU-time limit (``file_worker``), after cheap checks of
the raw bytes (size, a PDF's object and page counts, an image's stated pixel count), so a bomb costs
the child, never the desk.
"""
from __future__ import annotations

import base64
import io
import warnings
from dataclasses import dataclass
from enum import StrEnum

from desk.errors import DeskError
from desk.security.limited_child import ChildTimedOut, run_limited

# An image beyond this many pixels is refused before it is decoded (a 1 KB PNG can claim 100,000²).
MAX_IMAGE_PIXELS = 40_000_000
MAX_PDF_PAGES = 200
# Longest side of a kept image: phone photos of documents stay readable, the store stays small.
MAX_IMAGE_SIDE = 4000
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")
_PNG = b"\x89PNG\r\n\x1a\n"


class FileKind(StrEnum):
    JPEG = "image/jpeg"
    PNG = "image/png"
    PDF = "application/pdf"

    @property
    def suffix(self) -> str:
        return {FileKind.JPEG: ".jpg", FileKind.PNG: ".png", FileKind.PDF: ".pdf"}[self]


class FileRefused(DeskError):
    """An upload the desk does not keep (HTTP 422), with what to do instead."""

    code = "file_refused"
    status = 422


class FileTooLarge(FileRefused):
    status = 413


@dataclass(frozen=True)
class CleanFile:
    kind: FileKind
    content: bytes
    pages: int  # a PDF's page count; 1 for an image
    width: int = 0
    height: int = 0


def claimed_kind(content: bytes) -> str:
    """What the first bytes say the file is: ``pdf``, ``image`` or ``unknown`` (the parse decides)."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith((_PNG, b"\xff\xd8\xff")) or (content[:4] == b"RIFF" and content[8:12] == b"WEBP"):
        return "image"
    return "unknown"


def check_size(size: int, max_bytes: int) -> None:
    if size == 0:
        raise FileRefused("文件是空的，请重新选择")
    if size > max_bytes:
        raise FileTooLarge(f"文件太大（{size / 1e6:.1f} MB），上限 {max_bytes / 1e6:.0f} MB；"
                           f"请压缩图片或拆分 PDF 后再上传")


def clean(content: bytes) -> CleanFile:
    """The kept copy of ``content``; FileRefused when it is no PDF, JPEG, PNG or WebP, or a bomb.
    Runs in the child process (``file_worker``); tests call it directly."""
    kind = claimed_kind(content)
    if kind == "pdf":
        return _clean_pdf(content)
    if kind == "image":
        return _clean_image(content)
    raise FileRefused("只能上传 PDF 或图片（JPG、PNG、WebP），这个文件的内容两者都不是")


def _clean_pdf(content: bytes) -> CleanFile:
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise FileRefused("PDF 设置了密码，请去掉密码后再上传")
        pages = len(reader.pages)
        if pages == 0:
            raise FileRefused("PDF 没有页面，请检查文件")
        if pages > MAX_PDF_PAGES:
            raise FileRefused(f"PDF 页数过多（{pages} 页，上限 {MAX_PDF_PAGES}），请拆分后上传")
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None  # author, creator, dates
        # XMP metadata; and what a viewer would run or unpack on opening (scripts, actions, attachments):
        # staff open these files, and a document of the application needs none of it.
        for key in ("/Metadata", "/OpenAction", "/AA", "/Names", "/AcroForm"):
            if key in writer.root_object:
                del writer.root_object[key]
        out = io.BytesIO()
        writer.write(out)
    except FileRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as error:
        # pypdf raises assorted types on damaged files; all mean the same to the user
        raise FileRefused(f"PDF 文件已损坏或格式不正确，无法打开（{type(error).__name__}）；请重新导出后上传") from error
    return CleanFile(FileKind.PDF, out.getvalue(), pages)


def _clean_image(content: bytes) -> CleanFile:
    from PIL import Image, ImageOps, UnidentifiedImageError

    too_many = FileRefused(f"图片像素过多，上限约 {MAX_IMAGE_PIXELS // 1_000_000} 百万像素，疑似异常文件；请缩小后上传")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that: here every such image is a bomb.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(content), formats=IMAGE_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise too_many from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise FileRefused(f"图片已损坏或格式不正确，无法打开（{type(error).__name__}）；请重新拍照或导出后上传") from error
    try:
        with opened:
            width, height = opened.size
            if width * height > MAX_IMAGE_PIXELS:
                raise too_many
            source_format = opened.format
            opened.load()
            # The photo as the user saw it: EXIF orientation applied, then the EXIF dropped.
            image = ImageOps.exif_transpose(opened)
    except FileRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as error:
        raise FileRefused(f"图片已损坏或格式不正确，无法打开（{type(error).__name__}）；请重新拍照或导出后上传") from error
    image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    # A new image from the pixels alone: no info dictionary, no EXIF, XMP, ICC text or comments follow.
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    keep_png = source_format == "PNG" or has_alpha
    mode = "RGBA" if has_alpha else ("L" if image.mode in ("1", "L", "I;16") else "RGB")
    pixels = Image.new(mode, image.size)
    pixels.paste(image.convert(mode))
    out = io.BytesIO()
    if keep_png:
        pixels.save(out, format="PNG", optimize=True)
        kind = FileKind.PNG
    else:
        pixels.save(out, format="JPEG", quality=88)
        kind = FileKind.JPEG
    return CleanFile(kind, out.getvalue(), 1, pixels.width, pixels.height)


def precheck(content: bytes) -> None:
    """Cheap checks of the raw bytes in the desk itself, before a child is started."""
    kind = claimed_kind(content)
    if kind == "unknown":
        raise FileRefused("只能上传 PDF 或图片（JPG、PNG、WebP），这个文件的内容两者都不是")
    if kind == "pdf":
        from desk.knowledge_editing import KnowledgeInputError
        from desk.security.upload_guard import check_structure

        try:
            check_structure("upload.pdf", content)  # object and page counts of the raw bytes
        except KnowledgeInputError as error:
            raise FileRefused(str(error).replace("“upload.pdf”", "这个 PDF ")) from error


async def clean_in_child(content: bytes, memory_mb: int, seconds: int) -> CleanFile:
    """``clean`` in a child process limited to ``memory_mb`` of address space and ``seconds`` of CPU."""
    precheck(content)
    try:
        answer = await run_limited("desk.remote_help.file_worker", {"memory_mb": memory_mb}, content, seconds)
    except ChildTimedOut:
        raise FileRefused(f"处理超过 {seconds} 秒仍未完成，疑似异常文件；请重新导出后上传") from None
    if answer["status"] == "memory":
        raise FileRefused(f"处理所需内存超过 {memory_mb} MB，疑似压缩炸弹或异常文件；请重新导出后上传")
    if answer["status"] == "refused":
        raise FileRefused(str(answer["message"]))
    return CleanFile(FileKind(answer["kind"]), base64.b64decode(answer["content"]), int(answer["pages"]),
                     int(answer["width"]), int(answer["height"]))
