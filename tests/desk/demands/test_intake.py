"""Demands that touch a chat (desk/demands/intake.py): the widget's form linked to its conversation,
staff intake from a chat or a phone call (POST /api/demands/intake), the off-hours message as a 咨询
demand, and the live ``demand`` frame an open widget gets when its demand changes."""
from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from desk.db import Database
from desk.models import Demand, Message
from tests.browser import console_client
from tests.desk.conftest import login, receive_until
from tests.desk.demands.conftest import MARKET, add_staff

FORM = {"category": "求助", "content": "我们企业的稳岗补贴一直没到账，联系人身份证110101199003071234",
        "enterprise_name": "某某科技有限公司", "contact_name": "张三", "contact_phone": "138-1234-5678"}


def hello(widget: Any) -> str:
    widget.send_json({"type": "hello", "conversation_id": None, "after": 0})
    conversation_id = receive_until(widget, "welcome")["conversation_id"]
    widget.send_json({"type": "message", "client_id": "m-1", "text": "补贴一直没到账"})
    receive_until(widget, "ack")  # the conversation is stored with its first message
    receive_until(widget, "message")  # the bot's answer
    return conversation_id


def database(client: TestClient) -> Database:
    return client.app.state.service.db  # type: ignore[attr-defined, no-any-return]


def stored(client: TestClient, tracking_number: str) -> Demand:
    with database(client).session() as session:
        demand = session.scalar(select(Demand).where(Demand.tracking_number == tracking_number))
        assert demand is not None
        return demand


def staff_client(client: TestClient, username: str) -> TestClient:
    other = console_client(client.app)
    response = other.post("/api/login", json={"username": username, "password": f"password-{username}"})
    assert response.status_code == 200, response.text
    return other


def test_the_widget_form_links_its_chat_and_the_chat_is_told_the_number(client: TestClient) -> None:
    with client.websocket_connect("/ws/widget") as widget:
        conversation_id = hello(widget)
        filed = client.post("/api/demands", json={**FORM, "conversation_id": conversation_id})
        assert filed.status_code == 201, filed.text
        number = filed.json()["tracking_number"]
        told = receive_until(widget, "message")["message"]
        assert told["sender"] == "system" and number in told["text"] and filed.json()["due_date"] in told["text"]
    demand = stored(client, number)
    assert demand.conversation_id == conversation_id and demand.channel == "widget"
    login(client, "alice")
    (listed,) = client.get("/api/demands").json()
    assert listed["conversation_id"] == conversation_id and listed["channel"] == "widget"


def test_an_unknown_conversation_links_nothing(client: TestClient) -> None:
    # The id is not trusted: a chat that does not exist is not linked (and no message goes anywhere).
    filed = client.post("/api/demands", json={**FORM, "conversation_id": "no-such-conversation"})
    assert filed.status_code == 201, filed.text
    demand = stored(client, filed.json()["tracking_number"])
    assert demand.conversation_id is None and demand.channel == "web"
    too_long = client.post("/api/demands", json={**FORM, "conversation_id": "x" * 65})
    assert too_long.status_code == 422 and too_long.json()["problems"][0]["field"] == "conversation_id"


