"""A whole help through the API: start, upload, 需补正, re-upload, 合格, summary; live frames; the draft."""
from __future__ import annotations

import io
import threading
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from desk.models import RemoteHelpEvent, RemoteHelpFile
from indexer.search import SearchService
from tests.desk.conftest import receive_until
from tests.desk.remote_help.conftest import (
    CONVERSATION,
    PLEDGE,
    TOKEN,
    WATER,
    Desk,
    jpeg_with_exif,
    pdf_bytes,
    png_bytes,
)


def pdf_text(content: bytes) -> str:
    """The text of a PDF's first page without spacing. fpdf2 names its 2-byte encoding with an embedded
    CMap that pypdf reads as 1-byte codes: each glyph comes out behind a NUL; the ToUnicode map itself
    is right (each code maps to its character), so the NULs are dropped here."""
    return "".join(PdfReader(io.BytesIO(content)).pages[0].extract_text().replace("\x00", "").split())


def test_a_whole_pre_check(desk: Desk) -> None:
    with desk.widget.websocket_connect("/ws/widget") as socket:
        socket.send_json({"type": "hello", "conversation_id": CONVERSATION, "resume_token": TOKEN, "after": 0})
        assert receive_until(socket, "welcome")["conversation_id"] == CONVERSATION
        state = desk.start()  # no item named: the chat's current item (the handoff's candidate)
        assert state["item"]["id"] == PLEDGE and state["status"] == "active"
        assert [e["status"] for e in state["entries"]] == ["pending"] * 3
        assert receive_until(socket, "remote_help")["help"]["id"] == state["id"]  # the widget sees it live
        help_id, (first, second, third) = state["id"], [e["id"] for e in state["entries"]]

        uploaded = desk.upload(first, jpeg_with_exif(), name="../../申请书.pdf")
        assert uploaded.status_code == 201, uploaded.text
        files = uploaded.json()["entries"][0]["files"]
        assert files[0]["media_type"] == "image/jpeg" and files[0]["name"] == "申请书.jpg"

        assert desk.mark(help_id, first, "needs_fix").status_code == 400  # a reason is required
        fix = desk.mark(help_id, first, "needs_fix", "缺少法定代表人签字")
        assert fix.json()["entries"][0]["status"] == "needs_fix"
        frame = receive_until(socket, "remote_help")
        while frame["help"]["entries"][0]["status"] != "needs_fix":
            frame = receive_until(socket, "remote_help")
        assert frame["help"]["entries"][0]["reason"] == "缺少法定代表人签字"  # the enterprise sees the reason

        assert desk.upload(first, pdf_bytes("signed"), name="申请书-签字.pdf").status_code == 201
        assert desk.mark(help_id, first, "accepted").json()["entries"][0]["status"] == "accepted"
        assert desk.mark(help_id, second, "accepted").status_code == 409  # nothing uploaded yet
        assert desk.mark(help_id, third, "missing", "未提供").json()["entries"][2]["status"] == "missing"
        assert desk["alice"].get(f"/api/remote-help/{help_id}/summary.pdf").status_code == 409  # not complete yet
        for entry in (second, third):
            assert desk.upload(entry, png_bytes()).status_code == 201
            done = desk.mark(help_id, entry, "accepted").json()
        assert done["status"] == "completed" and done["summary"]["online_url"]
        assert [m["mark"] for m in done["summary"]["materials"]] == ["合格"] * 3
        assert done["summary"]["materials"][0]["files"] == ["申请书.jpg", "申请书-签字.pdf"]

        # ended: no more uploads or marks
        assert desk.upload(first, png_bytes()).status_code == 409
        assert desk.mark(help_id, first, "needs_fix", "再看看").status_code == 409

    summary = desk.widget.get(f"/api/widget/remote-help/{CONVERSATION}/summary.pdf")
    assert summary.status_code == 200 and summary.headers["content-type"] == "application/pdf"
    text = pdf_text(summary.content)
    assert "对股权出质设立登记" in text and "合格" in text
    # the chat tells both sides
    messages = desk["alice"].get(f"/api/conversations/{CONVERSATION}").json()["messages"]
    assert any("材料预审已完成" in m["text"] for m in messages)
    # the record: who did what
    with desk.database.session() as session:
        actions = [e.action for e in session.scalars(select(RemoteHelpEvent).order_by(RemoteHelpEvent.id))]
        kept = list(session.scalars(select(RemoteHelpFile.path)))
    assert actions[0] == "start" and actions[-1] == "complete" and actions.count("upload") == 4
    assert all(Path(p).is_file() and Path(p).is_relative_to(desk.settings.remote_help_dir) for p in kept)
    assert all(Path(p).stat().st_mode & 0o077 == 0 for p in kept)  # readable by the desk's account only


