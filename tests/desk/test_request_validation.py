"""One answer for a request FastAPI cannot validate, on every route: 422 with ``detail`` (one
Chinese sentence) and ``problems`` (field, Chinese label, Chinese reason), as the consoles show it
(desk/api/errors.py). Each kind of mistake a form can make: a missing field, a field the body does
not know, a value too long, a bad query parameter."""
from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.desk.conftest import login


def problems_of(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"].startswith("请检查：")
    return body["problems"]


def test_a_missing_field_is_named_in_chinese(client: TestClient) -> None:
    response = client.post("/api/login", json={"username": "alice"})
    assert problems_of(response) == [{"field": "password", "label": "密码", "reason": "必须填写"}]
    assert response.json()["detail"] == "请检查：密码必须填写"


def test_a_field_the_body_does_not_know_is_refused(client: TestClient) -> None:
    login(client, "alice")
    # A misspelt field must not be dropped silently (the reply would go out without its text).
    response = client.post("/api/conversations/no-such-id/reply", json={"text": "您好", "txt": "您好"})
    assert problems_of(response) == [{"field": "txt", "label": "txt", "reason": "不认识的字段，请删除"}]
    refused = client.post("/api/login", json={"username": "alice", "password": "password-alice", "remember": True})
    assert problems_of(refused)[0]["reason"] == "不认识的字段，请删除"


def test_a_value_too_long_says_the_limit(client: TestClient) -> None:
    login(client, "alice")
    response = client.post("/api/tickets/1/answer", json={"answer": "答" * 4001})
    assert problems_of(response) == [{"field": "answer", "label": "回复内容", "reason": "不能超过4000个字"}]
    empty = client.post("/api/conversations/no-such-id/reply", json={"text": ""})
    assert problems_of(empty) == [{"field": "text", "label": "内容", "reason": "不能为空"}]


def test_bad_parameters_and_bodies_get_the_same_answer(client: TestClient) -> None:
    login(client, "alice")
    assert problems_of(client.get("/api/knowledge/search")) == [
        {"field": "q", "label": "搜索内容", "reason": "必须填写"}]
    assert problems_of(client.post("/api/conversations/x/transfer", json={"staff_id": "李明"})) == [
        {"field": "staff_id", "label": "接手的同事", "reason": "必须是整数"}]
    assert problems_of(client.post("/api/handoffs/abc/claim"))[0]["label"] == "转人工序号"
    not_json = client.post("/api/login", content=b"{", headers={"Content-Type": "application/json"})
    assert problems_of(not_json)[0]["reason"] == "请求内容不是有效的 JSON"


def test_who_may_not_call_a_route_hears_that_before_any_body_problem(client: TestClient) -> None:
    # Validation never tells an anonymous caller which fields a staff route takes.
    response = client.post("/api/tickets/1/answer", json={"answer": "答" * 4001})
    assert response.status_code == 401, response.text
