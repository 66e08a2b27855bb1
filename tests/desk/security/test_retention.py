"""Retention (issue 13 item 10): ``python -m desk purge`` deletes what is older, keeps the rest."""
from __future__ import annotations

import datetime
import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desk.__main__ import main
from desk.db import Database, migrate
from desk.models import Conversation, Demand, DemandEvent, Handoff, Message, Ticket, utcnow

NOW = utcnow()


def ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def add_chat(database: Database, conversation_id: str, when: datetime.datetime, status: str = "closed") -> None:
    with database.session() as session:
        session.add(Conversation(id=conversation_id, status=status, created_at=when, updated_at=when))
        session.flush()
        session.add(Message(conversation_id=conversation_id, sender="user", text="我的电话13812345678",
                            created_at=when))
        session.add(Handoff(conversation_id=conversation_id, reason="user_request", priority=2, created_at=when))


def add_ticket(database: Database, number: str, when: datetime.datetime, status: str,
               conversation_id: str | None = None) -> None:
    with database.session() as session:
        session.add(Ticket(tracking_number=number, question="请回电13812345678", status=status, created_at=when,
                           conversation_id=conversation_id, closed_at=when if status == "closed" else None))


def add_demand(database: Database, number: str, when: datetime.datetime, status: str) -> None:
    with database.session() as session:
        demand = Demand(tracking_number=number, category="咨询", content="营业执照怎么变更", enterprise_name="某公司",
                        contact_name="张三", contact_phone="13812345678", status=status, start_date=when.date(),
                        time_limit_days=5, due_date=when.date(), remind_date=when.date(), created_at=when,
                        updated_at=when, closed_at=when if status == "closed" else None)
        session.add(demand)
        session.flush()
        session.add(DemandEvent(demand_id=demand.id, action="file", to_status="received", actor_kind="enterprise",
                                created_at=when))


@pytest.fixture()
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    monkeypatch.setenv("DAOFU_DATABASE_URL", url)
    migrate(url)
    return Database(url)


def names(database: Database, column: object) -> set[str]:
    with database.session() as session:
        return set(session.scalars(select(column)))  # type: ignore[call-overload]


def test_purge_deletes_old_data_keeps_recent_and_in_progress(database: Database, tmp_path: Path,
                                                             caplog: pytest.LogCaptureFixture,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    add_chat(database, "old", ago(100))
    add_chat(database, "old-but-live", ago(100), status="live")
    add_chat(database, "recent", ago(5))
    add_ticket(database, "T-OLD-CLOSED", ago(100), "closed", conversation_id="old")
    add_ticket(database, "T-OLD-OPEN", ago(100), "open", conversation_id="old")
    add_ticket(database, "T-RECENT", ago(5), "closed")
    add_demand(database, "D-OLD-CLOSED", ago(100), "closed")
    add_demand(database, "D-OLD-OPEN", ago(100), "accepted")
    add_demand(database, "D-RECENT", ago(5), "closed")
    audit = tmp_path / "audit.jsonl"
    caplog.set_level(logging.INFO, logger="desk.audit")

    assert main(["purge", "--older-than", "30", "--audit-file", str(audit)]) == 0

    assert names(database, Conversation.id) == {"old-but-live", "recent"}
    assert names(database, Ticket.tracking_number) == {"T-OLD-OPEN", "T-RECENT"}
    assert names(database, Demand.tracking_number) == {"D-OLD-OPEN", "D-RECENT"}
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 2
        assert session.scalar(select(func.count()).select_from(Handoff)) == 2
        assert session.scalar(select(func.count()).select_from(DemandEvent)) == 2
        kept = session.scalar(select(Ticket).where(Ticket.tracking_number == "T-OLD-OPEN"))
        assert kept is not None and kept.conversation_id is None  # the link went with the chat
    line = json.loads(audit.read_text(encoding="utf-8").splitlines()[-1])
    assert (line["action"], line["older_than_days"], line["conversations"], line["messages"], line["tickets"],
            line["demands"], line["demand_events"]) == ("purge", 30, 1, 1, 1, 1, 1)
    assert any("retention purge" in r.getMessage() for r in caplog.records if r.name == "desk.audit")
    assert "1 conversations" in capsys.readouterr().out


def test_purge_takes_the_setting_and_refuses_without_a_period(database: Database, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    add_chat(database, "old", ago(100))
    with pytest.raises(SystemExit) as refused:
        main(["purge", "--audit-file", str(tmp_path / "a.jsonl")])
    assert refused.value.code == 2 and "DAOFU_RETENTION_DAYS" in capsys.readouterr().err
    for bad in ("0", "-3", "abc"):
        with pytest.raises(SystemExit):
            main(["purge", "--older-than", bad])
    assert names(database, Conversation.id) == {"old"}
    monkeypatch.setenv("DAOFU_RETENTION_DAYS", "90")
    assert main(["purge", "--audit-file", str(tmp_path / "a.jsonl")]) == 0
    assert names(database, Conversation.id) == set()


def test_past_appointments_and_their_sent_reminders_go(database: Database, tmp_path: Path) -> None:
    from desk.models import Appointment, AppointmentLocation, NotificationOutbox

    with database.session() as session:
        hall = AppointmentLocation(name="某政务服务大厅", hours="09:00-12:00", capacity=3)
        session.add(hall)
        session.flush()
        for code, days, status in (("A-OLD", 100, "booked"), ("A-OLD-CANCELLED", 90, "cancelled"), ("A-SOON", -3, "booked")):
            session.add(Appointment(confirmation=code, item_id="i1", item_name="新增取水许可", location_id=hall.id,
                                    day=(NOW + datetime.timedelta(days=-days)).date(), start="09:00", name="张三",
                                    phone="13812345678", status=status, created_at=ago(max(days, 1))))
        session.add(NotificationOutbox(channel="sms", recipient="13812345678", text="明天 09:00 请到大厅", status="sent",
                                       created_at=ago(101)))
        session.add(NotificationOutbox(channel="sms", recipient="13812345678", text="明天 09:00 请到大厅",
                                       status="pending", created_at=ago(101)))  # not sent yet: kept
    assert main(["purge", "--older-than", "30", "--audit-file", str(tmp_path / "audit.jsonl")]) == 0
    assert names(database, Appointment.confirmation) == {"A-SOON"}
    assert names(database, NotificationOutbox.status) == {"pending"}
    line = json.loads((tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert line["appointments"] == 2 and line["notifications"] == 1
