"""Escalation, the queue, claiming (atomic), staff replies, hand back, tickets, ratings, login."""
from __future__ import annotations

import asyncio
import datetime
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from desk.settings import DeskSettings
from tests.browser import console_client
from tests.desk.conftest import ScriptedRasa, login, receive_until


def start_chat(websocket, text):  # type: ignore[no-untyped-def]
    websocket.send_json({"type": "hello", "conversation_id": None, "after": 0})
    conversation_id = receive_until(websocket, "welcome")["conversation_id"]
    websocket.send_json({"type": "message", "client_id": f"m-{text}", "text": text})
    receive_until(websocket, "ack")
    return conversation_id


def test_console_needs_a_login(client: TestClient) -> None:
    assert client.get("/api/queue").status_code == 401
    assert client.get("/api/conversations/x").status_code == 401
    assert client.get("/console", follow_redirects=False).headers["location"] == "/console/login"
    assert client.post("/api/login", json={"username": "alice", "password": "wrong-password"}).status_code == 401
    login(client, "alice")
    assert client.get("/api/me").json()["display_name"] == "王小丽"
    assert client.get("/console").status_code == 200
    client.post("/api/logout")
    assert client.get("/api/queue").status_code == 401


def test_full_handoff_cycle(client: TestClient, rasa: ScriptedRasa) -> None:
    login(client, "alice")
    with client.websocket_connect("/ws/widget") as widget:
        conversation_id = start_chat(widget, "转人工")
        status = receive_until(widget, "status")
        assert status["status"] == "queued" and status["queue"]["position"] == 1
        assert status["queue"]["estimated_wait_seconds"] > 0
        queue = client.get("/api/queue").json()
        (item,) = [q for q in queue if q["conversation_id"] == conversation_id]
        assert item["reason"] == "user_request" and item["status"] == "waiting"
        details = client.get(f"/api/conversations/{conversation_id}").json()
        assert details["handoff"]["candidates"][0]["title"] == "新增取水许可"
        # Labels come with the data: the consoles keep no tables of their own.
        assert (details["handoff"]["reason_label"], details["handoff"]["priority_label"]) == ("用户要求转人工", "其他")
        assert (details["conversation"]["status"], details["conversation"]["status_label"]) == ("queued", "排队中")
        assert [m["sender"] for m in details["messages"]][:2] == ["user", "bot"]

        assert client.post(f"/api/handoffs/{item['handoff_id']}/claim").json()["conversation_id"] == conversation_id
        live = receive_until(widget, "status")
        assert live["status"] == "live" and live["staff_name"] == "王小丽"

        client.post(f"/api/conversations/{conversation_id}/reply", json={"text": "您好，我来帮您。"})
        staff_message = None
        while staff_message is None:
            frame = receive_until(widget, "message")["message"]
            if frame["sender"] == "staff":
                staff_message = frame
        assert staff_message["text"] == "您好，我来帮您。" and staff_message["staff_name"] == "王小丽"

        widget.send_json({"type": "message", "client_id": "u-2", "text": "谢谢，我想问材料"})
        receive_until(widget, "ack")
        assert len(rasa.received) == 1  # a person is answering: the bot is not asked

        client.post(f"/api/conversations/{conversation_id}/handback")
        assert receive_until(widget, "status")["status"] == "bot"
        assert rasa.resumed == [conversation_id]
        widget.send_json({"type": "message", "client_id": "u-3", "text": "营业执照"})
        receive_until(widget, "ack")
        bot = None
        while bot is None:
            frame = receive_until(widget, "message")["message"]
            if frame["sender"] == "bot":
                bot = frame
        assert bot["text"] == "机器人回答：营业执照"


def test_a_message_sent_while_staff_hand_back_is_answered_by_the_bot(client: TestClient, rasa: ScriptedRasa) -> None:
    # The hand back resumes Rasa, then marks the chat the bot's: a message relayed in between used to
    # find it still live, so it went to the staff side that had just left.
    service = client.app.state.service
    login(client, "alice")
    with client.websocket_connect("/ws/widget") as widget:
        conversation_id = start_chat(widget, "转人工")
        receive_until(widget, "status")
        handoff_id = client.get("/api/queue").json()[0]["handoff_id"]
        assert client.post(f"/api/handoffs/{handoff_id}/claim").status_code == 200
        receive_until(widget, "status")
    from sqlalchemy import select

    from desk.models import Staff

    alice = asyncio.run(service.run(lambda s: s.scalars(select(Staff).where(Staff.username == "alice")).one()))
    rasa.resume_delay = 0.3

    async def race() -> None:
        handing_back = asyncio.create_task(service.hand_back(conversation_id, alice))
        await asyncio.sleep(0.1)  # Rasa is being resumed
        await service.add_message(conversation_id, "user", "那营业执照呢")
        await asyncio.gather(handing_back, service.relay(conversation_id, "那营业执照呢"))

    asyncio.run(race())
    assert (conversation_id, "那营业执照呢") in rasa.received


