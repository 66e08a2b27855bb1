"""Issue 13 item 6: a state-changing request must come from the desk's own pages (Sec-Fetch-Site:
same-origin, or an allowed Origin); another origin of the same site, or a client that says nothing,
is refused before the route runs. Routes the embeddable widget calls from any site are marked."""
from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from desk.app import create_app
from desk.db import migrate
from desk.security.origins import REFUSED, state_changing_routes, write_allowed
from desk.settings import DeskSettings
from tests.desk.conftest import login
from tests.fakes import ScriptedRasa

WIDGET_WRITES = {("POST", "/api/demands"), ("POST", "/api/demands/track/{tracking_number}/rating"),
                 ("POST", "/api/appointments"), ("DELETE", "/api/appointments/{confirmation}")}

# remote help: the widget attaches files and edits the shared draft (desk/remote_help/api.py)
WIDGET_WRITES |= {("POST", "/api/widget/remote-help/{conversation_id}/entries/{entry_id}/files"),
                  ("PUT", "/api/widget/remote-help/{conversation_id}/draft/{field}")}


def _writes(app: Any) -> list[tuple[str, str, bool]]:
    return [(method, route.path, route.cross_origin)
            for route in state_changing_routes(app.routes) for method in sorted(route.methods)]


def _concrete(path: str) -> str:
    return path.replace("{", "").replace("}", "")  # any value: the guard answers before routing


def test_every_write_but_the_widgets_refuses_other_origins(client: TestClient) -> None:
    writes = _writes(client.app)
    assert {(m, p) for m, p, open_ in writes if open_} == WIDGET_WRITES
    login(client, "admin")  # a staff cookie does not help another origin
    bare = TestClient(client.app, cookies=client.cookies)
    for method, path, open_ in writes:
        url = _concrete(path)
        for headers in ({}, {"Origin": "http://other.example"}, {"Origin": "http://testserver:8443"},
                        {"Sec-Fetch-Site": "same-site"}, {"Sec-Fetch-Site": "cross-site", "Origin": "null"}):
            answer = bare.request(method, url, headers=headers, json={})
            refused = answer.status_code == 403 and answer.json().get("detail") == REFUSED
            assert refused != open_, (method, path, headers, answer.status_code, answer.text[:200])


def test_own_pages_pass_the_guard(client: TestClient) -> None:
    login(client, "admin")
    bare = TestClient(client.app, cookies=client.cookies)
    for headers in ({"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://testserver"}):
        answer = bare.post("/api/handoffs/999999/claim", headers=headers)
        assert answer.status_code == 404, answer.text  # reached the route: no such hand-off


def test_listed_origins_may_write(desk_settings: DeskSettings) -> None:
    settings = DeskSettings(**{**desk_settings.__dict__, "allowed_origins": "https://console.example.gov.cn"})
    migrate(settings.database_url)
    with TestClient(create_app(settings, rasa=ScriptedRasa())) as client:  # type: ignore[arg-type]
        listed = client.post("/api/login", json={"username": "nobody", "password": "x" * 12},
                             headers={"Origin": "https://console.example.gov.cn"})
        assert listed.status_code == 401  # reached the route: wrong password
        other = client.post("/api/login", json={"username": "nobody", "password": "x" * 12},
                            headers={"Origin": "https://evil.example.gov.cn"})
        assert other.status_code == 403 and other.json()["detail"] == REFUSED


def test_write_allowed_rules() -> None:
    own = frozenset()
    assert write_allowed(None, "same-origin", "desk.local", own)
    assert write_allowed("http://desk.local", None, "desk.local", own)
    assert not write_allowed(None, None, "desk.local", own)
    assert not write_allowed("http://desk.local:8001", "same-site", "desk.local", own)
    assert not write_allowed("null", "cross-site", "desk.local", own)
