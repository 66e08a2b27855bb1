"""Demand reports (desk/demands/reports.py, desk/api/demand_reports.py): the numbers on a hand-made
set, working-day medians across the 2026 Dragon Boat holiday, local-day window edges, masking in the
CSV exports, contact masking by ownership, the topics' wiring and the live socket."""
from __future__ import annotations

import csv
import datetime
import io
import random
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from desk.db import Database
from desk.demands.reports import (
    UNASSIGNED,
    WorkingDayCounter,
    demands_csv,
    department_report,
    period,
    report_csv,
    topic_demands,
)
from desk.demands.working_days import working_days_between
from desk.errors import DeskError
from desk.models import Demand, DemandEvent, Department
from tests.desk.demands.conftest import MARKET, WATER
from tests.desk.demands.test_api import Desk
from tests.desk.test_knowledge_gaps import Knowledge, TopicEncoder

CST = datetime.timezone(datetime.timedelta(hours=8))
JUNE = (datetime.date(2026, 6, 1), datetime.date(2026, 6, 30))
TODAY = datetime.date(2026, 6, 20)
PHONE, ID_NUMBER = "13812345678", "110101199003071234"


def local(day: int, hour: int = 10, minute: int = 0, month: int = 6) -> datetime.datetime:
    """A moment of 2026 in China's time, as the UTC instant the store keeps."""
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=CST).astimezone(datetime.UTC)


def june(day: int) -> datetime.date:
    return datetime.date(2026, 6, day)


def seed(database: Database) -> dict[str, int]:
    """Eight demands received in June 2026 (China time) and one just before; the expected numbers
    are worked out by hand in the tests."""
    with database.session() as session:
        ids = {d.name: d.id for d in session.scalars(select(Department))}
        market, water = ids[MARKET], ids[WATER]
        rows: dict[str, dict[str, Any]] = {
            # MARKET: answered on time in 4 working days (June 2-5), rated 满意, closed
            "A": dict(department_id=market, status="closed", created_at=local(1), due_date=june(8),
                      replied_at=local(5, 16), rating="满意", closed_at=local(6)),
            # MARKET: answered late (June 12 > June 8) in 9 working days, 不满意 -> reopened
            "B": dict(department_id=market, status="reopened", created_at=local(1), due_date=june(8),
                      replied_at=local(12, 9), rating="不满意", reopen_count=1),
            # MARKET: not answered, past due on June 20: judged, not on time
            "C": dict(department_id=market, status="accepted", created_at=local(10), due_date=june(15)),
            # MARKET: not answered, not yet due: not judged
            "D": dict(department_id=market, status="dispatched", created_at=local(15), due_date=june(25)),
            # MARKET: across the Dragon Boat holiday (June 19-21): received Thursday June 18, answered
            # Monday June 22 = 1 working day; rated 基本满意, closed
            "E": dict(department_id=market, status="closed", created_at=local(18), due_date=june(25),
                      replied_at=local(22, 11), rating="基本满意", closed_at=local(23)),
            # returned by WATER, waiting for dispatch again; past due
            "F": dict(department_id=None, status="returned", created_at=local(2), due_date=june(8), return_count=1),
            # June 1 00:10 in China is May 31 in UTC: in the window
            "G": dict(department_id=None, status="received", created_at=local(1, 0, 10), due_date=june(8)),
            # June 30 23:30 in China is still June: in the window, not yet due
            "H": dict(department_id=None, status="received", created_at=local(30, 23, 30), due_date=datetime.date(2026, 7, 7)),
            # May 31 23:50 in China: outside
            "I": dict(department_id=market, status="closed", created_at=local(31, 23, 50, month=5), due_date=june(5),
                      replied_at=local(2), rating="不满意"),
        }
        made: dict[str, int] = {}
        for name, values in rows.items():
            content = f"诉求{name}：营业执照变更一个月了还没办下来，联系 {PHONE}，身份证 {ID_NUMBER}"
            demand = Demand(tracking_number=f"TEST-{name}", category="投诉", content=content,
                            enterprise_name="某某科技有限公司", contact_name="张三", contact_phone=PHONE,
                            start_date=values["created_at"].astimezone(CST).date(), time_limit_days=5,
                            remind_date=june(5), reply="已办结，回电 13912345678" if values.get("replied_at") else None,
                            **values)
            session.add(demand)
            session.flush()
            made[name] = demand.id
        session.add(DemandEvent(demand_id=made["F"], action="return", from_status="dispatched", to_status="returned",
                                actor_kind="staff", actor_name="水利", note="不属于本部门", public=False,
                                detail={"department_id": water}, created_at=local(3)))
        return made


