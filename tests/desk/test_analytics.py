"""Analytics numbers, who may see them, and the masked CSV exports (desk/PROTOCOL.md "Analytics")."""
from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from desk import analytics
from desk.api import analytics as analytics_api
from desk.auth import create_staff
from desk.db import Database
from desk.models import Conversation, Handoff, Message, Ticket
from desk.settings import DeskSettings
from tests.desk.conftest import login

CST = datetime.timezone(datetime.timedelta(hours=8))
PHONE, ID_NUMBER = "13812345678", "110101199003071234"
NOT_FOUND = {"custom": {"not_found": {"question": "公积金 提取", "confidence": 0.21}}}


def local(days_ago: int, hour: int, minute: int = 0, second: int = 0) -> datetime.datetime:
    """A moment of a local (China time) day of the window, as UTC: independent of when the test runs."""
    day = datetime.datetime.now(CST).date() - datetime.timedelta(days=days_ago)
    return datetime.datetime.combine(day, datetime.time(hour, minute, second), CST).astimezone(datetime.UTC)


def add_chat(session, conversation_id: str, opened: datetime.datetime, turns: list[tuple[str, str, dict | None]],  # type: ignore[no-untyped-def]
             rating: int | None = None) -> None:
    session.add(Conversation(id=conversation_id, status="bot", created_at=opened, updated_at=opened, rating=rating))
    session.flush()
    for i, (sender, text, payload) in enumerate(turns):
        session.add(Message(conversation_id=conversation_id, sender=sender, text=text, payload=payload,
                            created_at=opened + datetime.timedelta(seconds=10 * (i + 1))))


def add_handoff(session, conversation_id: str, reason: str, created: datetime.datetime,  # type: ignore[no-untyped-def]
                waited: float | None) -> None:
    claimed = created + datetime.timedelta(seconds=waited) if waited is not None else None
    session.add(Handoff(conversation_id=conversation_id, reason=reason, priority=2, status="claimed" if claimed else "waiting",
                        created_at=created, claimed_at=claimed))


@pytest.fixture()
def seeded(client: TestClient, desk_settings: DeskSettings) -> TestClient:
    """Nine conversations: five today, three yesterday, one 40 days ago (outside a 30-day window)."""
    with Database(desk_settings.database_url).session() as session:
        create_staff(session, "erin", "password-erin", "editor", "编辑小赵")
        # Today: three answered by the bot, one escalated at once, one opened without a word.
        add_chat(session, "c1", local(0, 9), [("user", "怎么办理营业执照？", None), ("bot", "营业执照……", None)], rating=5)
        add_chat(session, "c2", local(0, 10), [("user", "怎么办理营业执照", None), ("bot", "营业执照……", None)], rating=4)
        add_chat(session, "c9", local(0, 11), [("user", " 怎么办理营业执照 ", None), ("bot", "营业执照……", None),
                                               ("user", "新增取水许可", {"button_payload": '/choose{"candidate_id": "A"}'}),
                                               ("bot", "取水许可……", None)])
        add_chat(session, "c8", local(0, 12), [("user", "转人工", None)])
        add_handoff(session, "c8", "user_request", local(0, 12, 0, 10), None)
        add_chat(session, "c6", local(0, 13), [])
        # Yesterday: a complaint with personal data, two misses then a person, a miss then a left message.
        add_chat(session, "c3", local(1, 9), [("user", f"我要投诉，电话{PHONE}，身份证{ID_NUMBER}", None)], rating=1)
        add_handoff(session, "c3", "complaint", local(1, 9, 0, 10), 30)
        add_chat(session, "c4", local(1, 10), [("user", "公积金怎么提取", None), ("bot", "抱歉，没有找到……", NOT_FOUND),
                                               ("user", "公积金怎么提取？", None), ("bot", "抱歉，我还是没有找到……", NOT_FOUND),
                                               ("user", "转人工", None)])
        add_handoff(session, "c4", "repeated_failure", local(1, 10, 1), 90)
        add_chat(session, "c5", local(1, 11), [("user", "办理护照", None), ("bot", "抱歉，没有找到……", NOT_FOUND),
                                               ("user", "【留言】护照怎么办", None)])
        session.add(Ticket(tracking_number="DF20260101000001", conversation_id="c5", question="护照怎么办",
                           contact="手机 139-1234-5678", created_at=local(1, 11, 1)))
        # Long ago.
        add_chat(session, "c7", local(40, 9), [("user", "旧问题", None)])
        add_handoff(session, "c7", "complaint", local(40, 9, 1), 600)
    return client


