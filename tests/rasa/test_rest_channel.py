"""The real stack over Rasa's REST channel: Rasa server + action server + a real (small) index."""
from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from tests.stack import FIXTURE_KB, Stack, rasa_api

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(bot_stack: Stack) -> str:
    return bot_stack.rasa_url


def say(url: str, sender: str, text: str) -> list[dict[str, Any]]:
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", method="POST",
                                     data=json.dumps({"sender": sender, "message": text}).encode("utf-8"),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read().decode("utf-8"))


def test_traditional_question_gets_the_item(stack: str) -> None:
    replies = say(stack, "t1", "股權出質註銷登記在哪裡辦")
    custom = [r["custom"] for r in replies if "custom" in r]
    buttons = [b["title"] for r in replies for b in r.get("buttons", [])]
    cards = [c["item_card"]["name"] for c in custom if "item_card" in c]
    assert "对股权出质注销登记" in cards + buttons, replies
    assert any("来源" in r.get("text", "") for r in replies) or buttons


def test_followup_and_handoff_payload(stack: str) -> None:
    say(stack, "t2", "股权出质注销登记")
    chosen = say(stack, "t2", '/choose{{"candidate_id": "{}"}}'.format(_item_id("对股权出质注销登记")))
    assert any("item_card" in r.get("custom", {}) for r in chosen), chosen
    materials = say(stack, "t2", "需要什么材料")
    assert "所需材料" in materials[0]["text"]
    handoff = say(stack, "t2", "转人工")
    payload = next(r["custom"]["handoff"] for r in handoff if "custom" in r)
    assert payload["reason"] == "user_request" and "股权出质" in payload["summary"]
    with urllib.request.urlopen(rasa_api(stack, "/conversations/t2/tracker"), timeout=10) as response:
        assert json.loads(response.read())["paused"] is True


def test_greeting_is_a_plain_utterance(stack: str) -> None:
    replies = say(stack, "t3", "你好")
    assert replies and "导服" in replies[0]["text"]


def _item_id(name: str) -> str:
    for line in (FIXTURE_KB / "catalog" / "items.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["TASK_NAME"] == name:
            return str(row["TASK_CODE"])
    raise AssertionError(f"{name} not in the fixture catalog")