def test_two_staff_claiming_at_once_exactly_one_wins(client: TestClient, desk_settings: DeskSettings) -> None:
    login(client, "alice")
    with client.websocket_connect("/ws/widget") as widget:
        start_chat(widget, "转人工")
        receive_until(widget, "status")
    handoff_id = client.get("/api/queue").json()[0]["handoff_id"]
    alice = client
    bob = console_client(client.app)
    login(bob, "bob")
    admin = console_client(client.app)
    login(admin, "admin")
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda c: c.post(f"/api/handoffs/{handoff_id}/claim"), [alice, bob, admin]))
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409, 409]
    assert all("接入" in r.json()["detail"] for r in results if r.status_code == 409)


def test_claim_race_in_the_service(client: TestClient) -> None:
    service = client.app.state.service
    login(client, "alice")
    with client.websocket_connect("/ws/widget") as widget:
        start_chat(widget, "转人工")
        receive_until(widget, "status")
    handoff_id = client.get("/api/queue").json()[0]["handoff_id"]
    from sqlalchemy import select

    from desk.errors import Conflict
    from desk.models import Staff

    staff = asyncio.run(service.run(lambda s: list(s.scalars(select(Staff)).all())))

    async def race() -> list[object]:
        return await asyncio.gather(*(service.claim(handoff_id, person) for person in staff * 4), return_exceptions=True)

    outcomes = asyncio.run(race())
    winners = [o for o in outcomes if isinstance(o, str)]
    assert len(winners) == 1 and all(isinstance(o, Conflict) for o in outcomes if not isinstance(o, str))


def test_priority_complaint_before_repeated_failure_before_request(client: TestClient) -> None:
    login(client, "alice")
    service = client.app.state.service
    ids = []
    with client.websocket_connect("/ws/widget") as widget:
        for number in range(3):
            widget.send_json({"type": "hello", "conversation_id": None, "after": 0})
            ids.append(receive_until(widget, "welcome")["conversation_id"])
            # A conversation's row is made by its first message, not by connecting.
            widget.send_json({"type": "message", "client_id": f"p-{number}", "text": "你好"})
            receive_until(widget, "ack")
    asyncio.run(service.escalate(ids[0], "user_request"))
    asyncio.run(service.escalate(ids[1], "repeated_failure"))
    asyncio.run(service.escalate(ids[2], "complaint"))
    queue = client.get("/api/queue").json()
    assert [q["conversation_id"] for q in queue] == [ids[2], ids[1], ids[0]]
    # The console shows these words as they come: it keeps no label table of its own.
    assert [(q["reason_label"], q["priority_label"]) for q in queue] == [
        ("用户投诉", "投诉"), ("连续两次未找到答案", "多次未解决"), ("用户要求转人工", "其他")]
    assert all(q["reason_text"] == q["reason_label"] for q in queue)


def test_overdue_chats_are_marked(client: TestClient) -> None:
    login(client, "alice")
    with client.websocket_connect("/ws/widget") as widget:
        start_chat(widget, "转人工")
        receive_until(widget, "status")
    from sqlalchemy import update

    from desk.models import Handoff

    service = client.app.state.service
    asyncio.run(service.run(lambda s: s.execute(update(Handoff).values(
        created_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)))))
    (item,) = client.get("/api/queue").json()
    assert item["overdue"] is True and item["waited_seconds"] >= 300


