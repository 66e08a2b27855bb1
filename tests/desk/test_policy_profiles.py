"""Saved enterprise profiles (desk/policy/): consent in the chat stores the profile and gives the
widget a token; a returning widget gives the bot its slots back and sees each 免申即享 notice once;
staff see and export the push list with the credit code masked.

The bot's payloads are made by the real actions (actions/policy_matching.py) and the measures are
read by the real loader from a knowledge base folder written here (DAOFU_KB_DIR).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import policy_matching as pm
from desk.db import Database
from desk.models import PolicyProfile
from desk.policy import profiles
from desk.security.resume_tokens import resume_token_hash
from desk.settings import DeskSettings
from tests.desk.conftest import login, receive_until
from tests.fakes import ScriptedRasa

# A Beijing restaurant that said it is small, saved with its credit code (the GB 32100 example).
SLOTS = {"policy_region": "北京市海淀区", "policy_industry": "62", "policy_size": "小型",
         "policy_tax_credit_level": pm.UNKNOWN}
CREDIT_CODE = "91350100M000100Y43"

AUTOMATIC = {"id": "auto-1", "policy_id": "doc1", "title": "餐饮企业稳岗返还", "issuer": "北京市人力资源和社会保障局",
             "region": "北京市", "conditions": [{"type": "size_in", "text": "中小微企业", "sizes": ["中型", "小型", "微型"]},
                                                {"type": "industry_in", "text": "餐饮业", "industries": ["62"]}],
             "benefit": {"text": "返还上年度失业保险费的50%", "rate": 0.5}, "how": "免申即享",
             "application_period": {"end": "2020-12-31", "text": "2020年底前"},
             "source": {"document_id": "doc1", "passage": "原文"}}
NEEDS_A_PERSON = {**AUTOMATIC, "id": "auto-2", "title": "不裁员企业返还",
                  "conditions": [{"type": "manual", "text": "不裁员或少裁员", "evidence": ""}]}
TECH_ONLY = {**AUTOMATIC, "id": "auto-3", "title": "高企奖励",
             "conditions": [{"type": "qualification", "text": "高新技术企业", "any_of": ["高新技术企业"]}]}
BY_APPLICATION = {**AUTOMATIC, "id": "apply-1", "how": "申报"}


@pytest.fixture(autouse=True)
def measures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "kb" / "policy_measures"
    folder.mkdir(parents=True)
    lines = [json.dumps(m, ensure_ascii=False) for m in (AUTOMATIC, NEEDS_A_PERSON, TECH_ONLY, BY_APPLICATION)]
    (folder / "test.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("DAOFU_KB_DIR", str(tmp_path / "kb"))
    monkeypatch.setenv("DAOFU_POLICY_AS_OF", "2020-03-01")


class PolicyRasa(ScriptedRasa):
    """Answers "保存企业信息" with what action_policy_save_profile says for SLOTS; records slot pushes."""

    def __init__(self) -> None:
        super().__init__()
        self.slot_pushes: list[tuple[str, list[dict[str, Any]]]] = []

    async def send(self, conversation_id: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        if text != "/save_policy_profile":
            return await super().send(conversation_id, text, metadata)
        tracker = Tracker(sender_id=conversation_id, slots=dict(SLOTS), latest_message={}, events=[], paused=False,
                          followup_action=None, active_loop={}, latest_action_name="action_listen")
        dispatcher = CollectingDispatcher()
        await pm.ActionPolicySaveProfile().run(dispatcher, tracker, {})
        return [{"recipient_id": conversation_id, **message} for message in dispatcher.messages]

    async def set_slots(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        self.slot_pushes.append((conversation_id, events))


@pytest.fixture()
def rasa() -> PolicyRasa:
    return PolicyRasa()


def save_in_chat(client: TestClient) -> tuple[str, str]:
    """A widget conversation whose user clicks 保存企业信息: (conversation id, profile token)."""
    with client.websocket_connect("/ws/widget") as widget:
        widget.send_json({"type": "hello", "conversation_id": None, "after": 0})
        conversation_id = receive_until(widget, "welcome")["conversation_id"]
        widget.send_json({"type": "message", "client_id": "c1", "text": "保存企业信息",
                          "payload": "/save_policy_profile"})
        reply = receive_until(widget, "message")["message"]
        assert reply["text"] == "已保存企业信息，下次咨询政策时不再重复询问。"
        token = receive_until(widget, "policy_profile_saved")["token"]
    return conversation_id, token


def test_consent_stores_the_profile_under_a_token_only_the_widget_holds(
        client: TestClient, desk_settings: DeskSettings) -> None:
    conversation_id, token = save_in_chat(client)
    with Database(desk_settings.database_url).session() as session:
        row = session.scalar(select(PolicyProfile))
        assert row is not None
        assert row.conversation_id == conversation_id
        assert row.token_hash == resume_token_hash(token) and token not in row.token_hash
        assert profiles.field_values(row) == {"region": "北京市海淀区", "industry": "62", "declared_size": "小型",
                                              "tax_credit_level": pm.UNKNOWN}


def test_a_returning_widget_gives_the_bot_the_profile_and_hears_of_each_automatic_measure_once(
        client: TestClient, rasa: PolicyRasa) -> None:
    _, token = save_in_chat(client)
    with client.websocket_connect("/ws/widget") as widget:
        widget.send_json({"type": "hello", "conversation_id": None, "after": 0, "profile_token": token})
        conversation_id = receive_until(widget, "welcome")["conversation_id"]
        first, second = receive_until(widget, "notice"), widget.receive_json()
    assert first["measure_id"] == "auto-1"
    assert first["text"].startswith("您已符合“餐饮企业稳岗返还”（北京市人力资源和社会保障局）的条件，该政策免申即享，无需申请")
    # A measure with a condition only a person can check is announced as possible, with that condition.
    assert second["type"] == "notice" and second["measure_id"] == "auto-2"
    assert second["text"].startswith("您可能符合“不裁员企业返还”") and "还需部门核实：不裁员或少裁员" in second["text"]
    # The bot gets the saved fields as its slots, and knows the profile is saved.
    pushed_to, events = rasa.slot_pushes[-1]
    assert pushed_to == conversation_id
    assert {e["name"]: e["value"] for e in events} == {**SLOTS, "policy_profile_saved": True}
    # Next visit: the slots again, no notice again.
    with client.websocket_connect("/ws/widget") as widget:
        widget.send_json({"type": "hello", "conversation_id": None, "after": 0, "profile_token": token})
        receive_until(widget, "welcome")
        widget.send_json({"type": "ping"})
        assert widget.receive_json()["type"] == "pong"
    assert len(rasa.slot_pushes) == 2


def test_an_unknown_token_is_answered_so_the_widget_forgets_it(client: TestClient, rasa: PolicyRasa) -> None:
    with client.websocket_connect("/ws/widget") as widget:
        widget.send_json({"type": "hello", "conversation_id": None, "after": 0, "profile_token": "not-a-token"})
        receive_until(widget, "welcome")
        assert widget.receive_json() == {"type": "policy_profile_unknown"}
    assert rasa.slot_pushes == []


def test_the_push_list_shows_who_qualifies_with_the_credit_code_masked(
        client: TestClient, desk_settings: DeskSettings) -> None:
    save_in_chat(client)
    with Database(desk_settings.database_url).session() as session:
        row = session.scalar(select(PolicyProfile))
        assert row is not None
        row.fields = [*row.fields, {"name": "credit_code", "value": CREDIT_CODE}, {"name": "name", "value": "某某餐饮有限公司"}]
    login(client, "alice")
    listed = client.get("/api/policy/measures/auto-1/push-list").json()
    assert listed["as_of"] == "2020-03-01"
    (entry,) = listed["profiles"]
    assert entry["status"] == "符合" and entry["industry"] == "餐饮业" and entry["size"] == "小型"
    assert entry["credit_code"] == "9135**********0Y43" and CREDIT_CODE not in json.dumps(listed)
    assert client.get("/api/policy/measures/auto-3/push-list").json()["profiles"] == []  # no 高新技术企业
    possible = client.get("/api/policy/measures/auto-2/push-list").json()["profiles"]
    assert [(p["status"], p["to_confirm"]) for p in possible] == [("需核实", "不裁员或少裁员")]
    exported = client.get("/api/policy/measures/auto-1/push-list.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    text = exported.content.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(profiles.PUSH_LIST_COLUMNS)
    assert "9135**********0Y43" in text and CREDIT_CODE not in text


def test_push_lists_are_for_automatic_measures_and_known_ids(client: TestClient) -> None:
    login(client, "alice")
    refused = client.get("/api/policy/measures/apply-1/push-list")
    assert refused.status_code == 400 and "不是免申即享" in refused.json()["detail"]
    assert client.get("/api/policy/measures/nope/push-list").status_code == 404
    listed = client.get("/api/policy/measures").json()
    assert [m["id"] for m in listed["measures"]] == ["auto-1", "auto-2", "auto-3", "apply-1"]
    assert listed["measures"][0]["expired"] is False


def test_an_expired_measure_has_nobody_on_its_push_list(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    save_in_chat(client)
    monkeypatch.setenv("DAOFU_POLICY_AS_OF", "2021-01-01")
    login(client, "alice")
    assert client.get("/api/policy/measures/auto-1/push-list").json()["profiles"] == []
    assert client.get("/api/policy/measures").json()["measures"][0]["expired"] is True


def test_a_stored_value_that_no_longer_validates_is_dropped_not_a_crash() -> None:
    row = PolicyProfile(fields=[{"name": "industry", "value": "没有这个行业"}, {"name": "employees", "value": "12"}])
    assert profiles.enterprise_profile(row).employees == 12
