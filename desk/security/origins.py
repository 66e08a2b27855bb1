"""Which browser origins may open the staff console socket and change state (issue 13 item 6).

SameSite cookies stop other sites, not another origin of the same site (another port or subdomain),
so the console socket also checks the Origin header a browser always sends on a WebSocket handshake.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from desk.routes import flat_routes


def parse_origins(value: str) -> frozenset[str]:
    """``DAOFU_ALLOWED_ORIGINS``: comma-separated ``scheme://host[:port]``; empty: the desk's own only."""
    return frozenset(_normalise(part) for part in value.split(",") if part.strip())


def origin_allowed(origin: str | None, host: str | None, allowed: frozenset[str]) -> bool:
    """An Origin is allowed when it is the desk's own (same host and port as the request's Host
    header) or listed; a handshake without Origin (no browser sent it) is refused."""
    if not origin or origin == "null":
        return False
    normalised = _normalise(origin)
    if normalised in allowed:
        return True
    parts = urlsplit(normalised)
    return bool(host and parts.scheme in ("http", "https") and parts.netloc == host.strip().lower())


def _normalise(origin: str) -> str:
    parts = urlsplit(origin.strip().lower())
    netloc = parts.netloc
    # Browsers leave the default port out; a configured value may spell it.
    if (parts.scheme, parts.port) in (("http", 80), ("https", 443)):
        netloc = parts.hostname or netloc
    return f"{parts.scheme}://{netloc}"


# Routes a page on any site may call (the embeddable widget files and rates demands): they carry no
# staff session, so another origin gains nothing by calling them. A route declares it with
# ``openapi_extra=CROSS_ORIGIN_WRITES``; every other state-changing request must come from the desk's
# own pages.
CROSS_ORIGIN_WRITES: dict[str, Any] = {"x-daofu-cross-origin": True}
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REFUSED = "请求来源未获允许：请在本站的控制台页面中操作（其他来源或缺少来源信息的请求已拒绝）。"


def write_allowed(origin: str | None, fetch_site: str | None, host: str | None, allowed: frozenset[str]) -> bool:
    """A state-changing request is the desk's own when the browser says so (``Sec-Fetch-Site:
    same-origin``) or its Origin is allowed; a client that sends neither is refused (issue 13 item 6:
    SameSite cookies do not stop another origin of the same site)."""
    if fetch_site is not None and fetch_site.strip().lower() == "same-origin":
        return True
    return origin_allowed(origin, host, allowed)


class SameOriginWrites:
    """ASGI middleware: refuses (403) a state-changing request from another origin, unless its
    route is marked with CROSS_ORIGIN_WRITES; reads (GET/HEAD/OPTIONS) and WebSockets pass."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed
        self._open_routes: list[tuple[frozenset[str], Any]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in STATE_CHANGING or self._is_open(scope):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if write_allowed(headers.get("origin"), headers.get("sec-fetch-site"), headers.get("host"), self.allowed):
            await self.app(scope, receive, send)
            return
        await JSONResponse({"detail": REFUSED}, status_code=403)(scope, receive, send)

    def _is_open(self, scope: Scope) -> bool:
        if self._open_routes is None:  # the app's routes are complete once it serves
            self._open_routes = [(route.methods, compile_path(route.path)[0])
                                 for route in state_changing_routes(getattr(scope.get("app"), "routes", []))
                                 if route.cross_origin]
        return any(scope["method"] in methods and regex.match(scope["path"]) for methods, regex in self._open_routes)


@dataclass(frozen=True)
class WriteRoute:
    path: str
    methods: frozenset[str]  # its state-changing methods
    cross_origin: bool  # marked with CROSS_ORIGIN_WRITES


def state_changing_routes(routes: Iterable[Any]) -> list[WriteRoute]:
    """Every route with a state-changing method (desk.routes.flat_routes walks included routers)."""
    found: list[WriteRoute] = []
    for path, route in flat_routes(routes):
        methods = frozenset(getattr(route, "methods", None) or ()) & STATE_CHANGING
        if methods:
            marked = bool((getattr(route, "openapi_extra", None) or {}).get("x-daofu-cross-origin"))
            found.append(WriteRoute(path, methods, marked))
    return found
