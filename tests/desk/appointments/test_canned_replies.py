"""Canned replies (快捷回复): placeholders filled from the chat's current item, shared per department,
edited by the department's staff and by admins."""
from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient

from actions import formatting
from desk.canned_replies import CannedReplyError, ItemFacts, check_reply, fill
from desk.models import Conversation
from tests.desk.appointments.conftest import COMPANY, MARKET, login

ITEM = ItemFacts("X1", "内资有限责任公司设立登记", "广东省市场监督管理局", "020-12345")
TEMPLATE = "您好，{事项名称}由{部门}受理，咨询电话 {电话}。"


def test_placeholders_are_filled_from_the_item() -> None:
    filled = fill(TEMPLATE, ITEM)
    assert filled.text == "您好，内资有限责任公司设立登记由广东省市场监督管理局受理，咨询电话 020-12345。"
    assert filled.missing == ()


def test_placeholders_without_a_value_stay_for_the_staff_member() -> None:
    assert fill(TEMPLATE, None).text == TEMPLATE
    assert fill(TEMPLATE, None).missing == ("事项名称", "部门", "电话")
    no_phone = fill(TEMPLATE, ItemFacts("X1", "停业登记", "税务局", ""))
    assert no_phone.text == "您好，停业登记由税务局受理，咨询电话 {电话}。" and no_phone.missing == ("电话",)


def test_unknown_placeholders_are_refused() -> None:
    with pytest.raises(CannedReplyError) as error:
        check_reply("问候", "您好 {事项}")
    assert error.value.status == 422 and "{事项}" in str(error.value) and error.value.problems[0]["field"] == "text"


def test_departments_share_and_guard_their_replies(app_client: TestClient) -> None:
    alice = login(app_client, "alice")  # 市场监督管理局
    made = alice.post("/api/canned-replies", json={"title": "受理说明", "text": TEMPLATE})
    assert made.status_code == 201, made.text
    assert made.json()["department"] == MARKET and made.json()["editable"]
    reply_id = made.json()["id"]
    assert alice.post("/api/canned-replies", json={"title": "共用", "text": "稍等", "shared": True}).status_code == 403
    bad = alice.post("/api/canned-replies", json={"title": "", "text": "x"})
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "title"
    alice.post("/api/logout")

    admin = login(app_client, "admin")
    shared = admin.post("/api/canned-replies", json={"title": "问候", "text": "您好，请问有什么可以帮您？", "shared": True})
    assert shared.status_code == 201 and shared.json()["department"] == "全部部门"
    admin.post("/api/logout")

    carol = login(app_client, "carol")  # 水利厅: sees the shared one only, cannot touch the other department's
    seen = carol.get("/api/canned-replies").json()["replies"]
    assert [row["title"] for row in seen] == ["问候"] and not seen[0]["editable"]
    assert carol.put(f"/api/canned-replies/{reply_id}", json={"title": "改", "text": "改"}).status_code == 404
    assert carol.delete(f"/api/canned-replies/{reply_id}").status_code == 404
    assert carol.put(f"/api/canned-replies/{shared.json()['id']}", json={"title": "改", "text": "改"}).status_code == 403
    carol.post("/api/logout")

    dave = login(app_client, "dave")  # no department: reads the shared ones, adds none
    assert [row["title"] for row in dave.get("/api/canned-replies").json()["replies"]] == ["问候"]
    assert dave.post("/api/canned-replies", json={"title": "x", "text": "y"}).status_code == 403
    dave.post("/api/logout")

    alice = login(app_client, "alice")
    edited = alice.put(f"/api/canned-replies/{reply_id}", json={"title": "受理说明", "text": "{事项名称}：请带齐材料。"})
    assert edited.status_code == 200
    listed = alice.get("/api/canned-replies", params={"item_id": COMPANY}).json()
    assert listed["item"]["事项名称"] == "内资有限责任公司设立登记"
    mine = next(row for row in listed["replies"] if row["id"] == reply_id)
    assert mine["filled"] == "内资有限责任公司设立登记：请带齐材料。"
    assert alice.delete(f"/api/canned-replies/{reply_id}").status_code == 204
    assert [row["title"] for row in alice.get("/api/canned-replies").json()["replies"]] == ["问候"]


def test_the_chats_current_item_is_its_last_item_card(app_client: TestClient) -> None:
    service = app_client.app.state.service  # type: ignore[attr-defined]
    conversation_id = "chat-canned-1"

    async def seed() -> None:
        await service.run(lambda s: s.add(Conversation(id=conversation_id)))
        record = app_client.app.state.appointments.records.record(COMPANY)  # type: ignore[attr-defined]
        await service.add_message(conversation_id, "bot", formatting.item_card_text(record),
                                  {"custom": formatting.item_card_message(record)})
        await service.add_message(conversation_id, "bot", "还有别的问题吗？", None)
    asyncio.run(seed())
    alice = login(app_client, "alice")
    alice.post("/api/canned-replies", json={"title": "电话", "text": "{部门}的咨询电话是 {电话}"})
    listed = alice.get("/api/canned-replies", params={"conversation_id": conversation_id}).json()
    assert listed["item"]["id"] == COMPANY
    assert listed["replies"][0]["filled"] == "广东省市场监督管理局的咨询电话是 020-12345"
