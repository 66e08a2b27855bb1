"""CORS for the widget's own HTTP calls (issue 12): the widget runs on other sites' pages and files,
tracks and rates demands with fetch(); a browser lets it read the answers (the 201, the 422's
problems) only with ``Access-Control-Allow-Origin``, and sends a JSON POST only after a preflight.

Only the anonymous calls the widget makes get it (demands, ticket look-up, appointments, remote
help), with ``*`` and no credentials: they carry no staff session (a browser never sends cookies with a ``*`` answer), so another site gains nothing
it could not get by calling them itself. Every other route stays same-origin (SameOriginWrites).
"""
from __future__ import annotations

import re

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# (method, path) the widget calls: demands (widget/demand.js), the left message's ticket look-up
# (widget/main.js), appointments (widget/appointment.js) and remote help (widget/remote_help.js,
# which proves itself with the conversation's resume token in a header, never a cookie).
_APPOINTMENT = re.compile(r"^/api/appointments/(?!locations$|staff$|slots$)[^/]+$")
_REMOTE_HELP = r"^/api/widget/remote-help/[^/]+"
WIDGET_CALLS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("POST", re.compile(r"^/api/demands$")),
    ("GET", re.compile(r"^/api/demands/track/[^/]+$")),
    ("POST", re.compile(r"^/api/demands/track/[^/]+/rating$")),
    ("GET", re.compile(r"^/api/tickets/[^/]+$")),
    ("GET", re.compile(r"^/api/appointments/slots$")),
    ("POST", re.compile(r"^/api/appointments$")),
    ("GET", _APPOINTMENT),
    ("DELETE", _APPOINTMENT),
    ("GET", re.compile(_REMOTE_HELP + r"(/files/[^/]+|/draft\.pdf|/summary\.pdf)?$")),
    ("POST", re.compile(_REMOTE_HELP + r"/entries/[^/]+/files$")),
    ("PUT", re.compile(_REMOTE_HELP + r"/draft/[^/]+$")),
)
ALLOWED_HEADERS = "Content-Type, Accept, X-Daofu-Resume-Token, X-File-Name"
PREFLIGHT_MAX_AGE = "600"


def widget_call(method: str, path: str) -> bool:
    return any(method == allowed and pattern.match(path) for allowed, pattern in WIDGET_CALLS)


class WidgetCors:
    """ASGI middleware: answers the preflight of a widget call, and adds the CORS header to its answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope.get("path", ""), scope["method"]
        if method == "OPTIONS":
            requested = Headers(scope=scope).get("access-control-request-method", "").upper()
            if requested and widget_call(requested, path):
                await Response(status_code=204, headers={
                    "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": requested,
                    "Access-Control-Allow-Headers": ALLOWED_HEADERS, "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
                })(scope, receive, send)
                return
        if not widget_call(method, path):
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(name, value) for name, value in message.get("headers", [])
                           if name.lower() != b"access-control-allow-origin"]
                message["headers"] = [*headers, (b"access-control-allow-origin", b"*")]
            await send(message)

        await self.app(scope, receive, send_with_cors)