def test_status_changes_reach_the_open_widget(client: TestClient) -> None:
    add_staff(database(client), "handler", "handler", MARKET)
    handler = staff_client(client, "handler")
    login(client, "alice")
    with client.websocket_connect("/ws/widget") as widget:
        conversation_id = hello(widget)
        number = client.post("/api/demands", json={**FORM, "conversation_id": conversation_id}).json()["tracking_number"]
        demand_id = stored(client, number).id
        assert client.post(f"/api/demands/{demand_id}/dispatch", json={"department": MARKET}).status_code == 200
        frame = receive_until(widget, "demand")
        assert frame["demand"] == {"tracking_number": number, "category": "求助", "status": "dispatched",
                                   "status_text": "已派单", "department": MARKET,
                                   "due_date": frame["demand"]["due_date"], "overdue": False, "can_rate": False}
        # Nothing personal travels on the socket: the widget looks the rest up with number and digits.
        assert "5678" not in json.dumps(frame) and "张三" not in json.dumps(frame)
        assert handler.post(f"/api/demands/{demand_id}/accept").status_code == 200
        assert receive_until(widget, "demand")["demand"]["status"] == "accepted"
        assert handler.post(f"/api/demands/{demand_id}/reply", json={"text": "补贴已于今日发放。"}).status_code == 200
        replied = receive_until(widget, "demand")["demand"]
        assert replied["status"] == "replied" and replied["can_rate"] is True
        rated = client.post(f"/api/demands/track/{number}/rating",
                            json={"phone_last4": "5678", "score": "不满意", "comment": "没收到"})
        assert rated.status_code == 200, rated.text
        assert receive_until(widget, "demand")["demand"]["status"] == "reopened"


def test_a_demand_without_a_chat_pushes_to_no_widget(client: TestClient) -> None:
    login(client, "alice")
    with client.websocket_connect("/ws/widget") as widget:
        hello(widget)
        number = client.post("/api/demands", json=FORM).json()["tracking_number"]
        client.post(f"/api/demands/{stored(client, number).id}/dispatch", json={"department": MARKET})
        widget.send_json({"type": "ping"})
        # The next frame is the pong: no demand frame went to this (unrelated) widget.
        assert widget.receive_json() == {"type": "pong"}


def test_staff_take_a_demand_down_from_a_live_chat(client: TestClient) -> None:
    login(client, "alice")
    with client.websocket_connect("/ws/widget") as widget:
        conversation_id = hello(widget)
        response = client.post("/api/demands/intake", json={**FORM, "channel": "chat", "category": "投诉",
                                                            "conversation_id": conversation_id})
        assert response.status_code == 201, response.text
        demand = response.json()
        told = receive_until(widget, "message")["message"]
        assert told["sender"] == "system" and "工作人员已为您登记" in told["text"] and demand["tracking_number"] in told["text"]
    assert demand["channel"] == "chat" and demand["conversation_id"] == conversation_id
    assert demand["category"] == "投诉" and demand["status"] == "received"
    assert demand["contact_phone"] == "13812345678"  # the 应答 desk holds it while it waits for dispatch
    (filed,) = demand["events"]
    assert filed["actor_kind"] == "staff" and filed["actor_name"] == "王小丽"
    # What the enterprise sees of it is masked, as for any demand.
    public = client.get(f"/api/demands/track/{demand['tracking_number']}?phone_last4=5678").json()
    assert public["contact_phone"] == "138****5678" and public["contact_name"] == "张*"
    assert "110101199003071234" not in public["content"]


def test_staff_take_a_demand_down_from_a_phone_call(client: TestClient) -> None:
    login(client, "alice")
    response = client.post("/api/demands/intake", json={**FORM, "channel": "phone", "contact_phone": "020-12345678"})
    assert response.status_code == 201, response.text
    assert response.json()["channel"] == "phone" and response.json()["conversation_id"] is None
    assert response.json()["contact_phone"] == "02012345678"


def test_intake_refusals(client: TestClient) -> None:
    assert client.post("/api/demands/intake", json={**FORM, "channel": "phone"}).status_code == 401
    add_staff(database(client), "handler", "handler", MARKET)
    handler = staff_client(client, "handler")
    assert handler.post("/api/demands/intake", json={**FORM, "channel": "phone"}).status_code == 403
    login(client, "alice")
    cases: list[tuple[dict[str, Any], str]] = [
        ({**FORM, "channel": "chat"}, "conversation_id"),  # a chat intake names its chat
        ({**FORM, "channel": "email"}, "channel"),
        ({**FORM, "channel": "phone", "contact_phone": "12345"}, "contact_phone"),
        ({**FORM, "channel": "phone", "category": "表扬"}, "category"),
        ({**FORM, "channel": "phone", "content": "短"}, "content"),
        ({**FORM, "channel": "phone", "tracking_number": "X"}, "tracking_number"),  # a field it does not take
    ]
    for body, field in cases:
        response = client.post("/api/demands/intake", json=body)
        assert response.status_code == 422, (field, response.text)
        problems = response.json()["problems"]
        assert any(field in str(problem["field"]) for problem in problems), (field, problems)
        assert all(problem["reason"] for problem in problems)
    unknown = client.post("/api/demands/intake", json={**FORM, "channel": "chat", "conversation_id": "no-such-chat"})
    assert unknown.status_code == 404 and "不存在" in unknown.json()["detail"]
    with database(client).session() as session:
        assert session.scalar(select(func.count()).select_from(Demand)) == 0


