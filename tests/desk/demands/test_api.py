"""The demand API through the FastAPI test client: the contract, Chinese 422s, rate limits, masking,
the whole path, and role/department access route by route."""
from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from desk.app import create_app
from desk.db import Database, migrate
from desk.models import Demand, Department
from desk.settings import DeskSettings
from indexer.search import SearchService
from tests.browser import console_client
from tests.desk.conftest import ScriptedRasa
from tests.desk.demands.conftest import MARKET, WATER, add_staff

BODY = {"category": "投诉", "content": "营业执照变更一个月了还没办下来，身份证110101199003071234",
        "enterprise_name": "某某科技有限公司", "contact_name": "张三", "contact_phone": "138-1234-5678"}
ROLES = ("staff", "handler", "supervisor", "admin", "editor")


class Desk:
    """One app, one logged-in client per account (anonymous included)."""

    def __init__(self, tmp: Path, rate_limit: str = "1000/minute", knowledge: Any = None) -> None:
        self.settings = DeskSettings(database_url=f"sqlite:///{tmp / 'desk.sqlite3'}", demand_sweep_seconds=0,
                                     demand_rate_limit=rate_limit)
        migrate(self.settings.database_url)
        self.app = create_app(self.settings, rasa=ScriptedRasa(), knowledge=knowledge)  # type: ignore[arg-type]
        self.anonymous = console_client(self.app)
        self.anonymous.__enter__()  # runs the lifespan: departments seeded from the catalog
        self.database = Database(self.settings.database_url)
        self.clients: dict[str, TestClient] = {"anonymous": self.anonymous}
        for name, role, department in [("staff", "staff", None), ("handler", "handler", MARKET),
                                       ("other", "handler", WATER), ("supervisor", "supervisor", None),
                                       ("admin", "admin", None), ("editor", "editor", None)]:
            add_staff(self.database, name, role, department)
            client = console_client(self.app)
            response = client.post("/api/login", json={"username": name, "password": f"password-{name}"})
            assert response.status_code == 200, response.text
            self.clients[name] = client

    def __getitem__(self, name: str) -> TestClient:
        return self.clients[name]

    def file(self, **changes: Any) -> dict[str, Any]:
        response = self.anonymous.post("/api/demands", json={**BODY, **changes})
        assert response.status_code == 201, response.text
        return response.json()

    def demand_id(self, tracking_number: str) -> int:
        with self.database.session() as session:
            demand = session.scalar(select(Demand).where(Demand.tracking_number == tracking_number))
            assert demand is not None
            return demand.id

    def close(self) -> None:
        self.anonymous.__exit__(None, None, None)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    desk = Desk(tmp_path_factory.mktemp("desk"))
    yield desk
    desk.close()


# ---------------------------------------------------------------------- the contract

def test_filing_answers_201_with_number_status_and_due_date(desk: Desk) -> None:
    body = desk.file()
    assert set(body) == {"tracking_number", "status", "due_date"}
    assert body["status"] == "received"
    assert datetime.date.fromisoformat(body["due_date"]) > datetime.date(2026, 1, 1)
    assert len(body["tracking_number"].replace("-", "")) == 16


@pytest.mark.parametrize(("changes", "field", "reason"), [
    ({"contact_phone": "12345"}, "contact_phone", "请填写11位手机号码"),
    ({"category": "闲聊"}, "category", "必须是 咨询、求助、投诉、建议、举报 之一"),
    ({"content": ""}, "content", "至少5个字"),
    ({"enterprise_name": "x" * 201}, "enterprise_name", "不能超过200个字"),
    ({"extra": 1}, "extra", "不认识的字段"),
    ({"contact_name": None}, "contact_name", "必须是文字"),
])
def test_bad_input_answers_422_with_field_and_chinese_reason(desk: Desk, changes: dict[str, Any], field: str,
                                                              reason: str) -> None:
    response = desk.anonymous.post("/api/demands", json={**BODY, **changes})
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert [p["field"] for p in problems] == [field]
    assert reason in problems[0]["reason"]
    assert response.json()["detail"].startswith("请检查：")


