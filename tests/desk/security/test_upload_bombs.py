"""Issue 13 item 8: upload bombs are refused before parsing, parsing runs in a limited child process,
and the desk refuses an upload it would not accept before reading the body."""
from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from desk.app import create_app
from desk.auth import create_staff
from desk.db import Database, migrate
from desk.security import upload_guard
from desk.settings import DeskSettings
from tests.browser import console_client
from tests.desk.conftest import ScriptedRasa
from tests.desk.test_knowledge_api import docx_bytes, editor_client, upload  # noqa: F401  (fixture)

MB = 1024 * 1024


@pytest.fixture()
def desk_settings(tmp_path: Path) -> DeskSettings:
    # A child limit well under the bomb's 250 MB, so the second line of defence is tested too.
    return DeskSettings(database_url=f"sqlite:///{tmp_path / 'desk.sqlite3'}", rasa_timeout=2.0,
                        upload_memory_mb=256, upload_seconds=20)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A valid DOCX of about 250 KB whose document.xml unpacks to 250 MB (blank space inside the body)."""
    original = zipfile.ZipFile(io.BytesIO(docx_bytes("标题\n正文")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in original.infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info.filename, original.read(info))
        head, tail = original.read("word/document.xml").split(b"</w:body>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(head)
            chunk = b" " * MB
            for _ in range(250):
                member.write(chunk)
            member.write(b"</w:body>" + tail)
    content = buffer.getvalue()
    assert len(content) < 300 * 1024
    return content


def memory() -> dict[str, int]:
    """This process's resident and peak resident size in KB (Linux)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return {"rss": int(fields["VmRSS"].split()[0]), "peak": int(fields["VmHWM"].split()[0])}


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def test_a_docx_bomb_is_refused_in_chinese_and_memory_stays_flat(editor_client: TestClient, bomb: bytes) -> None:  # noqa: F811 - the fixture imported above
    assert upload(editor_client, "warm.docx", docx_bytes("标题\n" + "正文" * 20)).status_code == 200
    reset_peak()
    before = memory()
    response = upload(editor_client, "炸弹.docx", bomb)
    after = memory()
    assert response.status_code == 422
    assert "压缩炸弹" in response.json()["detail"] and response.json()["problems"][0]["file"] == "炸弹.docx"
    print(f"RSS before {before['rss'] / 1024:.0f} MB, after {after['rss'] / 1024:.0f} MB, peak {after['peak'] / 1024:.0f} MB")
    assert after["peak"] - before["rss"] < 30 * 1024


def test_the_child_memory_limit_holds_when_a_bomb_passes_the_checks(editor_client: TestClient, bomb: bytes,  # noqa: F811 - the fixture imported above
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upload_guard, "MAX_UNPACKED_BYTES", 10**12)
    monkeypatch.setattr(upload_guard, "MAX_RATIO", 10**9)
    reset_peak()
    before = memory()
    response = upload(editor_client, "炸弹.docx", bomb)
    after = memory()
    assert response.status_code == 422, response.text
    print(response.json()["detail"], response.json()["problems"])
    print(f"RSS before {before['rss'] / 1024:.0f} MB, after {after['rss'] / 1024:.0f} MB, peak {after['peak'] / 1024:.0f} MB")
    assert after["peak"] - before["rss"] < 30 * 1024
    assert [v["number"] for v in editor_client.get("/api/kb/versions").json()] == [1]


def test_xlsx_bombs_and_pdfs_with_too_many_pages_are_refused(editor_client: TestClient, bomb: bytes) -> None:  # noqa: F811 - the fixture imported above
    assert upload(editor_client, "catalog.xlsx", bomb, "catalog").status_code == 422
    pages = b"%PDF-1.4\n" + b"".join(b"%d 0 obj << /Type /Page >> endobj\n" % n for n in range(1, 2100))
    response = upload(editor_client, "many.pdf", pages)
    assert response.status_code == 422 and "页数过多" in response.json()["detail"]


def test_an_ordinary_docx_still_reads(editor_client: TestClient) -> None:  # noqa: F811 - the fixture imported above
    response = upload(editor_client, "通知.docx", docx_bytes("关于开展测试工作的通知\n" + "一、测试内容。" * 50))
    assert response.status_code == 200, response.text
    assert response.json()["added"]


class Request:
    """A raw ASGI upload request whose body must never be read."""

    def __init__(self, cookie: str = "", length: int = 50 * MB) -> None:
        # As the knowledge console's upload form sends it (the origin guard runs first).
        headers = [(b"content-type", b"multipart/form-data; boundary=x"), (b"content-length", str(length).encode()),
                   (b"sec-fetch-site", b"same-origin")]
        if cookie:
            headers.append((b"cookie", cookie.encode()))
        self.scope = {"type": "http", "method": "POST", "path": "/api/kb/upload", "raw_path": b"/api/kb/upload",
                      "query_string": b"", "headers": headers, "http_version": "1.1", "scheme": "http",
                      "server": ("testserver", 80), "client": ("127.0.0.1", 1234), "root_path": ""}
        self.body_reads = 0
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        self.body_reads += 1
        return {"type": "http.request", "body": b"x" * MB, "more_body": True}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    def run(self, app: Any) -> int:
        asyncio.run(app(self.scope, self.receive, self.send))
        assert self.body_reads == 0
        return int(self.sent[0]["status"])


@pytest.fixture()
def raw_app(desk_settings: DeskSettings) -> Iterator[tuple[Any, dict[str, str]]]:
    migrate(desk_settings.database_url)
    app = create_app(desk_settings, rasa=ScriptedRasa())  # type: ignore[arg-type]
    with Database(desk_settings.database_url).session() as session:
        create_staff(session, "editor", "password-editor", "editor")
        create_staff(session, "alice", "password-alice", "staff")
    cookies = {}
    with console_client(app) as client:
        for name in ("editor", "alice"):
            response = client.post("/api/login", json={"username": name, "password": f"password-{name}"})
            cookies[name] = f"daofu_session={response.cookies['daofu_session']}"
    yield app, cookies


def test_uploads_are_refused_before_the_body_is_read(raw_app: tuple[Any, dict[str, str]]) -> None:
    app, cookies = raw_app
    assert Request().run(app) == 401
    assert Request("daofu_session=forged").run(app) == 401
    assert Request(cookies["alice"]).run(app) == 403
    assert Request(cookies["editor"]).run(app) == 413
