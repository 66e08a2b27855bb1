"""Who may use each route of the whole desk (issue 13 item 4), generated from the app's own routes.

Every HTTP route, WebSocket route and mount of ``app.routes`` must have a row in ``MATRIX``: a new
route without a rule fails ``test_every_route_has_a_rule``. Each row is then tried by every role (and
anonymously): a role outside the row is refused (401/403, a page redirects away), a role in it gets
past the check. Requests use ids that do not exist and no body, so allowed calls stop at 404/422 and
change nothing. Department rules of demands (a handler of another department) stay in
tests/desk/demands/test_api.py.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import Mount
from starlette.websockets import WebSocketDisconnect

from desk.app import create_app
from desk.db import Database, migrate
from desk.routes import flat_routes
from desk.settings import DeskSettings
from tests.browser import console_client
from tests.desk.conftest import ScriptedRasa
from tests.desk.demands.conftest import MARKET, add_staff

ROLES = ("staff", "editor", "admin", "handler", "supervisor")
ACCOUNTS = ("anonymous", *ROLES)
PUBLIC = frozenset({"anonymous", *ROLES})
LOGGED_IN = frozenset(ROLES)
CHAT = frozenset({"staff", "admin"})
EDITORS = frozenset({"editor", "admin"})
DEMAND_DESK = frozenset({"staff", "supervisor", "admin"})  # 应答: dispatch and close
DEMAND_READERS = frozenset({"staff", "handler", "supervisor", "admin"})
HANDLER = frozenset({"handler"})
SUPERVISORS = frozenset({"supervisor", "admin"})
ADMIN = frozenset({"admin"})
# Routes whose allowed call would do real work even without a body (start a re-index): only the
# refusals are tried here; tests/desk/test_knowledge_api.py runs them as an editor.
REFUSALS_ONLY = frozenset({("POST", "/api/kb/reindex")})

MATRIX: dict[tuple[str, str], frozenset[str]] = {
    # pages and static files
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("GET", "/widget.js"): PUBLIC,
    ("GET", "/console/login"): PUBLIC,
    ("MOUNT", "/console/static"): PUBLIC,
    ("GET", "/console/vendor/chart.umd.js"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/console"): CHAT,
    ("GET", "/console/knowledge"): EDITORS,
    ("GET", "/console/analytics"): EDITORS | {"supervisor"},  # chats' numbers for editors, demand reports for 督办
    ("GET", "/console/demands"): DEMAND_READERS,
    # sign-in
    ("POST", "/api/login"): PUBLIC,
    ("POST", "/api/logout"): PUBLIC,
    ("GET", "/api/me"): LOGGED_IN,
    # the public's tickets (looked up with the tracking number)
    ("GET", "/api/tickets/{tracking_number}"): PUBLIC,
    # live chats, transcripts and tickets
    ("GET", "/api/queue"): CHAT,
    ("POST", "/api/handoffs/{handoff_id}/claim"): CHAT,
    ("GET", "/api/conversations/{conversation_id}"): CHAT,
    ("POST", "/api/conversations/{conversation_id}/reply"): CHAT,
    ("POST", "/api/conversations/{conversation_id}/transfer"): CHAT,
    ("POST", "/api/conversations/{conversation_id}/resolve"): CHAT,
    ("POST", "/api/conversations/{conversation_id}/handback"): CHAT,
    ("GET", "/api/staff"): CHAT,
    ("GET", "/api/tickets"): CHAT,
    ("POST", "/api/tickets/{ticket_id}/answer"): CHAT,
    ("POST", "/api/tickets/{ticket_id}/close"): CHAT,
    ("WS", "/ws/console"): CHAT,
    ("WS", "/ws/widget"): PUBLIC,
    # remote help (desk/remote_help/api.py): staff routes check that the chat is theirs, widget routes
    # the conversation's resume token (tests/desk/remote_help/test_flow.py tries both)
    ("GET", "/api/conversations/{conversation_id}/remote-help"): CHAT,
    ("POST", "/api/conversations/{conversation_id}/remote-help"): CHAT,
    ("GET", "/api/remote-help/{help_id}"): CHAT,
    ("POST", "/api/remote-help/{help_id}/cancel"): CHAT,
    ("POST", "/api/remote-help/{help_id}/entries/{entry_id}/mark"): CHAT,
    ("GET", "/api/remote-help/{help_id}/files/{file_id}"): CHAT,
    ("PUT", "/api/remote-help/{help_id}/draft/{field}"): CHAT,
    ("GET", "/api/remote-help/{help_id}/draft.pdf"): CHAT,
    ("GET", "/api/remote-help/{help_id}/summary.pdf"): CHAT,
    ("GET", "/api/widget/remote-help/{conversation_id}"): PUBLIC,
    ("POST", "/api/widget/remote-help/{conversation_id}/entries/{entry_id}/files"): PUBLIC,
    ("GET", "/api/widget/remote-help/{conversation_id}/files/{file_id}"): PUBLIC,
    ("PUT", "/api/widget/remote-help/{conversation_id}/draft/{field}"): PUBLIC,
    ("GET", "/api/widget/remote-help/{conversation_id}/draft.pdf"): PUBLIC,
    ("GET", "/api/widget/remote-help/{conversation_id}/summary.pdf"): PUBLIC,
    # knowledge: read by everyone signed in (staff insert it into replies), edited by editors
    ("GET", "/api/knowledge/search"): LOGGED_IN,
    ("GET", "/api/kb/records"): EDITORS,
    ("GET", "/api/kb/records/{record_id}"): EDITORS,
    ("PUT", "/api/kb/items/{item_id}"): EDITORS,
    ("PUT", "/api/kb/policies/{policy_id}"): EDITORS,
    ("DELETE", "/api/kb/records/{record_id}"): EDITORS,
    ("POST", "/api/kb/upload"): EDITORS,
    ("POST", "/api/kb/faqs"): EDITORS,
    ("PUT", "/api/kb/faqs/{faq_id}"): EDITORS,
    ("POST", "/api/kb/bundles"): EDITORS,
    ("PUT", "/api/kb/bundles/{bundle_id}"): EDITORS,
    ("GET", "/api/kb/versions"): EDITORS,
    ("POST", "/api/kb/versions/{number}/restore"): EDITORS,
    ("POST", "/api/kb/reindex"): EDITORS,
    ("GET", "/api/kb/jobs/latest"): EDITORS,
    ("POST", "/api/kb/try"): EDITORS,
    ("POST", "/api/kb/publish"): EDITORS,
    ("GET", "/api/kb/gaps"): EDITORS,
    # 惠企政策 (desk/api/policy.py): the measures and the 免申即享 push lists (masked)
    ("GET", "/api/policy/measures"): CHAT | EDITORS,
    ("GET", "/api/policy/measures/{measure_id}/push-list"): CHAT | EDITORS,
    ("GET", "/api/policy/measures/{measure_id}/push-list.csv"): CHAT | EDITORS,
    # ... and the editors' review of the measures (versions, publish, spaCy proposals)
    ("GET", "/api/policy/editor/versions"): EDITORS,
    ("GET", "/api/policy/editor/measures"): EDITORS,
    ("GET", "/api/policy/editor/measures/{measure_id}"): EDITORS,
    ("PUT", "/api/policy/editor/measures/{measure_id}"): EDITORS,
    ("DELETE", "/api/policy/editor/measures/{measure_id}"): EDITORS,
    ("POST", "/api/policy/editor/versions/{number}/publish"): EDITORS,
    ("POST", "/api/policy/editor/versions/{number}/restore"): EDITORS,
    ("GET", "/api/policy/editor/documents/{document_id}/proposals"): EDITORS,
    ("GET", "/api/analytics"): EDITORS,
    ("GET", "/api/analytics/export.csv"): EDITORS,
    # demands (desk/demands/api.py)
    ("POST", "/api/demands"): PUBLIC,
    ("GET", "/api/demands/track/{tracking_number}"): PUBLIC,
    ("POST", "/api/demands/track/{tracking_number}/rating"): PUBLIC,
    ("GET", "/api/demands"): DEMAND_READERS,
    ("GET", "/api/demands/{demand_id}"): DEMAND_READERS,
    ("GET", "/api/demands/{demand_id}/suggestions"): DEMAND_READERS,
    ("POST", "/api/demands/{demand_id}/dispatch"): DEMAND_DESK,
    ("POST", "/api/demands/{demand_id}/accept"): HANDLER,
    ("POST", "/api/demands/{demand_id}/return"): HANDLER,
    ("POST", "/api/demands/{demand_id}/extend"): HANDLER,
    ("POST", "/api/demands/{demand_id}/approve-extension"): SUPERVISORS,
    ("POST", "/api/demands/{demand_id}/reject-extension"): SUPERVISORS,
    ("POST", "/api/demands/{demand_id}/notes"): DEMAND_READERS,
    ("POST", "/api/demands/{demand_id}/reply"): HANDLER,
    ("POST", "/api/demands/{demand_id}/close"): DEMAND_DESK,
    ("POST", "/api/demands/intake"): DEMAND_DESK,
    ("GET", "/api/departments"): LOGGED_IN,
    ("POST", "/api/departments"): ADMIN,
    ("PATCH", "/api/departments/{department_id}"): ADMIN,
    # on-site appointments (desk/appointments/api.py): the contract is anonymous; lists and booking
    # for someone during help are the chat roles'; a location's hours and capacity are the admins'
    ("GET", "/api/appointments/slots"): PUBLIC,
    ("POST", "/api/appointments"): PUBLIC,
    ("GET", "/api/appointments/{confirmation}"): PUBLIC,
    ("DELETE", "/api/appointments/{confirmation}"): PUBLIC,
    ("GET", "/api/appointments/locations"): CHAT,
    ("PATCH", "/api/appointments/locations/{location_id}"): ADMIN,
    ("GET", "/api/appointments/locations/{location_id}/day"): CHAT,
    ("POST", "/api/appointments/staff"): CHAT,
    # canned replies (desk/canned_replies.py); departments are checked in tests/desk/appointments/test_canned_replies.py
    ("GET", "/api/canned-replies"): CHAT,
    ("POST", "/api/canned-replies"): CHAT,
    ("PUT", "/api/canned-replies/{reply_id}"): CHAT,
    ("DELETE", "/api/canned-replies/{reply_id}"): CHAT,
    # demand reports (desk/api/demand_reports.py) and the demand pages' live socket
    ("GET", "/api/demand-reports"): DEMAND_DESK,
    ("GET", "/api/demand-reports/topics"): DEMAND_DESK,
    ("GET", "/api/demand-reports/export.csv"): DEMAND_DESK,
    ("WS", "/ws/demands"): DEMAND_READERS,
}
# Demand routes check the role after reading the body: a well-formed body, so the refusal is the role's.
BODIES: dict[tuple[str, str], dict[str, object]] = {
    ("POST", "/api/demands/{demand_id}/dispatch"): {"department": MARKET},
    ("POST", "/api/demands/{demand_id}/return"): {"reason": "不归本部门"},
    ("POST", "/api/demands/{demand_id}/extend"): {"days": 2, "reason": "待核查"},
    ("POST", "/api/demands/{demand_id}/reject-extension"): {"reason": "无正当理由"},
    ("POST", "/api/demands/{demand_id}/notes"): {"text": "备注"},
    ("POST", "/api/demands/{demand_id}/reply"): {"text": "已办结"},
}
PAGES = {("GET", "/console"), ("GET", "/console/knowledge"), ("GET", "/console/analytics"), ("GET", "/console/demands")}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves: HTTP, WebSocket and mounted folders."""
    found: set[tuple[str, str]] = set()
    for path, route in flat_routes(app.routes):
        if isinstance(route, APIWebSocketRoute):
            found.add(("WS", path))
        elif isinstance(route, Mount):
            found.add(("MOUNT", path))
        elif isinstance(route, APIRoute) or hasattr(route, "methods"):
            found.update((method, path) for method in route.methods or () if method != "HEAD")
        else:
            raise AssertionError(f"a route of an unknown kind: {route!r}")
    return found


