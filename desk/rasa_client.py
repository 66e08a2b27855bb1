"""The desk's only way to the bot: Rasa's REST channel and HTTP API (Rasa knows nothing of the desk)."""
from __future__ import annotations

from typing import Any

import httpx

from desk.errors import DeskError


class BotUnavailable(DeskError):
    code = "bot_unavailable"
    status = 503


class RasaClient:
    def __init__(self, base_url: str, timeout: float) -> None:
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)

    async def send(self, conversation_id: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The bot's replies to one user message (REST channel), or BotUnavailable."""
        try:
            response = await self._client.post("/webhooks/rest/webhook", json={
                "sender": conversation_id, "message": text, "metadata": metadata or {}})
            response.raise_for_status()
            replies = response.json()
        except (httpx.TimeoutException, httpx.TransportError, httpx.HTTPStatusError, ValueError) as error:
            raise BotUnavailable(f"机器人暂时没有回应（{type(error).__name__}）") from error
        return [reply for reply in replies if isinstance(reply, dict)] if isinstance(replies, list) else []

    async def resume(self, conversation_id: str) -> None:
        """Un-pause the Rasa conversation after a person hands it back."""
        try:
            response = await self._client.post(f"/conversations/{conversation_id}/tracker/events",
                                               json=[{"event": "resume"}, {"event": "slot", "name": "failed_turns", "value": 0.0}])
            response.raise_for_status()
        except (httpx.TimeoutException, httpx.TransportError, httpx.HTTPStatusError) as error:
            raise BotUnavailable(f"无法恢复机器人对话（{type(error).__name__}）") from error

    async def close(self) -> None:
        await self._client.aclose()
