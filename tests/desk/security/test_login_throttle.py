"""Issue 13 item 5: failed logins are throttled per account and per client; unknown users cost the same."""
from __future__ import annotations

import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient

from desk import auth
from desk.db import Database
from desk.settings import DeskSettings


def attempt(client: TestClient, username: str, password: str) -> Any:
    return client.post("/api/login", json={"username": username, "password": password})


def test_guessing_a_password_locks_the_account_with_retry_after(client: TestClient) -> None:
    answers = [attempt(client, "alice", f"wrong-{n}").status_code for n in range(30)]
    assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}
    refused = attempt(client, "alice", "password-alice")  # the right password comes too late
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "登录失败次数过多" in refused.json()["detail"]
    # Case and spaces do not open a fresh counter, and another account is not locked by it.
    assert attempt(client, " ALICE ", "password-alice").status_code == 429
    assert attempt(client, "bob", "password-bob1").status_code == 200


def test_one_client_guessing_many_accounts_is_throttled(desk_settings: DeskSettings, client: TestClient) -> None:
    answers = [attempt(client, f"user{n}", "wrong-password").status_code for n in range(25)]
    assert answers[:20] == [401] * 20 and set(answers[20:]) == {429}
    assert attempt(client, "bob", "password-bob1").status_code == 429


def test_a_right_password_is_not_slowed_down(client: TestClient) -> None:
    for _ in range(4):
        assert attempt(client, "alice", "wrong-password").status_code == 401
    assert attempt(client, "alice", "password-alice").status_code == 200


@pytest.mark.parametrize("username", ["alice", "nobody-here"])
def test_known_and_unknown_users_cost_one_scrypt_run(client: TestClient, desk_settings: DeskSettings,
                                                     monkeypatch: pytest.MonkeyPatch, username: str) -> None:
    database = Database(desk_settings.database_url)
    # the dummy hash is made once per process, before counting
    with database.session() as session, pytest.raises(auth.NotLoggedIn):
        auth.login(session, "warm-up", "wrong-password", 1)
    runs: list[int] = []
    real_scrypt = hashlib.scrypt

    def counting_scrypt(*args: Any, **kwargs: Any) -> bytes:
        runs.append(kwargs.get("n", 0))
        return real_scrypt(*args, **kwargs)

    monkeypatch.setattr(auth.hashlib, "scrypt", counting_scrypt)
    with database.session() as session, pytest.raises(auth.NotLoggedIn):
        auth.login(session, username, "wrong-password", 1)
    assert runs == [2**14]


def test_login_limits_are_settings() -> None:
    with pytest.raises(Exception, match="DAOFU_LOGIN_RATE_LIMIT"):
        DeskSettings(login_rate_limit="five a minute")
    assert DeskSettings.from_env({"DAOFU_LOGIN_CLIENT_RATE_LIMIT": "3/minute"}).login_client_rate_limit == "3/minute"