def test_a_left_message_needs_a_phone_and_keeps_the_names(client: TestClient) -> None:
    with client.websocket_connect("/ws/widget") as widget:
        conversation_id = hello(widget)
        widget.send_json({"type": "leave_message", "client_id": "l-1", "question": "稳岗补贴什么时候发放？",
                          "contact": "someone@example.com"})
        refused = receive_until(widget, "error")
        assert refused["client_id"] == "l-1" and "联系电话" in refused["message"]
        widget.send_json({"type": "leave_message", "client_id": "l-2", "question": "稳岗补贴什么时候发放？",
                          "contact": "13900001111", "contact_name": "李四", "enterprise_name": "某某贸易有限公司"})
        number = receive_until(widget, "ticket")["tracking_number"]
    demand = stored(client, number)
    assert (demand.category, demand.channel, demand.conversation_id) == ("咨询", "message", conversation_id)
    assert (demand.contact_name, demand.enterprise_name, demand.contact_phone) == ("李四", "某某贸易有限公司", "13900001111")
    with database(client).session() as session:
        left = session.scalars(select(Message.text).where(Message.conversation_id == conversation_id,
                                                          Message.sender == "user")).all()
        told = session.scalars(select(Message.text).where(Message.conversation_id == conversation_id,
                                                          Message.sender == "system")).all()
    assert left == ["补贴一直没到账", "【留言】稳岗补贴什么时候发放？"]  # the refused one was not stored
    assert any(number in text for text in told)


def test_the_widget_on_another_site_may_file_track_and_rate(client: TestClient) -> None:
    """A page on another site (the widget's usual home) gets through the browser's CORS checks on
    the three widget calls, and only on those."""
    site = {"Origin": "https://portal.example.gov.cn", "Sec-Fetch-Site": "cross-site"}
    preflight = client.options("/api/demands", headers={**site, "Access-Control-Request-Method": "POST",
                                                        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == "*"
    assert "content-type" in preflight.headers["access-control-allow-headers"].lower()
    filed = client.post("/api/demands", json=FORM, headers=site)
    assert filed.status_code == 201 and filed.headers["access-control-allow-origin"] == "*"
    refused = client.post("/api/demands", json={**FORM, "contact_phone": "12"}, headers=site)
    assert refused.status_code == 422 and refused.headers["access-control-allow-origin"] == "*"  # readable problems
    number = filed.json()["tracking_number"]
    tracked = client.get(f"/api/demands/track/{number}?phone_last4=5678", headers=site)
    assert tracked.status_code == 200 and tracked.headers["access-control-allow-origin"] == "*"
    rating = client.options(f"/api/demands/track/{number}/rating",
                            headers={**site, "Access-Control-Request-Method": "POST"})
    assert rating.status_code == 204
    # Staff routes stay same-origin: no CORS answer, and the write itself is refused.
    login(client, "alice")
    assert "access-control-allow-origin" not in client.get("/api/demands", headers=site).headers
    staff_preflight = client.options("/api/demands/intake", headers={**site, "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in staff_preflight.headers
    assert client.post("/api/demands/intake", json={**FORM, "channel": "phone"}, headers=site).status_code == 403