def test_department_numbers_on_a_hand_made_set(store: Database) -> None:
    seed(store)
    with store.session() as session:
        report = department_report(session, period(*JUNE, 8), TODAY)
    rows = {row.department: row for row in report.departments}
    assert [row.department for row in report.departments] == [MARKET, UNASSIGNED, WATER]  # most received first

    market = rows[MARKET]
    assert (market.received, market.closed, market.replied, market.judged, market.on_time) == (5, 2, 3, 4, 2)
    assert market.on_time_rate == 0.5
    assert sorted(market.handling_days) == [1, 4, 9] and market.median_working_days == 4.0
    assert market.ratings == {"满意": 1, "基本满意": 1, "不满意": 1}
    assert market.satisfaction_rate == pytest.approx(2 / 3)
    assert (market.reopened, market.reopen_rate) == (1, pytest.approx(1 / 3))
    assert market.returns == 0

    unassigned = rows[UNASSIGNED]  # F (returned, past due), G (past due), H (not yet due)
    assert (unassigned.received, unassigned.judged, unassigned.on_time, unassigned.on_time_rate) == (3, 2, 0, 0.0)
    assert (unassigned.median_working_days, unassigned.satisfaction_rate, unassigned.reopen_rate) == (None, None, None)

    water = rows[WATER]  # only its 退单 of F, counted for the department that returned it
    assert (water.received, water.returns, water.on_time_rate) == (0, 1, None)

    total = report.total
    assert (total.received, total.closed, total.judged, total.on_time, total.returns) == (8, 2, 6, 2, 1)
    assert total.median_working_days == 4.0
    data = report.to_dict()
    assert data["window"] == {"days": 30, "first": "2026-06-01", "last": "2026-06-30"}
    assert data["total"]["on_time_rate"] == round(2 / 6, 4)


def test_one_department_keeps_its_own_returns(store: Database) -> None:
    seed(store)
    with store.session() as session:
        ids = {d.name: d.id for d in session.scalars(select(Department))}
        water = department_report(session, period(*JUNE, 8), TODAY, ids[WATER])
        market = department_report(session, period(*JUNE, 8), TODAY, ids[MARKET])
    assert [(r.department, r.received, r.returns) for r in water.departments] == [(WATER, 0, 1)]
    assert [(r.department, r.received) for r in market.departments] == [(MARKET, 5)]


def test_an_empty_period_has_no_rates(store: Database) -> None:
    with store.session() as session:
        report = department_report(session, period(datetime.date(2026, 1, 1), datetime.date(2026, 1, 31), 8))
    assert report.departments == [] and report.total.received == 0
    assert report.to_dict()["total"]["on_time_rate"] is None


def test_working_day_counter_agrees_with_the_calendar() -> None:
    counter = WorkingDayCounter()
    rng = random.Random(12)
    for _ in range(300):  # spans over 2026, both directions of growth of the counter's cache
        start = datetime.date(2026, 1, 1) + datetime.timedelta(rng.randrange(330))
        end = start + datetime.timedelta(rng.randrange(-3, 35))
        assert counter.between(start, end) == working_days_between(start, end), (start, end)
    # National Day 2026: October 1-7 off, then Thursday 8, Friday 9 and the make-up Saturday 10
    assert counter.between(datetime.date(2026, 9, 30), datetime.date(2026, 10, 10)) == 3


