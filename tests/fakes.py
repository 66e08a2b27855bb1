"""Test doubles kept to fast unit tests: a deterministic bag-of-characters encoder, and a scripted
Rasa REST channel whose replies are built by the actions' real formatting code.

Integration tests (marked ``integration``) use the real e5 model instead, and the e2e tests the
real Rasa.
"""
from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from actions import formatting
from daofu_protocol import HandoffReason
from indexer.features import character_ngrams
from indexer.normalize import normalize_text
from indexer.records import ServiceItem

FAKE_MODEL: dict[str, Any] = {"name": "fake-char-bigrams", "variant": "test", "dimension": 128, "fingerprint": "fake0001"}


class CharacterEncoder:
    """Vectors from hashed character 1-2-grams: similar wording gives similar vectors."""

    def __init__(self, model: dict[str, Any] | None = None) -> None:
        self.model_id = dict(model or FAKE_MODEL)
        self.dimension = int(self.model_id["dimension"])
        self.calls = 0

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        self.calls += len(texts)
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            body = normalize_text(text.split(": ", 1)[-1])
            for gram in character_ngrams(body):
                bucket = int(hashlib.md5(gram.encode("utf-8")).hexdigest()[:8], 16) % self.dimension
                vectors[row, bucket] += 1.0
            norm = np.linalg.norm(vectors[row])
            if norm:
                vectors[row] /= norm
        return vectors


SCRIPTED_ITEM = ServiceItem(id="A", name="新增取水许可", department="广东省水利厅", materials=("申请书",))


class ScriptedRasa:
    """Stands in for Rasa's REST channel in fast unit tests. Its payloads come from the actions'
    formatting code (what the action server sends), so a change of the contract reaches the desk's
    tests instead of drifting unseen."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self.resumed: list[str] = []
        self.delay = 0.0
        self.resume_delay = 0.0
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
            offered = [{"id": SCRIPTED_ITEM.id, "kind": "item", "title": SCRIPTED_ITEM.name, "score": 0.4}]
            return [{"recipient_id": conversation_id, "text": "正在为您转接人工客服，请稍候。",
                     "custom": formatting.handoff_payload(HandoffReason.USER_REQUEST, "用户最近的问题：" + text, offered)}]
        if "投诉" in text:
            return [{"recipient_id": conversation_id, "text": "非常抱歉。",
                     "custom": formatting.handoff_payload(HandoffReason.COMPLAINT, text, [])}]
        if "取水" in text:
            return [{"recipient_id": conversation_id, "text": "您想了解的是下面哪一项？",
                     "buttons": formatting.choice_buttons([{"id": SCRIPTED_ITEM.id, "title": SCRIPTED_ITEM.name}])}]
        return [{"recipient_id": conversation_id, "text": f"机器人回答：{text}",
                 "custom": formatting.item_card_message(SCRIPTED_ITEM)}]

    async def resume(self, conversation_id: str) -> None:
        if self.resume_delay:
            await asyncio.sleep(self.resume_delay)
        self.resumed.append(conversation_id)

    async def close(self) -> None:
        return None
