"""A whole conversation over the socket.io channel (bot.socketio_channel, as bot/credentials.yml
opens it) with a real python-socketio client: the real Rasa server with the test model, the real
action server, a small real index of the fixture knowledge base (tests.stack).

The client (tests/rasa/socketio_client.py) runs in the Rasa environment, which has python-socketio
and websocket-client; the project environment does not need them."""
from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.stack import PROJECT_ROOT, Stack, rasa_api, rasa_token

pytestmark = pytest.mark.integration

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
CLIENT = Path(__file__).with_name("socketio_client.py")
# Questions the fixture index answers at high confidence with the base model (confidence ~0.98).
ITEM_QUESTION = "股权出质注销登记在哪里办"
ITEM_NAME = "对股权出质注销登记"
POLICY_QUESTION = "承租省属国有企业物业的中小微企业能免房租吗"
POLICY_TITLE = "广东省人民政府办公厅关于应对疫情支持中小微企业的若干措施"
# Two items of nearly equal score: the bot asks which one.
AMBIGUOUS_QUESTION = "取水许可"


@pytest.fixture(scope="module")
def rasa_url(bot_stack: Stack) -> str:
    return bot_stack.rasa_url


def converse(url: str, session_id: str, *messages: str) -> list[dict[str, Any]]:
    assert RASA_PYTHON.exists(), f"{RASA_PYTHON} is missing: run `make rasa-venv`"
    result = subprocess.run([str(RASA_PYTHON), str(CLIENT), url, session_id, *messages], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=600,
                            env={**os.environ, "DAOFU_RASA_TOKEN": rasa_token(url)})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    conversation = json.loads(result.stdout.strip().splitlines()[-1])
    # Sanic's websocket upgrade is one of the channel's fixes: the client must get there.
    assert conversation["transport"] == "websocket", conversation["transport"]
    turns = conversation["turns"]
    lost = [t["message"] for t in turns if not t["stored"]]
    assert not lost and len(turns) == len(messages), f"turns Rasa did not store: {lost}; received: {turns}"
    for turn in turns:
        for event in turn["events"]:
            # The shapes rasa-webchat reads: text, text with quick replies, or a custom payload alone.
            assert set(event) in ({"text"}, {"text", "quick_replies"}, {"custom"}), event
    return turns


def customs(turn: dict[str, Any]) -> list[dict[str, Any]]:
    return [event["custom"] for event in turn["events"] if "custom" in event]


def text_of(turn: dict[str, Any]) -> str:
    return "\n".join(event["text"] for event in turn["events"] if "text" in event)


def quick_replies(turn: dict[str, Any]) -> list[dict[str, Any]]:
    return [reply for event in turn["events"] for reply in event.get("quick_replies", [])]


def tracker(url: str, session_id: str) -> dict[str, Any]:
    with urllib.request.urlopen(rasa_api(url, f"/conversations/{session_id}/tracker"), timeout=10) as response:
        return json.loads(response.read())


def current_item_after_each_turn(events: list[dict[str, Any]]) -> list[Any]:
    """The value of the slot current_item at the end of each user turn, replaying the tracker's events."""
    values: list[Any] = []
    current = None
    seen_user = False
    for event in events:
        if event["event"] == "user":
            if seen_user:
                values.append(current)
            seen_user = True
        elif event["event"] == "slot" and event["name"] == "current_item":
            current = event["value"]
    return [*values, current] if seen_user else values


def test_whole_conversation_with_cards_followup_policy_and_handoff(rasa_url: str) -> None:
    messages = (ITEM_QUESTION, "需要什么材料", POLICY_QUESTION, "转人工")
    item, materials, policy, handoff = converse(rasa_url, "socketio-whole", *messages)

    (card,) = [c["item_card"] for c in customs(item) if "item_card" in c]
    assert card["name"] == ITEM_NAME and ITEM_NAME in text_of(item)

    (answer,) = [c for c in customs(materials) if "item_card" in c]
    assert answer["item_card"]["id"] == card["id"] and answer["field"] == "materials"
    assert f"【{ITEM_NAME}】所需材料" in text_of(materials)

    (passage,) = [c["policy_passage"] for c in customs(policy) if "policy_passage" in c]
    assert passage["title"] == POLICY_TITLE and "房租" in passage["passage"]

    (payload,) = [c["handoff"] for c in customs(handoff) if "handoff" in c]
    assert payload["reason"] == "user_request" and "人工" in text_of(handoff)

    stored = tracker(rasa_url, "socketio-whole")
    assert [e["text"] for e in stored["events"] if e["event"] == "user"] == list(messages)
    assert current_item_after_each_turn(stored["events"]) == [card["id"], card["id"], passage["id"], passage["id"]]
    assert stored["paused"] is True  # the handoff paused the bot for the desk


def test_typed_followup_after_a_clarification_answers_the_first_candidate(rasa_url: str) -> None:
    asked, followup, second = converse(rasa_url, "socketio-clarify", AMBIGUOUS_QUESTION, "需要什么材料", "要第二个")

    offered = quick_replies(asked)
    assert len(offered) >= 2 and all(r["payload"].startswith("/choose") for r in offered), asked
    first, *others = offered

    assert text_of(followup).startswith(f"按第1项“{first['title']}”回答：")
    (answer,) = [c for c in customs(followup) if "item_card" in c]
    assert answer["item_card"]["name"] == first["title"] and answer["field"] == "materials"
    assert quick_replies(followup) == others

    (card,) = [c["item_card"] for c in customs(second) if "item_card" in c]
    assert card["name"] == offered[1]["title"]
    stored = tracker(rasa_url, "socketio-clarify")
    assert [e["text"] for e in stored["events"] if e["event"] == "user"] == [AMBIGUOUS_QUESTION, "需要什么材料", "要第二个"]
    assert current_item_after_each_turn(stored["events"]) == [None, answer["item_card"]["id"], card["id"]]