def test_analytics_needs_an_editor_or_admin(seeded: TestClient) -> None:
    assert seeded.get("/api/analytics").status_code == 401
    assert seeded.get("/api/analytics/export.csv?table=messages").status_code == 401
    login(seeded, "alice")
    refused = seeded.get("/api/analytics")
    assert refused.status_code == 403 and "editor" in refused.json()["detail"]
    assert seeded.get("/api/analytics/export.csv?table=messages").status_code == 403
    login(seeded, "erin")
    assert seeded.get("/api/analytics").status_code == 200


def test_the_numbers_of_the_last_seven_days(seeded: TestClient) -> None:
    login(seeded, "admin")
    data = seeded.get("/api/analytics?days=7").json()
    today = datetime.datetime.now(CST).date()
    assert [d["date"] for d in data["days"]] == [(today - datetime.timedelta(days=i)).isoformat() for i in range(6, -1, -1)]
    assert data["window"] == {"days": 7, "first": data["days"][0]["date"], "last": today.isoformat()}
    assert data["days"][-1] == {"date": today.isoformat(), "conversations": 4, "answered_by_bot": 3}
    assert data["days"][-2] == {"date": data["days"][-2]["date"], "conversations": 3, "answered_by_bot": 0}
    assert all(d["conversations"] == 0 and d["answered_by_bot"] == 0 for d in data["days"][:-2])
    assert (data["conversations"], data["answered_by_bot"]) == (7, 3)
    assert data["answered_without_human_share"] == 0.4286
    assert data["escalations_by_reason"] == {"complaint": 1, "repeated_failure": 1, "user_request": 1}
    assert list(data["escalations_by_reason"]) == ["complaint", "repeated_failure", "user_request"]
    assert data["reason_labels"]["complaint"] == "用户投诉"
    assert data["wait_seconds"] == {"median": 60.0, "p90": 84.0}
    assert data["ratings"] == {"1": 1, "2": 0, "3": 0, "4": 1, "5": 1}
    assert data["top_questions"] == [
        {"text": "怎么办理营业执照", "count": 3},
        {"text": "公积金怎么提取", "count": 2},
        {"text": "转人工", "count": 2},
        {"text": "办理护照", "count": 1},
        {"text": "我要投诉，电话138****5678，身份证110***********1234", "count": 1},
    ]
    assert data["top_unanswered"] == [{"text": "公积金怎么提取", "count": 2}, {"text": "办理护照", "count": 1}]


def test_a_longer_window_reaches_older_conversations(seeded: TestClient) -> None:
    login(seeded, "admin")
    data = seeded.get("/api/analytics?days=90").json()
    assert len(data["days"]) == 90 and data["conversations"] == 8
    assert data["escalations_by_reason"] == {"complaint": 2, "repeated_failure": 1, "user_request": 1}
    assert data["wait_seconds"] == {"median": 90.0, "p90": 498.0}
    assert seeded.get("/api/analytics?days=1").json()["conversations"] == 4


def test_an_empty_store_gives_zeros_and_nulls(client: TestClient) -> None:
    login(client, "admin")
    data = client.get("/api/analytics").json()
    assert len(data["days"]) == 30 and data["conversations"] == 0
    assert data["answered_without_human_share"] is None
    assert data["wait_seconds"] == {"median": None, "p90": None}
    assert data["ratings"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}
    assert data["escalations_by_reason"] == {} and data["top_questions"] == [] and data["top_unanswered"] == []


@pytest.mark.parametrize("days", ["0", "367", "-3", "abc", "7.5", ""])
def test_bad_windows_are_refused_in_chinese(client: TestClient, days: str) -> None:
    login(client, "admin")
    for path in ("/api/analytics?days=", "/api/analytics/export.csv?table=messages&days="):
        answer = client.get(path + days)
        assert answer.status_code == 400, (path, days, answer.text)
        assert "days 必须是 1 到 366" in answer.json()["detail"]


def test_unknown_export_table_is_refused(client: TestClient) -> None:
    login(client, "admin")
    answer = client.get("/api/analytics/export.csv?table=staff")
    assert answer.status_code == 400 and "conversations" in answer.json()["detail"]


def read_csv(answer) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert answer.status_code == 200, answer.text
    assert answer.content.startswith(b"\xef\xbb\xbf")
    assert answer.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))


def test_message_export_masks_personal_data(seeded: TestClient) -> None:
    login(seeded, "erin")
    answer = seeded.get("/api/analytics/export.csv?table=messages&days=7")
    today = datetime.datetime.now(CST).date().isoformat()
    assert answer.headers["content-disposition"] == f'attachment; filename="daofu-messages-{today}.csv"'
    assert PHONE.encode() not in answer.content and ID_NUMBER.encode() not in answer.content
    rows = read_csv(answer)
    assert list(rows[0]) == ["id", "conversation_id", "sender", "staff_id", "text", "not_found", "created_at"]
    complaint = next(row for row in rows if row["conversation_id"] == "c3")
    assert complaint["text"] == "我要投诉，电话138****5678，身份证110***********1234"
    assert complaint["created_at"] == local(1, 9, 0, 10).astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")
    assert [row["not_found"] for row in rows if row["conversation_id"] == "c4"] == ["", "1", "", "1", ""]
    assert "c7" not in {row["conversation_id"] for row in rows}