class Desk:
    def __init__(self, tmp: Path) -> None:
        settings = DeskSettings(database_url=f"sqlite:///{tmp / 'desk.sqlite3'}", demand_sweep_seconds=0,
                                demand_rate_limit="1000/minute")
        migrate(settings.database_url)
        self.app = create_app(settings, rasa=ScriptedRasa())  # type: ignore[arg-type]
        self.clients = {"anonymous": console_client(self.app)}
        self.clients["anonymous"].__enter__()  # the lifespan seeds the departments
        database = Database(settings.database_url)
        for role in ROLES:
            add_staff(database, role, role, MARKET if role == "handler" else None)
            client = console_client(self.app, follow_redirects=False)
            assert client.post("/api/login", json={"username": role, "password": f"password-{role}"}).status_code == 200
            self.clients[role] = client

    def close(self) -> None:
        self.clients["anonymous"].__exit__(None, None, None)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    made = Desk(tmp_path_factory.mktemp("matrix"))
    yield made
    made.close()


def test_every_route_has_a_rule(desk: Desk) -> None:
    assert app_routes(desk.app) == set(MATRIX)


def _url(path: str) -> str:
    # Ids nobody has: an allowed call stops at 404 (or 422 for its missing body) and changes nothing.
    for name in ("handoff_id", "ticket_id", "demand_id", "department_id", "number", "item_id", "policy_id",
                 "faq_id", "bundle_id", "location_id", "reply_id"):
        path = path.replace("{" + name + "}", "999999")
    for name in ("conversation_id", "record_id", "tracking_number", "confirmation"):
        path = path.replace("{" + name + "}", "no-such-id")
    for name in ("help_id", "entry_id", "file_id"):  # remote help
        path = path.replace("{" + name + "}", "999999")
    return path.replace("{field}", "no-such-field")