def test_no_staff_online_turns_escalation_into_a_consultation_demand(client: TestClient) -> None:
    # Since issue 12 a left message is a 咨询 demand: dispatched, answered and tracked like any other.
    with client.websocket_connect("/ws/widget") as widget:
        conversation_id = start_chat(widget, "转人工")
        form = receive_until(widget, "leave_message_form")
        assert form["reason"] == "no_staff"
        widget.send_json({"type": "leave_message", "client_id": "l-1", "question": "取水许可要多久？",
                          "contact": "13800000000"})
        told = receive_until(widget, "ticket")
        number = told["tracking_number"]
        assert told["demand"] is True and told["due_date"]
        widget.send_json({"type": "leave_message", "client_id": "l-1", "question": "取水许可要多久？",
                          "contact": "13800000000"})
        assert receive_until(widget, "ticket")["tracking_number"] == number  # re-sent: same demand
    tracked = client.get(f"/api/demands/track/{number}?phone_last4=0000").json()
    assert tracked["category"] == "咨询" and tracked["status"] == "received" and tracked["content"] == "取水许可要多久？"
    login(client, "alice")
    (demand,) = client.get("/api/demands").json()
    assert demand["tracking_number"] == number and demand["channel"] == "message"
    assert client.get(f"/api/conversations/{conversation_id}").json()["conversation"]["status"] == "closed"
    assert client.get("/api/tickets?status=open").json() == []  # no ticket any more


def test_off_hours_also_leave_a_message(tmp_path, rasa: ScriptedRasa) -> None:  # type: ignore[no-untyped-def]
    from desk.app import create_app
    from desk.db import migrate

    closed = DeskSettings(database_url=f"sqlite:///{tmp_path / 'd.sqlite3'}", service_hours="00:00-00:01", service_days="1")
    migrate(closed.database_url)
    app = create_app(closed, rasa=rasa)  # type: ignore[arg-type]  # the scripted Rasa stands in for RasaClient
    with console_client(app) as off_client, off_client.websocket_connect("/ws/widget") as widget:
        widget.send_json({"type": "hello", "conversation_id": None, "after": 0})
        welcome = receive_until(widget, "welcome")
        assert welcome["service"]["in_hours"] is False
        widget.send_json({"type": "handoff", "client_id": "h-1"})
        assert receive_until(widget, "leave_message_form")["reason"] == "off_hours"


def test_resolve_asks_for_a_rating(client: TestClient) -> None:
    login(client, "alice")
    with client.websocket_connect("/ws/widget") as widget:
        conversation_id = start_chat(widget, "我要投诉窗口")
        receive_until(widget, "status")
        handoff = client.get("/api/queue").json()[0]
        assert handoff["reason"] == "complaint" and handoff["priority"] == 0
        client.post(f"/api/handoffs/{handoff['handoff_id']}/claim")
        client.post(f"/api/conversations/{conversation_id}/resolve")
        receive_until(widget, "rate_request")
        widget.send_json({"type": "rate", "score": 4, "comment": "还不错"})
        receive_until(widget, "rated")
        widget.send_json({"type": "rate", "score": 9})
        assert receive_until(widget, "error")["message"].startswith("评分")
    conversation = client.get(f"/api/conversations/{conversation_id}").json()["conversation"]
    assert conversation["status"] == "closed" and conversation["rating"] == 4


def test_transfer_to_a_colleague(client: TestClient) -> None:
    login(client, "alice")
    with client.websocket_connect("/ws/widget") as widget:
        conversation_id = start_chat(widget, "转人工")
        receive_until(widget, "status")
        handoff_id = client.get("/api/queue").json()[0]["handoff_id"]
        client.post(f"/api/handoffs/{handoff_id}/claim")
        bob_id = next(s["id"] for s in client.get("/api/staff").json() if s["display_name"] == "李明")
        assert client.post(f"/api/conversations/{conversation_id}/transfer", json={"staff_id": bob_id}).status_code == 200
        assert client.post(f"/api/conversations/{conversation_id}/reply", json={"text": "x"}).status_code == 403
        bob = login(console_client(client.app), "bob")
        assert bob.post(f"/api/conversations/{conversation_id}/reply", json={"text": "我是李明"}).status_code == 200


def test_widget_button_handoff_carries_question_and_bot_findings(client: TestClient) -> None:
    login(client, "alice")
    with client.websocket_connect("/ws/widget") as widget:
        conversation_id = start_chat(widget, "取水许可怎么办")
        receive_until(widget, "message")  # the bot's buttons
        widget.send_json({"type": "handoff", "client_id": "h-1"})
        receive_until(widget, "status")
    details = client.get(f"/api/conversations/{conversation_id}").json()["handoff"]
    assert details["reason"] == "widget_button"
    assert "取水许可怎么办" in details["summary"]
    assert [c["title"] for c in details["candidates"]] == ["新增取水许可"]
