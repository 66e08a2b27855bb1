"""The widget runs on other sites' pages: every HTTP call it makes passes the browser's CORS checks
(desk/security/widget_cors.py), and no staff route gets a CORS answer."""
from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from desk.security.widget_cors import WidgetCors, widget_call

SITE = {"Origin": "https://portal.example.gov.cn"}


def answer(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


@pytest.fixture()
def client() -> TestClient:
    methods = ["GET", "POST", "PUT", "DELETE"]
    app = Starlette(routes=[Route("/{path:path}", answer, methods=methods)])
    return TestClient(WidgetCors(app))


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/api/demands"), ("GET", "/api/demands/track/7K2M-9QXP-4RTW-8HNB"),
    ("POST", "/api/demands/track/7K2M-9QXP-4RTW-8HNB/rating"), ("GET", "/api/tickets/ABCD-EFGH"),
    ("GET", "/api/appointments/slots"), ("POST", "/api/appointments"),
    ("GET", "/api/appointments/7K2M-9QXP-4RTW-8HNB"), ("DELETE", "/api/appointments/7K2M-9QXP-4RTW-8HNB"),
    ("GET", "/api/widget/remote-help/c1"), ("GET", "/api/widget/remote-help/c1/files/f1"),
    ("GET", "/api/widget/remote-help/c1/draft.pdf"), ("GET", "/api/widget/remote-help/c1/summary.pdf"),
    ("POST", "/api/widget/remote-help/c1/entries/e1/files"), ("PUT", "/api/widget/remote-help/c1/draft/applicant"),
])
def test_every_widget_call_passes_the_preflight_and_is_readable(client: TestClient, method: str, path: str) -> None:
    preflight = client.options(path, headers={**SITE, "Access-Control-Request-Method": method,
                                              "Access-Control-Request-Headers": "content-type, x-daofu-resume-token"})
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == "*"
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "x-daofu-resume-token" in allowed and "x-file-name" in allowed
    done = client.request(method, path, headers=SITE)
    assert done.status_code == 200 and done.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/demands"), ("POST", "/api/demands/intake"), ("GET", "/api/tickets"),
    ("GET", "/api/appointments/locations"), ("POST", "/api/appointments/staff"),
    ("GET", "/api/remote-help/h1"), ("PUT", "/api/remote-help/h1/draft/applicant"),
    ("GET", "/api/conversations/c1/remote-help"), ("POST", "/api/appointments/7K2M"),
])
def test_staff_routes_get_no_cors_answer(client: TestClient, method: str, path: str) -> None:
    assert not widget_call(method, path)
    preflight = client.options(path, headers={**SITE, "Access-Control-Request-Method": method})
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in client.request(method, path, headers=SITE).headers