@pytest.mark.parametrize("account", ACCOUNTS)
@pytest.mark.parametrize("route", sorted(r for r in MATRIX if r[0] not in ("WS", "MOUNT")),
                         ids=lambda r: f"{r[0]} {r[1]}" if isinstance(r, tuple) else str(r))
def test_http_access(desk: Desk, route: tuple[str, str], account: str) -> None:
    method, path = route
    allowed = account in MATRIX[route]
    if allowed and route in REFUSALS_ONLY:
        return
    # A logout would end the shared clients' sessions: it is tried by a client of its own.
    client = console_client(desk.app) if path == "/api/logout" else desk.clients[account]
    response = client.request(method, _url(path), json=BODIES.get(route), follow_redirects=False)
    if route in PAGES:
        if allowed:
            assert response.status_code == 200, response.text
        elif account == "anonymous":
            assert response.status_code == 303 and response.headers["location"] == "/console/login"
        else:  # another role's page: sent on to its own, or refused
            assert response.status_code in (303, 403), response.text
            assert response.headers.get("location") != path
        return
    if allowed:
        assert response.status_code not in (401, 403), response.text
    else:
        assert response.status_code == (401 if account == "anonymous" else 403), response.text


@pytest.mark.parametrize("account", ACCOUNTS)
@pytest.mark.parametrize(("path", "first"), [("/ws/console", "queue"), ("/ws/demands", "hello")])
def test_console_socket_access(desk: Desk, account: str, path: str, first: str) -> None:
    client = desk.clients[account]
    if account in MATRIX[("WS", path)]:
        with client.websocket_connect(path, headers={"Origin": "http://testserver"}) as socket:
            assert socket.receive_json()["type"] == first
    else:
        with (pytest.raises(WebSocketDisconnect) as refused,
              client.websocket_connect(path, headers={"Origin": "http://testserver"}) as socket):
            socket.receive_json()
        assert refused.value.code == (4401 if account == "anonymous" else 4403)


def test_static_mount_serves_console_assets_to_anyone(desk: Desk) -> None:
    # The login page needs its script and styles before anyone is signed in; no data lives there.
    assert desk.clients["anonymous"].get("/console/static/console.js").status_code == 200