def test_files_are_served_to_the_widget_and_the_staff_serving_it_only(desk: Desk) -> None:
    state = desk.start()
    entry = state["entries"][0]["id"]
    file_id = desk.upload(entry, jpeg_with_exif()).json()["entries"][0]["files"][0]["id"]
    path = f"/api/remote-help/{state['id']}/files/{file_id}"
    widget_path = f"/api/widget/remote-help/{CONVERSATION}/files/{file_id}"
    served = desk.widget.get(widget_path)
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert b"SecretCam" not in served.content and served.headers["cache-control"] == "private, no-store"
    assert desk["alice"].get(path).content == served.content
    assert desk["admin"].get(path).status_code == 200
    assert desk["bob"].get(path).status_code == 403  # staff, but not serving this chat
    assert desk.anonymous.get(path).status_code == 401
    assert desk.stranger.get(widget_path).status_code == 404  # a wrong token learns nothing
    assert desk.anonymous.get(widget_path).status_code == 404
    # nothing of it under a public path
    assert desk.anonymous.get(f"/console/static/{file_id}").status_code == 404


def test_the_widget_cannot_reach_another_conversations_files(desk: Desk) -> None:
    state = desk.start()
    file_id = desk.upload(state["entries"][0]["id"], png_bytes()).json()["entries"][0]["files"][0]["id"]
    other, other_token = "beef" * 8, "token-of-another-widget-0123456789abcdef"
    desk.live_chat(other, other_token, "bob", candidates=[])
    from fastapi.testclient import TestClient

    other_widget = TestClient(desk.app, headers={"X-Daofu-Resume-Token": other_token})
    assert other_widget.get(f"/api/widget/remote-help/{other}/files/{file_id}").status_code == 404
    assert other_widget.get(f"/api/widget/remote-help/{CONVERSATION}/files/{file_id}").status_code == 404
    assert other_widget.post(f"/api/widget/remote-help/{other}/entries/{state['entries'][0]['id']}/files",
                             content=png_bytes()).status_code == 404


def test_uploads_are_checked_by_content_and_size(tmp_path: Path, catalog: SearchService) -> None:
    local = Desk(tmp_path, catalog, remote_help_max_file_mb=1)
    try:
        entry = local.start()["entries"][0]["id"]
        renamed = local.upload(entry, png_bytes(), name="scan.pdf")  # a PNG renamed .pdf
        assert renamed.status_code == 201 and renamed.json()["entries"][0]["files"][0]["media_type"] == "image/png"
        assert renamed.json()["entries"][0]["files"][0]["name"] == "scan.png"
        disguised = local.upload(entry, b"\x89PNG\r\n\x1a\n" + pdf_bytes(), name="photo.png")
        assert disguised.status_code == 422 and "图片" in disguised.json()["detail"]
        assert local.upload(entry, b"#!/bin/sh\nrm -rf /", name="a.jpg").status_code == 422
        oversize = local.upload(entry, b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 1), name="big.pdf")
        assert oversize.status_code == 413 and "上限 1 MB" in oversize.json()["detail"]
    finally:
        local.close()


