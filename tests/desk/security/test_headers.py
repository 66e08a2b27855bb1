"""Issue 13 item 11: security headers, the Secure session cookie, no inline code in the consoles."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from desk.app import create_app
from desk.auth import create_staff
from desk.db import Database, migrate
from desk.settings import DeskSettings
from tests.browser import console_client
from tests.desk.conftest import ScriptedRasa, login

CONSOLE_DIR = Path(__file__).resolve().parents[3] / "desk" / "static" / "console"


def csp(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    policy = response.headers.get("content-security-policy", "")
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/console/login", "/console", "/console/knowledge", "/console/analytics",
                                  "/console/demands"])
def test_console_pages_forbid_inline_code_and_framing(client: TestClient, path: str) -> None:
    login(client, "admin")
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    policy = csp(response)
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["script-src"] == "script-src 'self'" and policy["style-src"] == "style-src 'self'"
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/api/me", "/api/queue", "/healthz", "/console/static/console.js", "/nowhere"])
def test_api_and_static_answers_carry_the_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert csp(response)["frame-ancestors"] == "frame-ancestors 'none'"


@pytest.mark.parametrize("path", ["/widget.js", "/"])
def test_the_widget_stays_embeddable(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "frame-ancestors" not in response.headers.get("content-security-policy", "")
    assert "x-frame-options" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


class InlineFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        self.found += [f"{tag} {name}=" for name in names if name.startswith("on") or name == "style"]
        self.found += [f"{tag} {name}=javascript:" for name, value in attrs
                       if value and value.strip().lower().startswith("javascript:")]


@pytest.mark.parametrize("page", sorted(p.name for p in CONSOLE_DIR.glob("*.html")))
def test_console_html_has_nothing_the_policy_would_block(page: str) -> None:
    finder = InlineFinder()
    finder.feed((CONSOLE_DIR / page).read_text(encoding="utf-8"))
    assert finder.found == []


def make_client(desk_settings: DeskSettings, secure: bool) -> TestClient:
    settings = DeskSettings(**{**desk_settings.__dict__, "cookie_secure": secure})
    migrate(settings.database_url)
    app = create_app(settings, rasa=ScriptedRasa())  # type: ignore[arg-type]
    with Database(settings.database_url).session() as session:
        create_staff(session, f"user{int(secure)}", "password-long", "staff")
    return console_client(app)


@pytest.mark.parametrize("secure", [True, False])
def test_session_cookie_is_secure_when_the_setting_says_so(desk_settings: DeskSettings, secure: bool) -> None:
    with make_client(desk_settings, secure) as client:
        response = client.post("/api/login", json={"username": f"user{int(secure)}", "password": "password-long"})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert ("; secure" in cookie) is secure
