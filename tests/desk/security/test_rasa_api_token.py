"""Rasa's HTTP API (trackers, model) refuses callers without the token; the REST webhook the
desk relays to and the desk's own API calls (resume after a hand-back) still work."""
from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from desk.rasa_client import BotUnavailable, RasaClient
from tests.stack import Stack, rasa_api

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(bot_stack: Stack) -> Stack:
    return bot_stack


def status_of(request: urllib.request.Request | str) -> int:
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_tracker_and_model_routes_refuse_without_the_token(stack: Stack) -> None:
    say = urllib.request.Request(f"{stack.rasa_url}/webhooks/rest/webhook", method="POST",
                                 data=json.dumps({"sender": "token-1", "message": "你好"}).encode("utf-8"),
                                 headers={"Content-Type": "application/json"})
    assert status_of(say) == 200  # the REST channel needs no token
    tracker = f"{stack.rasa_url}/conversations/token-1/tracker"
    assert status_of(tracker) == 401
    assert status_of(f"{tracker}?token=wrong") == 401
    assert status_of(f"{stack.rasa_url}/status") == 401
    replace_model = urllib.request.Request(f"{stack.rasa_url}/model", method="PUT",
                                           data=json.dumps({"model_file": str(Path("/nonexistent.tar.gz"))}).encode(),
                                           headers={"Content-Type": "application/json"})
    assert status_of(replace_model) == 401
    events = urllib.request.Request(f"{tracker}/events", method="POST", data=b'[{"event": "pause"}]',
                                    headers={"Content-Type": "application/json"})
    assert status_of(events) == 401
    with urllib.request.urlopen(rasa_api(stack.rasa_url, "/conversations/token-1/tracker"), timeout=10) as response:
        assert any(event.get("event") == "user" for event in json.loads(response.read())["events"])
    assert status_of(rasa_api(stack.rasa_url, "/status")) == 200


def test_no_cross_origin_grant(stack: Stack) -> None:
    request = urllib.request.Request(f"{stack.rasa_url}/webhooks/rest/webhook", method="OPTIONS",
                                     headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            allowed = response.headers.get("Access-Control-Allow-Origin")
    except urllib.error.HTTPError as error:
        allowed = error.headers.get("Access-Control-Allow-Origin")
    assert allowed is None


def test_the_desk_client_resumes_with_the_token_only(stack: Stack) -> None:
    async def resume(token: str) -> None:
        client = RasaClient(stack.rasa_url, timeout=30, token=token)
        try:
            await client.resume("token-2")
        finally:
            await client.close()
    asyncio.run(resume(stack.rasa_token))
    with pytest.raises(BotUnavailable):
        asyncio.run(resume(""))