def test_uploads_are_rate_limited(tmp_path: Path, catalog: SearchService) -> None:
    local = Desk(tmp_path, catalog, remote_help_upload_limit="2/minute")
    try:
        entry = local.start()["entries"][0]["id"]
        assert [local.upload(entry, png_bytes()).status_code for _ in range(3)] == [201, 201, 429]
        # reads (state, files, PDFs) get thirty times as many: 60 a minute here
        reads = [local.widget.get(f"/api/widget/remote-help/{CONVERSATION}").status_code for _ in range(61)]
        assert reads[:60] == [200] * 60 and reads[60] == 429
    finally:
        local.close()


def test_only_the_staff_serving_the_chat_starts_and_marks(desk: Desk) -> None:
    assert desk["bob"].post(f"/api/conversations/{CONVERSATION}/remote-help", json={}).status_code == 403
    state = desk.start(WATER)
    assert state["item"]["id"] == WATER
    assert desk["alice"].post(f"/api/conversations/{CONVERSATION}/remote-help", json={}).status_code == 409  # one at a time
    entry = state["entries"][0]["id"]
    assert desk.upload(entry, png_bytes()).status_code == 201
    assert desk.mark(state["id"], entry, "accepted", who="bob").status_code == 403
    assert desk.mark(state["id"], entry, "approved").status_code == 400
    assert desk["bob"].get(f"/api/conversations/{CONVERSATION}/remote-help").status_code == 403
    assert desk["bob"].post(f"/api/remote-help/{state['id']}/cancel").status_code == 403
    assert desk["alice"].post(f"/api/remote-help/{state['id']}/cancel").json()["status"] == "cancelled"
    assert desk["alice"].post(f"/api/remote-help/{state['id']}/cancel").status_code == 409


def test_starting_needs_a_known_item_with_materials(desk: Desk) -> None:
    start = f"/api/conversations/{CONVERSATION}/remote-help"
    assert desk["alice"].post(start, json={"item_id": "no-such-item"}).status_code == 404
    no_materials = desk["alice"].post(start, json={"item_id": "11440000006940175Y2442108008000"})
    assert no_materials.status_code == 400 and "材料" in no_materials.json()["detail"]


def test_the_draft_is_shared_and_a_stale_write_is_told_what_won(desk: Desk) -> None:
    state = desk.start()
    names = [f["name"] for f in state["draft"]]
    assert names[:6] == ["applicant", "credit_code", "legal_representative", "contact_name", "contact_phone", "address"]
    assert "delivery" in names  # the item can be mailed: its own field
    staff_put = f"/api/remote-help/{state['id']}/draft/applicant"
    widget_put = f"/api/widget/remote-help/{CONVERSATION}/draft/applicant"
    with desk.widget.websocket_connect("/ws/widget") as socket:
        socket.send_json({"type": "hello", "conversation_id": CONVERSATION, "resume_token": TOKEN, "after": 0})
        receive_until(socket, "welcome")
        first = desk.widget.put(widget_put, json={"value": "广州某某科技有限公司", "version": 0})
        assert first.status_code == 200
        staff_view = desk["alice"].get(f"/api/conversations/{CONVERSATION}/remote-help").json()
        applicant = next(f for f in staff_view["draft"] if f["name"] == "applicant")
        assert applicant == {**applicant, "value": "广州某某科技有限公司", "version": 1, "updated_by": "企业"}
        # staff edit from what they read; the enterprise, still at version 0, is refused and told
        assert desk["alice"].put(staff_put, json={"value": "广州某某科技股份有限公司", "version": 1}).status_code == 200
        frame = receive_until(socket, "remote_help")
        while next(f for f in frame["help"]["draft"] if f["name"] == "applicant")["version"] < 2:
            frame = receive_until(socket, "remote_help")
        assert next(f for f in frame["help"]["draft"] if f["name"] == "applicant")["updated_by"] == "王小丽"
    stale = desk.widget.put(widget_put, json={"value": "广州某某公司", "version": 0})
    assert stale.status_code == 409
    assert stale.json()["current"] == {"name": "applicant", "value": "广州某某科技股份有限公司", "version": 2,
                                       "updated_by": "王小丽"}
    assert "王小丽" in stale.json()["detail"]