def test_period_checks_its_dates() -> None:
    assert period(june(1), june(1), 8).first == june(1)
    with pytest.raises(DeskError, match="早于开始日期"):
        period(june(2), june(1), 8)
    with pytest.raises(DeskError, match="最长"):
        period(datetime.date(2025, 1, 1), datetime.date(2026, 6, 1), 8)


def test_csv_exports_mask_personal_data(store: Database) -> None:
    seed(store)
    span = period(*JUNE, 8)
    with store.session() as session:
        details = demands_csv(session, span)
        summary = report_csv(department_report(session, span, TODAY))
    for text in (details, summary):
        assert text.startswith("\ufeff")
    assert PHONE not in details and ID_NUMBER not in details and "13912345678" not in details
    rows = list(csv.DictReader(io.StringIO(details.lstrip("\ufeff"))))
    assert sorted(r["诉求编号"] for r in rows) == [f"TEST-{n}" for n in "ABCDEFGH"]
    a = next(r for r in rows if r["诉求编号"] == "TEST-A")
    assert (a["联系电话"], a["联系人"], a["承办部门"], a["按时答复"], a["办理用时（工作日）"]) == (
        "138****5678", "张*", MARKET, "是", "4")
    assert "138****5678" in a["诉求内容"] and "110***********1234" in a["诉求内容"]
    assert a["受理时间"] == "2026-06-01 10:00:00"  # local time
    table = list(csv.reader(io.StringIO(summary.lstrip("\ufeff"))))
    assert table[0][0] == "部门" and table[-1][:3] == ["合计", "8", "2"]
    assert next(r for r in table if r[0] == MARKET)[6:8] == ["50.0%", "4"]


def test_topic_questions_are_masked_and_recent_first(store: Database) -> None:
    seed(store)
    with store.session() as session:
        questions = topic_demands(session, period(*JUNE, 8))
    assert [q.conversation_id for q in questions][:2] == ["TEST-H", "TEST-E"]
    assert len(questions) == 8 and all(PHONE not in q.text and ID_NUMBER not in q.text for q in questions)


# ---------------------------------------------------------------------------------- the API

@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    made = Desk(tmp_path_factory.mktemp("reports"), knowledge=Knowledge(TopicEncoder()))
    yield made
    made.close()


