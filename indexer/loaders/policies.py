"""Policy documents: a JSONL corpus ({docid, text}) or one document per TXT/MD/HTML/DOCX/PDF file.

Loaders return title and body only; issuer, document number and date are found later by
``indexer.nlp.PolicyAnnotator`` so every format gets the same extraction.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from indexer.errors import RecordError
from indexer.loaders.decoding import decode_bytes
from indexer.loaders.report import LoadReport
from indexer.records import PolicyDoc

POLICY_SUFFIXES = (".jsonl", ".txt", ".md", ".html", ".htm", ".docx", ".pdf")
MAX_TITLE_CHARS = 120
_MIN_BODY_CHARS = 10
_MARKDOWN_DECORATION = re.compile(r"^\s{0,3}(#{1,6}\s+|[-*+]\s+|>\s*)|[*_`]{1,3}")
_HTML_BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section")


def load_policy_file(path: Path, report: LoadReport) -> Iterator[PolicyDoc]:
    """Yield the documents of one policy file; unreadable documents go to ``report``."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".jsonl":
            yield from _jsonl_documents(path, report)
            return
        reader = _READERS.get(suffix)
        if reader is None:
            raise RecordError(f"unsupported policy file type {suffix!r}; use one of {POLICY_SUFFIXES}")
        title, body = reader(path)
        yield make_policy(path.stem, title, body, source=path.name)
    except RecordError as error:
        report.add(path.name, None, str(error))
    except OSError as error:
        report.add(path.name, None, f"cannot read the file ({error})")


def make_policy(doc_id: str, title: str, body: str, source: str = "") -> PolicyDoc:
    title = " ".join(title.split())[:MAX_TITLE_CHARS]
    body = body.strip()
    if not doc_id.strip():
        raise RecordError("document has no id; give it a docid or a file name")
    if not title:
        raise RecordError("document has no title (first line or first segment of the text)")
    if len(body) < _MIN_BODY_CHARS:
        raise RecordError(f"document body is empty or shorter than {_MIN_BODY_CHARS} characters")
    return PolicyDoc(id=doc_id.strip(), title=title, body=body, source=source)


def split_title(text: str) -> tuple[str, str]:
    """Title and body of a document whose title is its first line, or its first space-separated segment."""
    text = text.strip()
    first_line, _, rest = text.partition("\n")
    if rest.strip() and len(first_line.strip()) <= MAX_TITLE_CHARS:
        return first_line.strip(), rest.strip()
    segment, _, rest = text.partition(" ")
    if rest.strip() and len(segment) <= MAX_TITLE_CHARS:
        return segment, rest.strip()
    # No separator: a leading sentence stands in for the title; the body keeps the whole text.
    sentence = re.split(r"(?<=[。！？!?])", text, maxsplit=1)[0]
    return sentence[:MAX_TITLE_CHARS], text


def _jsonl_documents(path: Path, report: LoadReport) -> Iterator[PolicyDoc]:
    text = decode_bytes(path.read_bytes(), path.name)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise RecordError(f"expected a JSON object, got {type(row).__name__}")
            doc_id = str(row.get("docid") or row.get("id") or "")
            content = str(row.get("text") or row.get("body") or "")
            if row.get("title"):
                title, body = str(row["title"]), content
            else:
                title, body = split_title(content)
            yield make_policy(doc_id, title, body, source=path.name)
        except json.JSONDecodeError as error:
            report.add(path.name, number, f"not valid JSON ({error.msg} at column {error.colno})")
        except RecordError as error:
            report.add(path.name, number, str(error))


def _read_plain(path: Path) -> tuple[str, str]:
    return split_title(decode_bytes(path.read_bytes(), path.name))


def _read_markdown(path: Path) -> tuple[str, str]:
    text = decode_bytes(path.read_bytes(), path.name)
    lines = [_MARKDOWN_DECORATION.sub("", line).rstrip() for line in text.splitlines()]
    return split_title("\n".join(lines))


def _read_html(path: Path) -> tuple[str, str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_bytes(path.read_bytes(), path.name), "lxml")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "iframe", "form"]):
        tag.decompose()
    heading = soup.find("h1")
    title = heading.get_text(" ", strip=True) if heading else ""
    if not title and soup.title:
        title = soup.title.get_text(" ", strip=True)
    if heading:
        heading.decompose()
    container = soup.find("article") or soup.find("main") or soup.body or soup
    for block in container.find_all(_HTML_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    body = "\n".join(line.strip() for line in container.get_text().splitlines() if line.strip())
    if not title:
        return split_title(body)
    return title, body


def _read_docx(path: Path) -> tuple[str, str]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError) as error:
        raise RecordError(f"not a readable DOCX document ({type(error).__name__}: {error})") from error
    except Exception as error:  # zipfile and lxml raise their own types for damaged files
        raise RecordError(f"not a readable DOCX document ({type(error).__name__}: {error})") from error
    lines = [p.text.strip() for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells if cell.text.strip()]
            if cells:
                lines.append(" | ".join(dict.fromkeys(cells)))
    title = (document.core_properties.title or "").strip()
    if title:
        return title, "\n".join(lines)
    return split_title("\n".join(lines))


def _read_pdf(path: Path) -> tuple[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise RecordError("the PDF is encrypted; upload an unprotected copy")
        pages = [page.extract_text() or "" for page in reader.pages]
    except RecordError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise RecordError(f"not a readable PDF ({type(error).__name__}: {error})") from error
    except Exception as error:  # pypdf raises assorted types on damaged streams
        raise RecordError(f"not a readable PDF ({type(error).__name__}: {error})") from error
    text = "\n".join(page.strip() for page in pages if page.strip())
    if not text:
        raise RecordError("the PDF has no text layer (a scan?); run OCR or upload the text version")
    title = ""
    if reader.metadata and reader.metadata.title:
        title = str(reader.metadata.title).strip()
    if title:
        return title, text
    return split_title(text)


_READERS = {
    ".txt": _read_plain,
    ".md": _read_markdown,
    ".html": _read_html,
    ".htm": _read_html,
    ".docx": _read_docx,
    ".pdf": _read_pdf,
}