def test_concurrent_writes_of_one_field_keep_exactly_one(desk: Desk) -> None:
    state = desk.start()
    url = f"/api/remote-help/{state['id']}/draft/address"
    results: list[int] = []

    def write(number: int) -> None:
        client = desk.widget if number % 2 else desk["alice"]
        path = url if client is desk["alice"] else f"/api/widget/remote-help/{CONVERSATION}/draft/address"
        results.append(client.put(path, json={"value": f"地址{number}", "version": 0}).status_code)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200] + [409] * 7
    field = next(f for f in desk["alice"].get(f"/api/remote-help/{state['id']}").json()["draft"] if f["name"] == "address")
    assert field["version"] == 1


def test_draft_values_are_checked(desk: Desk) -> None:
    state = desk.start()
    put = f"/api/remote-help/{state['id']}/draft/"
    wrong = desk["alice"].put(put + "credit_code", json={"value": "91350100M000100Y44", "version": 0})
    assert wrong.status_code == 422 and "校验位" in wrong.json()["detail"]
    right = desk["alice"].put(put + "credit_code", json={"value": "91350100m000100y43", "version": 0})
    assert next(f for f in right.json()["draft"] if f["name"] == "credit_code")["value"] == "91350100M000100Y43"
    assert desk["alice"].put(put + "contact_phone", json={"value": "12345", "version": 0}).status_code == 422
    assert desk["alice"].put(put + "nickname", json={"value": "x", "version": 0}).status_code == 404
    assert desk["alice"].put(put + "address", json={"value": "x", "version": -1}).status_code == 422
    assert desk["bob"].put(put + "address", json={"value": "x", "version": 0}).status_code == 403
    assert desk.stranger.put(f"/api/widget/remote-help/{CONVERSATION}/draft/address",
                             json={"value": "x", "version": 0}).status_code == 404


def test_the_draft_pdf_embeds_its_chinese_font(desk: Desk) -> None:
    state = desk.start()
    desk["alice"].put(f"/api/remote-help/{state['id']}/draft/applicant", json={"value": "广州某某科技有限公司", "version": 0})
    for client, url in ((desk.widget, f"/api/widget/remote-help/{CONVERSATION}/draft.pdf"),
                        (desk["alice"], f"/api/remote-help/{state['id']}/draft.pdf")):
        response = client.get(url)
        assert response.status_code == 200 and response.content.startswith(b"%PDF-")
        reader = PdfReader(io.BytesIO(response.content))
        text = pdf_text(response.content)
        assert "广州某某科技有限公司" in text and "统一社会信用代码" in text
        fonts = reader.pages[0]["/Resources"]["/Font"]
        descriptors = [font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
                       for font in fonts.values()]
        assert any(key in d for d in descriptors for key in ("/FontFile", "/FontFile2", "/FontFile3"))  # embedded
    assert desk["bob"].get(f"/api/remote-help/{state['id']}/draft.pdf").status_code == 403
    assert desk.stranger.get(f"/api/widget/remote-help/{CONVERSATION}/draft.pdf").status_code == 404


def test_a_reconnecting_widget_reads_the_state(desk: Desk) -> None:
    assert desk.widget.get(f"/api/widget/remote-help/{CONVERSATION}").json() is None
    state = desk.start()
    again = desk.widget.get(f"/api/widget/remote-help/{CONVERSATION}").json()
    assert again["id"] == state["id"] and again["entries"] == state["entries"]
    assert desk.stranger.get(f"/api/widget/remote-help/{CONVERSATION}").status_code == 404
