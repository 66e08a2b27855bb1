from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from desk.app import create_app
from desk.db import Database
from desk.auth import create_staff
from desk.settings import DeskSettings


class ScriptedRasa:
    """Stands in for Rasa's REST channel in fast unit tests (the e2e tests use the real Rasa)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self.resumed: list[str] = []
        self.delay = 0.0
        self.fail = False
        self.silent = False

    async def send(self, conversation_id: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        from desk.rasa_client import BotUnavailable

        self.received.append((conversation_id, text))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise BotUnavailable("机器人暂时没有回应（TimeoutException）")
        if self.silent:
            return []
        if "转人工" in text or text == "/request_human":
            return [{"recipient_id": conversation_id, "text": "正在为您转接人工客服，请稍候。",
                     "custom": {"handoff": {"reason": "user_request", "reason_text": "用户要求转人工",
                                            "summary": "用户最近的问题：" + text, "candidates": [{"id": "A", "kind": "item", "title": "新增取水许可", "score": 0.4}]}}}]
        if "投诉" in text:
            return [{"recipient_id": conversation_id, "text": "非常抱歉。",
                     "custom": {"handoff": {"reason": "complaint", "summary": text, "candidates": []}}}]
        if "取水" in text:
            return [{"recipient_id": conversation_id, "text": "您想了解的是下面哪一项？",
                     "buttons": [{"title": "新增取水许可", "payload": '/choose{"candidate_id": "A"}'}]}]
        return [{"recipient_id": conversation_id, "text": f"机器人回答：{text}",
                 "custom": {"item_card": {"id": "A", "name": "新增取水许可", "materials": ["申请书"]}}}]

    async def resume(self, conversation_id: str) -> None:
        self.resumed.append(conversation_id)

    async def close(self) -> None:
        return None


@pytest.fixture()
def desk_settings(tmp_path: Path) -> DeskSettings:
    return DeskSettings(database_url=f"sqlite:///{tmp_path / 'desk.sqlite3'}", rasa_timeout=2.0,
                        wait_warning_seconds=60)


@pytest.fixture()
def rasa() -> ScriptedRasa:
    return ScriptedRasa()


@pytest.fixture()
def client(desk_settings: DeskSettings, rasa: ScriptedRasa) -> Iterator[TestClient]:
    app = create_app(desk_settings, rasa=rasa)  # type: ignore[arg-type]
    with Database(desk_settings.database_url).session() as session:
        create_staff(session, "alice", "password-alice", "staff", "王小丽")
        create_staff(session, "bob", "password-bob1", "staff", "李明")
        create_staff(session, "admin", "password-admin", "admin", "管理员")
    with TestClient(app) as test_client:
        yield test_client


def login(client: TestClient, username: str) -> TestClient:
    response = client.post("/api/login", json={"username": username, "password": f"password-{username}" if username != "bob" else "password-bob1"})
    assert response.status_code == 200, response.text
    return client


def receive_until(websocket: Any, kind: str, limit: int = 20) -> dict[str, Any]:
    for _ in range(limit):
        frame = websocket.receive_json()
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame in {limit} frames")