def test_other_exports(seeded: TestClient) -> None:
    login(seeded, "admin")
    tickets = read_csv(seeded.get("/api/analytics/export.csv?table=tickets&days=7"))
    assert [(t["tracking_number"], t["contact"], t["question"]) for t in tickets] == \
        [("DF20260101000001", "手机 139-****-5678", "护照怎么办")]
    handoffs = read_csv(seeded.get("/api/analytics/export.csv?table=handoffs&days=7"))
    assert [(h["conversation_id"], h["reason_text"], h["wait_seconds"]) for h in handoffs] == \
        [("c8", "用户要求转人工", ""), ("c3", "用户投诉", "30.0"), ("c4", "连续两次未找到答案", "90.0")]
    conversations = read_csv(seeded.get("/api/analytics/export.csv?table=conversations&days=30"))
    assert [c["id"] for c in conversations] == ["c3", "c4", "c5", "c1", "c2", "c9", "c8", "c6"]
    assert {c["id"]: c["rating"] for c in conversations}["c1"] == "5"


def test_exported_text_cannot_become_a_spreadsheet_formula(client: TestClient, desk_settings: DeskSettings) -> None:
    with Database(desk_settings.database_url).session() as session:
        add_chat(session, "x1", local(0, 8), [("user", '=HYPERLINK("http://evil.example","点我")', None)])
    login(client, "admin")
    (row,) = read_csv(client.get("/api/analytics/export.csv?table=messages&days=1"))
    assert row["text"] == "'=HYPERLINK(\"http://evil.example\",\"点我\")"


def test_days_are_counted_in_china_time(desk_settings: DeskSettings, client: TestClient) -> None:
    utc = datetime.UTC
    with Database(desk_settings.database_url).session() as session:
        # 23:59 and 00:01 China time on either side of midnight; UTC puts both on 1 March.
        add_chat(session, "late", datetime.datetime(2026, 3, 1, 15, 59, tzinfo=utc), [("user", "晚上的问题", None)])
        add_chat(session, "early", datetime.datetime(2026, 3, 1, 16, 1, tzinfo=utc), [("user", "早上的问题", None)])
    with Database(desk_settings.database_url).session() as session:
        result = analytics.compute(session, 2, 8.0, now=datetime.datetime(2026, 3, 2, 4, 0, tzinfo=utc))
    assert [(d.date.isoformat(), d.conversations) for d in result.days] == [("2026-03-01", 1), ("2026-03-02", 1)]
    assert result.window.start == datetime.datetime(2026, 2, 28, 16, 0, tzinfo=utc)


def test_question_grouping_and_percentiles() -> None:
    assert analytics.question_key(" 怎麼辦理營業執照？") == analytics.question_key("怎么办理营业执照") == "怎么办理营业执照"
    assert analytics.question_key("ＩＣＰ 许可证!") == "icp许可证"
    assert analytics.top_texts(["？？", "A证", "a证。", "a证", "a证 "]) == [analytics.QuestionCount("a证", 4)]
    assert analytics.percentile([], 50) is None
    assert analytics.percentile([10.0], 90) == 10.0
    assert analytics.percentile([1, 2, 3, 4], 50) == 2.5
    with pytest.raises(ValueError, match=r"days must be 1\.\.366, got 0"):
        analytics.window(0, 8.0)


def test_the_page_and_the_chart_library(client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert client.get("/console/analytics", follow_redirects=False).headers["location"] == "/console/login"
    login(client, "admin")
    page = client.get("/console/analytics")
    assert page.status_code == 200 and "/console/vendor/chart.umd.js" in page.text and "analytics.js" in page.text
    monkeypatch.setattr(analytics_api, "CHART_JS", tmp_path / "missing.js")
    missing = client.get("/console/vendor/chart.umd.js")
    assert missing.status_code == 503 and "make frontend" in missing.json()["detail"]
    library = tmp_path / "chart.umd.js"
    library.write_text("/* Chart.js */", encoding="utf-8")
    monkeypatch.setattr(analytics_api, "CHART_JS", library)
    served = client.get("/console/vendor/chart.umd.js")
    assert served.status_code == 200 and served.headers["content-type"].startswith("application/javascript")
