"""Personal data never leaves the store for someone who does not own the chat (issue 13 item 9).

Known phone, ID-card and credit-code numbers go in through a conversation (typed questions, a
not-found marker, a hand-off, a bad rating's comment), a left message (ticket) and a demand; then
every outward path an editor or the public reaches is read: analytics, every CSV export table,
knowledge-gap clusters (labels and examples), the public demand tracking, and the log records all
of that wrote. None may show the numbers whole.
"""
from __future__ import annotations

import datetime
import logging
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from desk import export
from desk.app import create_app
from desk.auth import create_staff
from desk.db import Database, migrate
from desk.knowledge_gaps import cluster_questions, collect_gap_questions
from desk.models import Conversation, Handoff, Message, Ticket, utcnow
from desk.settings import DeskSettings
from tests.browser import console_client
from tests.desk.conftest import ScriptedRasa, login

PHONE = "13812345678"
ID_NUMBER = "11010119900307123X"
CREDIT_CODE = "91110108MA01ABCD2X"
SECRETS = (PHONE, ID_NUMBER, CREDIT_CODE, "138-1234-5678", "138 1234 5678")


def leaked(text: str) -> list[str]:
    flat = text.replace("\\u002d", "-")
    return [secret for secret in SECRETS if secret in flat]


def seed(database: Database) -> None:
    now = utcnow() - datetime.timedelta(hours=1)
    with database.session() as session:
        session.add(Conversation(id="pii-chat", status="closed", created_at=now, updated_at=now, rating=1,
                                 rating_comment=f"没人处理，我的电话是{PHONE}，身份证{ID_NUMBER}"))
        session.flush()
        turns = [("user", f"营业执照变更，信用代码{CREDIT_CODE}，电话138-1234-5678", None),
                 ("bot", "抱歉，没有找到相关内容。",
                  {"custom": {"not_found": {"question": f"身份证{ID_NUMBER}怎么补办", "confidence": 0.1}}}),
                 ("user", f"我的身份证号{ID_NUMBER}，手机138 1234 5678，请人工处理", None),
                 ("staff", f"已收到，稍后电话联系{PHONE}", None)]
        for offset, (sender, text, payload) in enumerate(turns):
            session.add(Message(conversation_id="pii-chat", sender=sender, text=text, payload=payload,
                                created_at=now + datetime.timedelta(seconds=10 * (offset + 1))))
        session.add(Handoff(conversation_id="pii-chat", reason="user_request", priority=2, status="resolved",
                            created_at=now + datetime.timedelta(seconds=35)))
        session.add(Ticket(tracking_number="DFPIITEST0001", conversation_id="pii-chat",
                           question=f"【留言】请回电{PHONE}，身份证{ID_NUMBER}", contact=PHONE, created_at=now))


@pytest.fixture()
def desk(tmp_path: Path) -> tuple[TestClient, Database]:
    settings = DeskSettings(database_url=f"sqlite:///{tmp_path / 'desk.sqlite3'}", demand_sweep_seconds=0)
    migrate(settings.database_url)
    app = create_app(settings, rasa=ScriptedRasa())  # type: ignore[arg-type]
    database = Database(settings.database_url)
    with database.session() as session:
        create_staff(session, "editor", "password-editor", "editor")
    seed(database)
    return console_client(app), database


def test_no_outward_path_shows_personal_numbers(desk: tuple[TestClient, Database],
                                                caplog: pytest.LogCaptureFixture) -> None:
    client, database = desk
    caplog.set_level(logging.DEBUG)
    with client:
        login(client, "editor")
        shown: dict[str, str] = {}
        numbers = client.get("/api/analytics", params={"days": "7"})
        assert numbers.status_code == 200
        shown["analytics"] = numbers.text
        for table in export.TABLES:
            csv = client.get("/api/analytics/export.csv", params={"table": table, "days": "7"})
            assert csv.status_code == 200, csv.text
            shown[f"csv {table}"] = csv.text
        # Gap clusters: the questions as the gaps API groups them (one vector per question, all
        # in one cluster, so the label and every example are shown).
        with database.session() as session:
            questions = collect_gap_questions(session, utcnow() - datetime.timedelta(days=7))
        assert len(questions) >= 3  # typed question, not-found question, rating comment
        clusters = cluster_questions(questions, np.ones((len(questions), 4), dtype=np.float32))
        shown["gaps"] = repr([cluster.to_dict() for cluster in clusters])
        # The public: a demand filed with the numbers, looked up by its tracking number.
        filed = client.post("/api/demands", json={
            "category": "投诉", "content": f"营业执照一个月没办下来，身份证{ID_NUMBER}，信用代码{CREDIT_CODE}",
            "enterprise_name": "某某科技有限公司", "contact_name": "张三", "contact_phone": PHONE})
        assert filed.status_code == 201, filed.text
        shown["demand filing"] = filed.text
        tracked = client.get(f"/api/demands/track/{filed.json()['tracking_number']}", params={"phone_last4": PHONE[-4:]})
        assert tracked.status_code == 200, tracked.text
        shown["demand tracking"] = tracked.text
    shown["logs"] = "\n".join(record.getMessage() for record in caplog.records)
    assert {path: leaked(text) for path, text in shown.items() if leaked(text)} == {}
    # The paths did carry the texts, masked: the test reads what it means to read.
    assert "身份证" in shown["gaps"] and "****" in shown["gaps"]
    assert any("信用代码" in text for name, text in shown.items() if name.startswith("csv"))
