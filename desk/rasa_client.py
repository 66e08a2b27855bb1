"""The desk's only way to the bot: Rasa's REST channel and HTTP API (Rasa knows nothing of the desk)."""
from __future__ import annotations

import itertools
import zlib
from collections.abc import Sequence
from typing import Any

import httpx

from desk.errors import DeskError


class BotUnavailable(DeskError):
    code = "bot_unavailable"
    status = 503


def shares_dialogue_state(database_url: str, redis_url: str) -> bool:
    """Whether Rasa's replicas keep trackers in PostgreSQL and lock turns in Redis
    (bot/endpoints-shared.yml, chosen by launcher/shared_state.py on the same two settings)."""
    return database_url.strip().startswith("postgresql") and bool(redis_url.strip())


class RasaClient:
    """One or several Rasa servers; replicas let Rasa's one-core event loops use every core.

    Embedded default (``shared=False``): Rasa keeps each conversation's tracker in the process that
    served it, so a conversation always goes to the same replica (a stable hash of its id, the same
    in every desk process and after restarts). With shared trackers (``shared=True``) any replica
    serves any turn (Rasa's lock store orders them): turns go round the replicas, and one that
    refuses the connection is skipped for the next, so a dead replica costs no conversation."""

    def __init__(self, base_urls: str | Sequence[str], timeout: float,
                 transport: httpx.AsyncBaseTransport | None = None, token: str = "", shared: bool = False) -> None:
        urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        if not urls:
            raise ValueError("RasaClient needs at least one Rasa URL, got none")
        self.shared = shared
        self._turns = itertools.count()
        self._clients = [httpx.AsyncClient(base_url=url.rstrip("/"), timeout=timeout, transport=transport)
                         for url in urls]
        # Rasa 3.6 takes its --auth-token only as a ``token`` query parameter (an Authorization
        # header means JWT there). Only the HTTP API gets it: the REST webhook needs none.
        self._api_params = {"token": token} if token else {}

    def replica(self, conversation_id: str) -> int:
        return zlib.crc32(conversation_id.encode("utf-8")) % len(self._clients)

    def _client(self, conversation_id: str) -> httpx.AsyncClient:
        return self._clients[self.replica(conversation_id)]

    def _candidates(self, conversation_id: str) -> list[httpx.AsyncClient]:
        """Replicas to try in order: the pinned one alone, or (shared) all of them from the next in turn."""
        if not self.shared:
            return [self._client(conversation_id)]
        first = next(self._turns) % len(self._clients)
        return self._clients[first:] + self._clients[:first]

    async def _post(self, conversation_id: str, path: str, **kwargs: Any) -> httpx.Response:
        """POST to the conversation's replica; with shared trackers, a replica that refuses the
        connection (the request never reached it, so nothing ran twice) passes it to the next."""
        candidates = self._candidates(conversation_id)
        for number, client in enumerate(candidates, start=1):
            try:
                return await client.post(path, **kwargs)
            except httpx.ConnectError:
                if number == len(candidates):
                    raise
        raise AssertionError("unreachable: the last candidate returns or raises")

    async def send(self, conversation_id: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The bot's replies to one user message (REST channel), or BotUnavailable."""
        try:
            response = await self._post(conversation_id, "/webhooks/rest/webhook", json={
                "sender": conversation_id, "message": text, "metadata": metadata or {}})
            response.raise_for_status()
            replies = response.json()
        except (httpx.TimeoutException, httpx.TransportError, httpx.HTTPStatusError, ValueError) as error:
            raise BotUnavailable(f"机器人暂时没有回应（{type(error).__name__}）") from error
        return [reply for reply in replies if isinstance(reply, dict)] if isinstance(replies, list) else []

    async def resume(self, conversation_id: str) -> None:
        """Un-pause the Rasa conversation after a person hands it back."""
        try:
            response = await self._post(conversation_id, f"/conversations/{conversation_id}/tracker/events",
                                               params=self._api_params,
                                               json=[{"event": "resume"}, {"event": "slot", "name": "failed_turns", "value": 0.0}])
            response.raise_for_status()
        except (httpx.TimeoutException, httpx.TransportError, httpx.HTTPStatusError) as error:
            raise BotUnavailable(f"无法恢复机器人对话（{type(error).__name__}）") from error

    async def set_slots(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Append slot events to the conversation's tracker (HTTP API): the bot reads them as slots,
        e.g. a returning enterprise's saved profile (desk/policy/profiles.py)."""
        try:
            response = await self._client(conversation_id).post(f"/conversations/{conversation_id}/tracker/events",
                                                                params=self._api_params, json=events)
            response.raise_for_status()
        except (httpx.TimeoutException, httpx.TransportError, httpx.HTTPStatusError) as error:
            raise BotUnavailable(f"无法把企业信息交给机器人（{type(error).__name__}）") from error

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()
