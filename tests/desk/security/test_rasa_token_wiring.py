"""The launcher runs Rasa with an API token and no CORS grant, and hands the same token to the
desk and to its own API calls; the desk's client sends it on API calls only."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from desk.rasa_client import RasaClient
from launcher import rasa_model
from launcher.processes import services
from launcher.settings import ServiceSettings


def test_launcher_gives_rasa_and_the_desk_one_token(tmp_path: Path) -> None:
    model = tmp_path / "models" / "daofu.tar.gz"
    model.parent.mkdir()
    model.write_bytes(b"")
    found = {service.name: service for service in services(ServiceSettings(rasa_model=model, rasa_replicas=2), {})}
    first, second = found["rasa"], found["rasa-2"]
    # One argument "--auth-token=…": a token that begins with "-" must not read as an option.
    token = next(arg for arg in first.command if arg.startswith("--auth-token=")).split("=", 1)[1]
    assert len(token) >= 32 and "--cors" not in first.command
    assert f"--auth-token={token}" in second.command
    assert first.api_token == token and token not in first.health_url
    if "desk" in found:
        assert found["desk"].environment["DAOFU_RASA_TOKEN"] == token
    # Another start makes another token; a configured one is used as it is.
    again = services(ServiceSettings(rasa_model=model, rasa_replicas=1), {})[1]
    assert again.api_token != token
    fixed = rasa_model.with_api_token(ServiceSettings(rasa_model=model, rasa_token="s3cret-token"))
    assert fixed.rasa_token == "s3cret-token"
    assert rasa_model.api_url("http://h:1", "/model", "a b") == "http://h:1/model?token=a+b"


def test_desk_client_sends_the_token_to_the_api_not_the_webhook() -> None:
    seen: list[httpx.URL] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        body = json.loads(request.content)
        return httpx.Response(200, json=[{"text": "好的"}] if isinstance(body, dict) else {})

    async def talk() -> None:
        client = RasaClient("http://127.0.0.1:5005", timeout=5, transport=httpx.MockTransport(handle), token="t0k")
        await client.send("c1", "你好")
        await client.resume("c1")
        await client.close()
    asyncio.run(talk())
    webhook, api = seen
    assert "token" not in webhook.params and webhook.path == "/webhooks/rest/webhook"
    assert api.params["token"] == "t0k" and api.path == "/conversations/c1/tracker/events"