def test_report_api_counts_the_filed_demands(desk: Desk) -> None:
    def received(**params: str) -> dict[str, int]:
        data = desk["supervisor"].get("/api/demand-reports", params={"days": "7", **params}).json()
        return {"total": data["total"]["received"], **{r["department"]: r["received"] for r in data["departments"]}}

    before = received()
    first = desk.file(content="房租补贴一直没到账，电话 13812345678")
    desk.file(content="社保缓缴的申请一直没人处理")
    demand_id = desk.demand_id(first["tracking_number"])
    assert desk["staff"].post(f"/api/demands/{demand_id}/dispatch", json={"department": MARKET}).status_code == 200
    answer = desk["supervisor"].get("/api/demand-reports", params={"days": "7"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["window"]["days"] == 7
    after = received()
    assert {key: after.get(key, 0) - before.get(key, 0) for key in after} == {"total": 2, MARKET: 1, UNASSIGNED: 1}
    only = desk["admin"].get("/api/demand-reports", params={"days": "7", "department": MARKET}).json()
    assert [r["department"] for r in only["departments"]] == [MARKET]
    today = datetime.datetime.now(CST).date().isoformat()
    dated = desk["staff"].get("/api/demand-reports", params={"start": today, "end": today}).json()
    assert dated["total"]["received"] == after["total"]

    exported = desk["staff"].get("/api/demand-reports/export.csv", params={"table": "demands", "days": "7"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "13812345678" not in exported.text and "138****5678" in exported.text
    summary = desk["staff"].get("/api/demand-reports/export.csv", params={"days": "7"})
    assert summary.text.lstrip("\ufeff").startswith("部门,受理")

    topics = desk["supervisor"].get("/api/demand-reports/topics", params={"days": "7"}).json()["topics"]
    # one topic per topic word of the encoder; other tests' demands (neither word) make a third
    assert {t["label"][:2]: t["count"] for t in topics if t["label"][:2] in ("房租", "社保")} == {"房租": 1, "社保": 1}
    assert all("13812345678" not in t["label"] for t in topics)


@pytest.mark.parametrize(("params", "words"), [
    ({"days": "0"}, "days 必须是"), ({"days": "abc"}, "days 必须是"), ({"start": "2026-13-01"}, "YYYY-MM-DD"),
    ({"start": "2026-06-02", "end": "2026-06-01"}, "早于开始日期"), ({"department": "没有这个局"}, "没有名为"),
])
def test_report_api_refuses_bad_parameters_in_chinese(desk: Desk, params: dict[str, str], words: str) -> None:
    answer = desk["supervisor"].get("/api/demand-reports", params=params)
    assert answer.status_code == 400 and words in answer.json()["detail"]
    bad_table = desk["supervisor"].get("/api/demand-reports/export.csv", params={"table": "staff"})
    assert bad_table.status_code == 400 and "table 必须是" in bad_table.json()["detail"]


def test_contact_is_masked_for_staff_who_do_not_hold_the_demand(desk: Desk) -> None:
    number = desk.file()["tracking_number"]
    demand_id = desk.demand_id(number)

    def phone(account: str) -> str:
        answer = desk[account].get(f"/api/demands/{demand_id}")
        assert answer.status_code == 200, answer.text
        data = answer.json()
        assert data["contact_masked"] == (data["contact_phone"] != "13812345678")
        return str(data["contact_phone"])

    # received: the 应答 desk holds it; supervisors and admins oversee with masked contacts
    assert (phone("staff"), phone("supervisor"), phone("admin")) == ("13812345678", "138****5678", "138****5678")
    masked = desk["supervisor"].get(f"/api/demands/{demand_id}").json()
    assert masked["contact_name"] == "张*" and "110101199003071234" not in masked["content"]
    dispatched = desk["staff"].post(f"/api/demands/{demand_id}/dispatch", json={"department": MARKET}).json()
    assert dispatched["contact_phone"] == "138****5678"  # now with the department
    assert phone("handler") == "13812345678"
    listed = desk["handler"].get("/api/demands").json()
    assert [d["contact_phone"] for d in listed if d["id"] == demand_id] == ["13812345678"]
    assert [d["contact_phone"] for d in desk["supervisor"].get("/api/demands").json() if d["id"] == demand_id] == [
        "138****5678"]


def test_demand_socket_pushes_demand_changes_only(desk: Desk) -> None:
    number = desk.file()["tracking_number"]
    demand_id = desk.demand_id(number)
    with desk["handler"].websocket_connect("/ws/demands", headers={"Origin": "http://testserver"}) as socket:
        assert socket.receive_json() == {"type": "hello"}
        assert desk["staff"].post(f"/api/demands/{demand_id}/dispatch", json={"department": MARKET}).status_code == 200
        assert socket.receive_json() == {"type": "demands", "id": demand_id, "status": "dispatched"}


def test_pages_and_home_pages_of_demand_roles(desk: Desk) -> None:
    for account in ("staff", "handler", "supervisor", "admin"):
        page = desk[account].get("/console/demands")
        assert page.status_code == 200 and "诉求办理" in page.text
    assert desk["editor"].get("/console/demands", follow_redirects=False).headers["location"] == "/console/knowledge"
    # handlers and supervisors have no chat console: /console sends them on to the demands page
    for account in ("handler", "supervisor"):
        assert desk[account].get("/console", follow_redirects=False).headers["location"] == "/console/demands"
    assert desk["supervisor"].get("/console/analytics").status_code == 200
    # chat staff stay on their console (issue 13 item 4); the report API answers them
    assert desk["staff"].get("/console/analytics", follow_redirects=False).headers["location"] == "/console"