def test_missing_fields_and_broken_json_are_422_in_chinese(desk: Desk) -> None:
    response = desk.anonymous.post("/api/demands", json={"category": "咨询"})
    assert response.status_code == 422
    assert {p["field"]: p["reason"] for p in response.json()["problems"]} == {
        "content": "必须填写", "enterprise_name": "必须填写", "contact_name": "必须填写", "contact_phone": "必须填写"}
    broken = desk.anonymous.post("/api/demands", content=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 422 and "JSON" in broken.json()["detail"]


def test_tracking_shows_masked_data_and_wrong_digits_look_unknown(desk: Desk) -> None:
    number = desk.file()["tracking_number"]
    found = desk.anonymous.get(f"/api/demands/track/{number.lower()}", params={"phone_last4": "5678"})
    assert found.status_code == 200
    data = found.json()
    assert (data["status"], data["department"], data["contact_phone"], data["contact_name"]) == (
        "received", None, "138****5678", "张*")
    assert "110101199003071234" not in found.text and "110***********1234" in data["content"]
    assert [h["status"] for h in data["history"]] == ["received"]
    wrong = desk.anonymous.get(f"/api/demands/track/{number}", params={"phone_last4": "1234"})
    unknown = desk.anonymous.get("/api/demands/track/AAAA-BBBB-CCCC-DDDD", params={"phone_last4": "5678"})
    missing = desk.anonymous.get(f"/api/demands/track/{number}")
    assert wrong.status_code == unknown.status_code == missing.status_code == 404
    assert wrong.json() == unknown.json() == missing.json()


def test_filing_is_rate_limited_per_client(tmp_path: Path) -> None:
    limited = Desk(tmp_path, rate_limit="2/minute")
    try:
        limited.file()
        limited.file()
        refused = limited.anonymous.post("/api/demands", json=BODY)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert "太频繁" in refused.json()["detail"]
        # Bad bodies count too: a flood of garbage is throttled before it is parsed.
        assert limited.anonymous.post("/api/demands", json={}).status_code == 429
    finally:
        limited.close()


# ---------------------------------------------------------------------- the whole path

def test_dispatch_handle_reply_rate_and_reopen(desk: Desk) -> None:
    number = desk.file()["tracking_number"]
    demand_id = desk.demand_id(number)
    assert desk["staff"].post(f"/api/demands/{demand_id}/dispatch", json={"department": MARKET}).json()["status"] == "dispatched"
    mine = desk["handler"].get("/api/demands", params={"status": "dispatched"}).json()
    assert demand_id in [d["id"] for d in mine] and all(d["department"] == MARKET for d in mine)
    assert desk["other"].get("/api/demands").json() == []
    assert desk["handler"].post(f"/api/demands/{demand_id}/accept").json()["status"] == "accepted"
    again = desk["handler"].post(f"/api/demands/{demand_id}/accept")
    assert again.status_code == 409 and "不能签收" in again.json()["detail"]
    desk["handler"].post(f"/api/demands/{demand_id}/notes", json={"text": "已联系企业"})
    assert desk["handler"].post(f"/api/demands/{demand_id}/extend", json={"days": 3, "reason": "待现场核查"}).status_code == 200
    assert desk["supervisor"].post(f"/api/demands/{demand_id}/approve-extension").json()["status"] == "accepted"
    replied = desk["handler"].post(f"/api/demands/{demand_id}/reply", json={"text": "已办结变更登记"}).json()
    assert replied["status"] == "replied"
    seen = desk.anonymous.get(f"/api/demands/track/{number}", params={"phone_last4": "5678"}).json()
    assert (seen["status"], seen["department"], seen["reply"], seen["can_rate"]) == ("replied", MARKET, "已办结变更登记", True)
    # Internal steps (notes, extension requests) are not in the public history.
    assert [h["action"] for h in seen["history"]] == ["file", "dispatch", "accept", "approve_extension", "reply"]
    rated = desk.anonymous.post(f"/api/demands/track/{number}/rating",
                                json={"phone_last4": "5678", "score": "不满意", "comment": "没解决"})
    assert rated.status_code == 200 and rated.json()["status"] == "reopened"
    detail = desk["handler"].get(f"/api/demands/{demand_id}").json()
    assert (detail["status"], detail["department"], detail["reopen_count"]) == ("reopened", MARKET, 1)
    assert [e["action"] for e in detail["events"]][-1] == "reopen"
    bad_rating = desk.anonymous.post(f"/api/demands/track/{number}/rating",
                                     json={"phone_last4": "5678", "score": "很好", "comment": ""})
    assert bad_rating.status_code == 422 and bad_rating.json()["problems"][0]["field"] == "score"


def test_list_filters_and_bad_filters(desk: Desk) -> None:
    assert desk["supervisor"].get("/api/demands", params={"overdue": "true"}).status_code == 200
    bad = desk["supervisor"].get("/api/demands", params={"status": "lost"})
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "status"
    assert desk["supervisor"].get("/api/demands", params={"department": "没有的局"}).status_code == 404
    listed = desk["supervisor"].get("/api/demands", params={"department": MARKET}).json()
    assert listed and all(d["department"] == MARKET for d in listed)


def test_admins_edit_departments(desk: Desk) -> None:
    departments = desk["staff"].get("/api/departments").json()
    assert MARKET in [d["name"] for d in departments] and len(departments) > 100  # seeded from the catalog
    created = desk["admin"].post("/api/departments", json={"name": "某市营商环境办"})
    assert created.status_code == 201
    assert desk["admin"].post("/api/departments", json={"name": "某市营商环境办"}).status_code == 409
    patched = desk["admin"].patch(f"/api/departments/{created.json()['id']}", json={"active": False})
    assert patched.json()["active"] is False
    assert desk["staff"].post("/api/departments", json={"name": "某局"}).status_code == 403


def test_suggestions_use_the_knowledge_search(tmp_path: Path, service: SearchService) -> None:
    local = Desk(tmp_path, knowledge=service)
    try:
        demand_id = local.demand_id(local.file(content="新增取水许可申请提交两个月了还没有结果")["tracking_number"])
        found = local["staff"].get(f"/api/demands/{demand_id}/suggestions").json()["suggestions"]
        assert found[0]["department"] == WATER and "取水许可" in found[0]["reason"]
    finally:
        local.close()


# ---------------------------------------------------------------------- access, route by route

ACCOUNTS = ("anonymous", "editor", "staff", "handler", "other", "supervisor", "admin")
_HANDLER = {"handler"}
# Who passes the access check on each staff route ("other": a handler of another department).
MATRIX: dict[tuple[str, str], tuple[set[str], dict[str, Any] | None]] = {
    ("GET", "/api/demands"): ({"staff", "handler", "other", "supervisor", "admin"}, None),
    ("GET", "/api/demands/{demand_id}"): ({"staff", "handler", "supervisor", "admin"}, None),
    ("GET", "/api/demands/{demand_id}/suggestions"): ({"staff", "handler", "supervisor", "admin"}, None),
    ("POST", "/api/demands/{demand_id}/dispatch"): ({"staff", "supervisor", "admin"}, {"department": WATER}),
    ("POST", "/api/demands/{demand_id}/accept"): (_HANDLER, None),
    ("POST", "/api/demands/{demand_id}/return"): (_HANDLER, {"reason": "不归本部门"}),
    ("POST", "/api/demands/{demand_id}/extend"): (_HANDLER, {"days": 2, "reason": "待核查"}),
    ("POST", "/api/demands/{demand_id}/approve-extension"): ({"supervisor", "admin"}, None),
    ("POST", "/api/demands/{demand_id}/reject-extension"): ({"supervisor", "admin"}, {"reason": "无正当理由"}),
    ("POST", "/api/demands/{demand_id}/notes"): ({"staff", "handler", "supervisor", "admin"}, {"text": "备注"}),
    ("POST", "/api/demands/{demand_id}/reply"): (_HANDLER, {"text": "已办结"}),
    ("POST", "/api/demands/{demand_id}/close"): ({"staff", "supervisor", "admin"}, None),
    ("POST", "/api/demands/intake"): ({"staff", "supervisor", "admin"}, {**BODY, "channel": "phone"}),
    ("GET", "/api/departments"): ({"staff", "handler", "other", "supervisor", "admin", "editor"}, None),
    ("POST", "/api/departments"): ({"admin"}, {"name": "矩阵测试部门"}),
    ("PATCH", "/api/departments/{department_id}"): ({"admin"}, {"active": True}),
}
PUBLIC = {("POST", "/api/demands"), ("GET", "/api/demands/track/{tracking_number}"),
          ("POST", "/api/demands/track/{tracking_number}/rating")}


def test_every_demand_route_has_an_access_rule(desk: Desk) -> None:
    # The app's own route list (its OpenAPI schema), so a new route without a rule here fails.
    routes = {(method.upper(), path) for path, operations in desk.app.openapi()["paths"].items()
              if path.startswith(("/api/demands", "/api/departments")) for method in operations}
    assert routes == set(MATRIX) | PUBLIC


@pytest.mark.parametrize("account", ACCOUNTS)
@pytest.mark.parametrize("route", sorted(MATRIX), ids=[f"{m} {p}" for m, p in sorted(MATRIX)])
def test_access_route_by_route(desk: Desk, route: tuple[str, str], account: str) -> None:
    """Allowed accounts get past the access check (2xx, or 409 when the state forbids the action);
    the others get 401 (not logged in), 403 (wrong role) or 404 (another department's demand)."""
    method, path = route
    allowed, body = MATRIX[route]
    number = desk.file()["tracking_number"]
    demand_id = desk.demand_id(number)
    assert desk["staff"].post(f"/api/demands/{demand_id}/dispatch", json={"department": MARKET}).status_code == 200
    with desk.database.session() as session:
        department = session.scalar(select(Department).where(Department.name == WATER))
        assert department is not None
    url = path.replace("{demand_id}", str(demand_id)).replace("{department_id}", str(department.id))
    if path.endswith("/suggestions") and account in allowed:
        # Past the access check it runs the search: test_suggestions_use_the_knowledge_search covers that.
        url = url.removesuffix("/suggestions")
    response = desk[account].request(method, url, json=body)
    if account in allowed:
        assert response.status_code in (200, 201, 409), response.text
    elif account == "anonymous":
        assert response.status_code == 401
    elif account == "other" and "handler" in allowed:
        assert response.status_code == 404, response.text
    else:
        assert response.status_code == 403, response.text
