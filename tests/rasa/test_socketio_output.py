"""What bot.socketio_channel.SocketIOOutput emits for the responses our actions send, without a
server: a real python-socketio AsyncServer whose client manager records the emits instead of
delivering them. Runs in the Rasa environment (marked integration: .venv has no Rasa)."""
from __future__ import annotations

import json
import subprocess
import textwrap
from typing import Any

import pytest

from tests.rasa.rasa_cli import PROJECT_ROOT

pytestmark = pytest.mark.integration

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"

SCRIPT = textwrap.dedent("""
    import asyncio
    import copy
    import json

    import socketio
    from rasa.core.channels.socketio import SocketIOOutput as RasaOutput
    from rasa.shared.core.events import BotUttered

    from bot.socketio_channel import SocketIOOutput

    RESPONSES = {
        "item": BotUttered("【对股权出质注销登记】所需材料：\\n1. 申请书\\n\\n（来源：广东省政务服务事项目录）",
                           {"custom": {"item_card": {"id": "1144", "name": "对股权出质注销登记"}, "field": "materials"}}),
        "clarify": BotUttered("您想了解的是下面哪一项？\\n1. 新增取水许可\\n2. 延续取水许可",
                              {"buttons": [{"title": "新增取水许可", "payload": '/choose{"candidate_id": "A"}'},
                                           {"title": "延续取水许可", "payload": '/choose{"candidate_id": "B"}'}]}),
        "buttons_and_card": BotUttered("按第1项“新增取水许可”回答：所需材料",
                                       {"buttons": [{"title": "延续取水许可", "payload": '/choose{"candidate_id": "B"}'}],
                                        "custom": {"item_card": {"id": "A"}, "field": "materials"}}),
        "handoff": BotUttered("正在为您转接人工客服。", {"custom": {"handoff": {"reason": "user_request"}}}),
        "custom_only": BotUttered(None, {"custom": {"not_found": {"question": "火星", "confidence": 0.1}}}),
    }


    class Recording(socketio.AsyncManager):
        def __init__(self):
            super().__init__()
            self.sent = []

        async def emit(self, event, data, namespace, room=None, **kwargs):
            # a copy, as a real manager serialises at once (Rasa's own output mutates the payload)
            self.sent.append({"event": event, "data": copy.deepcopy(data), "room": room})


    async def emitted(output_class, response):
        manager = Recording()
        sio = socketio.AsyncServer(client_manager=manager)
        try:
            await output_class(sio, "bot_uttered").send_response("session-1", response.message())
        except TypeError as error:
            return {"error": str(error)}
        return {"sent": manager.sent}


    async def main():
        ours = {name: await emitted(SocketIOOutput, response) for name, response in RESPONSES.items()}
        rasas = {"item": await emitted(RasaOutput, RESPONSES["item"])}
        print(json.dumps({"ours": ours, "rasa": rasas}, ensure_ascii=False))


    asyncio.run(main())
""")


@pytest.fixture(scope="module")
def emitted() -> dict[str, Any]:
    assert RASA_PYTHON.exists(), f"{RASA_PYTHON} is missing: run `make rasa-venv`"
    result = subprocess.run([str(RASA_PYTHON), "-c", SCRIPT], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=300, env={"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_rasas_own_output_fails_on_our_payloads(emitted: dict[str, Any]) -> None:
    """The bug this class fixes (so the recording server checks emit's real signature)."""
    assert "unexpected keyword argument 'item_card'" in emitted["rasa"]["item"]["error"]


def test_text_then_custom_payload_in_its_own_event(emitted: dict[str, Any]) -> None:
    sent = emitted["ours"]["item"]["sent"]
    assert {e["event"] for e in sent} == {"bot_uttered"} and {e["room"] for e in sent} == {"session-1"}
    assert [e["data"] for e in sent] == [
        {"text": "【对股权出质注销登记】所需材料：\n1. 申请书"},
        {"text": "（来源：广东省政务服务事项目录）"},
        {"custom": {"item_card": {"id": "1144", "name": "对股权出质注销登记"}, "field": "materials"}},
    ]


def test_buttons_stay_rasas_quick_replies(emitted: dict[str, Any]) -> None:
    (only,) = emitted["ours"]["clarify"]["sent"]
    assert only["data"] == {
        "text": "您想了解的是下面哪一项？\n1. 新增取水许可\n2. 延续取水许可",
        "quick_replies": [
            {"content_type": "text", "title": "新增取水许可", "payload": '/choose{"candidate_id": "A"}'},
            {"content_type": "text", "title": "延续取水许可", "payload": '/choose{"candidate_id": "B"}'},
        ],
    }


def test_buttons_and_card_in_one_response(emitted: dict[str, Any]) -> None:
    first, second = (e["data"] for e in emitted["ours"]["buttons_and_card"]["sent"])
    assert first["text"] == "按第1项“新增取水许可”回答：所需材料" and first["quick_replies"][0]["title"] == "延续取水许可"
    assert second == {"custom": {"item_card": {"id": "A"}, "field": "materials"}}


def test_handoff_and_custom_only_responses(emitted: dict[str, Any]) -> None:
    handoff = [e["data"] for e in emitted["ours"]["handoff"]["sent"]]
    assert handoff == [{"text": "正在为您转接人工客服。"}, {"custom": {"handoff": {"reason": "user_request"}}}]
    (only,) = emitted["ours"]["custom_only"]["sent"]
    assert only["data"] == {"custom": {"not_found": {"question": "火星", "confidence": 0.1}}}
