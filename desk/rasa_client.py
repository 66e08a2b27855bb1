"""The desk's only way to the bot: Rasa's REST channel and HTTP API (Rasa knows nothing of the desk)."""
from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import httpx

from desk.errors import DeskError


class BotUnavailable(DeskError):
    code = "bot_unavailable"
    status = 503


class RasaClient:
    """One or several Rasa servers. Rasa keeps each conversation's tracker in the process that
    served it, so a conversation always goes to the same replica (a stable hash of its id, the
    same in every desk process and after restarts); replicas let Rasa's one-core event loops use
    every core."""

    def __init__(self, base_urls: str | Sequence[str], timeout: float,
                 transport: httpx.AsyncBaseTransport | None = None, token: str = "") -> None:
        urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        if not urls:
            raise ValueError("RasaClient needs at least one Rasa URL, got none")
        self._clients = [httpx.AsyncClient(base_url=url.rstrip("/"), timeout=timeout, transport=transport)
                         for url in urls]
        # Rasa 3.6 takes its --auth-token only as a ``token`` query parameter (an Authorization
        # header means JWT there). Only the HTTP API gets it: the REST webhook needs none.
        self._api_params = {"token": token} if token else {}

    def replica(self, conversation_id: str) -> int:
        return zlib.crc32(conversation_id.encode("utf-8")) % len(self._clients)

    def _client(self, conversation_id: str) -> httpx.AsyncClient:
        return self._clients[self.replica(conversation_id)]

    async def send(self, conversation_id: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The bot's replies to one user message (REST channel), or BotUnavailable."""
        try:
            response = await self._client(conversation_id).post("/webhooks/rest/webhook", json={
                "sender": conversation_id, "message": text, "metadata": metadata or {}})
            response.raise_for_status()
            replies = response.json()
        except (httpx.TimeoutException, httpx.TransportError, httpx.HTTPStatusError, ValueError) as error:
            raise BotUnavailable(f"机器人暂时没有回应（{type(error).__name__}）") from error
        return [reply for reply in replies if isinstance(reply, dict)] if isinstance(replies, list) else []

    async def resume(self, conversation_id: str) -> None:
        """Un-pause the Rasa conversation after a person hands it back."""
        try:
            response = await self._client(conversation_id).post(f"/conversations/{conversation_id}/tracker/events",
                                               params=self._api_params,
                                               json=[{"event": "resume"}, {"event": "slot", "name": "failed_turns", "value": 0.0}])
            response.raise_for_status()
        except (httpx.TimeoutException, httpx.TransportError, httpx.HTTPStatusError) as error:
            raise BotUnavailable(f"无法恢复机器人对话（{type(error).__name__}）") from error

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()
