"""Left messages (tickets): unguessable numbers from the demands' generator, a taken number retried
(never a 500), the public lookup needs the contact phone's last 4 digits, is rate-limited per client
and masked; old DF numbers (an e-mail contact: the number alone) still readable."""
from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import desk.tickets
from desk.app import create_app
from desk.db import migrate
from desk.demands.service import TRACKING_CHARS, canonical_tracking_number
from desk.models import Ticket
from desk.settings import DeskSettings
from tests.browser import console_client
from tests.desk.conftest import ScriptedRasa

QUESTION = "营业执照丢了，我的电话13812345678，身份证110101199003071234"


def leave(client: TestClient, question: str = QUESTION) -> str:
    tickets = client.app.state.tickets  # type: ignore[attr-defined]
    return asyncio.run(tickets.leave(None, question, "13812345678"))


def test_numbers_carry_80_random_bits_and_lookups_are_masked(client: TestClient) -> None:
    numbers = {leave(client) for _ in range(20)}
    assert len(numbers) == 20 and all(canonical_tracking_number(n) == n for n in numbers)
    assert 5 * TRACKING_CHARS >= 64
    number = next(iter(numbers))
    # The contact phone's last 4 digits too; wrong or missing digits answer like a wrong number.
    for wrong in ("", "5679", "12345678"):
        refused = client.get(f"/api/tickets/{number}?phone_last4={wrong}")
        assert refused.status_code == 404 and "后四位" in refused.json()["detail"]
    answer = client.get(f"/api/tickets/{number.lower().replace('-', ' ')}?phone_last4=５６７８")  # typed loosely
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "13812345678" not in answer.text and "110101199003071234" not in answer.text
    assert body["question"].startswith("营业执照丢了") and "138" in body["question"]
    assert "contact" not in body


def test_a_taken_number_is_retried(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    first = leave(client)
    drawn = iter([first, first, "ABCD-EFGH-JKMN-PQRS"])
    monkeypatch.setattr(desk.tickets, "new_tracking_number", lambda: next(drawn))
    assert leave(client, "第二条留言") == "ABCD-EFGH-JKMN-PQRS"
    monkeypatch.setattr(desk.tickets, "new_tracking_number", lambda: first)
    tickets = client.app.state.tickets  # type: ignore[attr-defined]
    with pytest.raises(desk.tickets.DeskError, match="稍后重试"):
        asyncio.run(tickets.leave(None, "第三条", ""))


def test_old_numbers_stay_readable(client: TestClient) -> None:
    service = client.app.state.service  # type: ignore[attr-defined]

    def add(session) -> None:  # type: ignore[no-untyped-def]
        session.add(Ticket(tracking_number="DF20261201123456", question="旧留言", contact=""))
    asyncio.run(service.run(add))
    assert client.get("/api/tickets/df20261201123456").json()["question"] == "旧留言"


@pytest.fixture()
def strict(desk_settings: DeskSettings, rasa: ScriptedRasa) -> Iterator[TestClient]:
    settings = dataclasses.replace(desk_settings, demand_rate_limit="1/minute")  # lookups: ten times that
    migrate(settings.database_url)
    with console_client(create_app(settings, rasa=rasa)) as test_client:  # type: ignore[arg-type]
        yield test_client


def test_lookups_are_rate_limited_per_client(strict: TestClient) -> None:
    number = leave(strict)
    answers = [strict.get(f"/api/tickets/{'ABCD-EFGH-JKMN-PQR' + str(i)}").status_code for i in range(9)]
    assert answers == [404] * 9
    assert strict.get(f"/api/tickets/{number}?phone_last4=5678").status_code == 200
    refused = strict.get(f"/api/tickets/{number}?phone_last4=5678")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "稍后" in refused.json()["detail"]
