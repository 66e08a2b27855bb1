"""A desk with the fixture catalog (a real search index built with the test encoder), three staff and
a live chat served by alice whose widget holds ``TOKEN``."""
from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from desk.app import create_app
from desk.auth import create_staff
from desk.db import Database, migrate
from desk.models import Conversation, Handoff, Staff
from desk.security.resume_tokens import resume_token_hash
from desk.settings import DeskSettings
from indexer.search import SearchService
from tests.browser import console_client
from tests.conftest import build_fixture_search
from tests.desk.conftest import login
from tests.fakes import ScriptedRasa

PLEDGE = "11440000MB2D0234372442025027004"  # 对股权出质设立登记: 3 materials, delivery by post
WATER = "1144000000694113522440116004003"  # 延续取水许可: 3 materials
CONVERSATION = "c0ffee" * 5
TOKEN = "resume-token-of-the-enterprise-widget-0123456789"


class Desk:
    def __init__(self, tmp: Path, knowledge: SearchService, **overrides: Any) -> None:
        self.settings = DeskSettings(database_url=f"sqlite:///{tmp / 'desk.sqlite3'}",
                                     remote_help_dir=str(tmp / "remote_help"), demand_sweep_seconds=0, **overrides)
        migrate(self.settings.database_url)
        self.app = create_app(self.settings, rasa=ScriptedRasa(), knowledge=knowledge)  # type: ignore[arg-type]
        self.database = Database(self.settings.database_url)
        with self.database.session() as session:
            create_staff(session, "alice", "password-alice", "staff", "王小丽")
            create_staff(session, "bob", "password-bob1", "staff", "李明")
            create_staff(session, "admin", "password-admin", "admin", "管理员")
        self.clients: dict[str, TestClient] = {}
        self.widget = TestClient(self.app, headers={"X-Daofu-Resume-Token": TOKEN})
        self.stranger = TestClient(self.app, headers={"X-Daofu-Resume-Token": "someone-else-s-token"})
        self.anonymous = TestClient(self.app)
        self.clients["_lifespan"] = console_client(self.app).__enter__()
        for name in ("alice", "bob", "admin"):
            self.clients[name] = login(console_client(self.app), name)
        self.live_chat(CONVERSATION, TOKEN, "alice", candidates=[{"id": PLEDGE, "kind": "item", "title": "对股权出质设立登记"}])

    def __getitem__(self, name: str) -> TestClient:
        return self.clients[name]

    def live_chat(self, conversation_id: str, token: str, staff: str, candidates: list[dict[str, Any]]) -> None:
        with self.database.session() as session:
            staff_id = session.query(Staff).filter_by(username=staff).one().id
            session.add(Conversation(id=conversation_id, status="live", resume_token_hash=resume_token_hash(token)))
            session.flush()
            session.add(Handoff(conversation_id=conversation_id, reason="widget_button", priority=2, summary="",
                                candidates=candidates, status="claimed", claimed_by=staff_id))

    def start(self, item_id: str | None = None) -> dict[str, Any]:
        response = self["alice"].post(f"/api/conversations/{CONVERSATION}/remote-help",
                                      json={"item_id": item_id} if item_id else {})
        assert response.status_code == 201, response.text
        return response.json()

    def upload(self, entry_id: int, content: bytes, name: str = "照片.jpg", client: TestClient | None = None) -> Any:
        return (client or self.widget).post(f"/api/widget/remote-help/{CONVERSATION}/entries/{entry_id}/files",
                                            content=content, headers={"X-File-Name": quote(name)})

    def mark(self, help_id: int, entry_id: int, mark: str, reason: str = "", who: str = "alice") -> Any:
        return self[who].post(f"/api/remote-help/{help_id}/entries/{entry_id}/mark", json={"mark": mark, "reason": reason})

    def close(self) -> None:
        self.clients["_lifespan"].__exit__(None, None, None)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    """The fixture catalog's index, built once a module (the tests read it, never change it)."""
    return build_fixture_search(tmp_path_factory.mktemp("catalog"))


@pytest.fixture()
def desk(tmp_path: Path, catalog: SearchService) -> Iterator[Desk]:
    made = Desk(tmp_path, catalog)
    yield made
    made.close()


def png_bytes(size: tuple[int, int] = (40, 30), color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def jpeg_with_exif(size: tuple[int, int] = (64, 48)) -> bytes:
    image = Image.new("RGB", size, (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x013B] = "张三"  # Artist
    exif[0x8825] = {1: "N", 2: (22.0, 32.0, 10.0), 3: "E", 4: (113.0, 57.0, 5.0)}  # GPS position
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"owner: someone")
    return out.getvalue()


def pdf_bytes(text: str = "hello", author: str = "Secret Author") -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, text)
    pdf.set_author(author)
    return bytes(pdf.output())
