"""Response headers on every HTTP answer of the desk, and the gate in front of upload bodies.

Both are plain ASGI middlewares (no body buffering, WebSockets pass untouched).
"""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any

from desk.errors import DeskError

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

# Consoles and the API: nothing inline, nothing from elsewhere, never inside another site's frame.
CONSOLE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                  "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                  "form-action 'self'; frame-ancestors 'none'")
# Paths any site may embed or load: the widget script and the demo page that shows how.
EMBEDDABLE = ("/widget.js", "/")
COMMON = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"))


def policy_headers(path: str) -> list[tuple[bytes, bytes]]:
    headers = list(COMMON)
    if path not in EMBEDDABLE:
        headers += [(b"content-security-policy", CONSOLE_POLICY.encode()), (b"x-frame-options", b"DENY")]
    return headers


class SecurityHeaders:
    """Adds nosniff, Referrer-Policy and (outside the embeddable paths) the console CSP."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = policy_headers(scope.get("path", ""))

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class UploadGate:
    """Refuses an upload before its body is read: 411 without a length, 413 when the declared length
    is over the limit, 401/403 (from ``authorize``) when the sender may not upload."""

    def __init__(self, app: App, paths: tuple[str, ...], max_bytes: Callable[[], int],
                 authorize: Callable[[str | None], Awaitable[None]], cookie: str) -> None:
        self.app = app
        self.paths = paths
        self.max_bytes = max_bytes
        self.authorize = authorize
        self.cookie = cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or scope.get("path") not in self.paths:
            await self.app(scope, receive, send)
            return
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope.get("headers", [])}
        token = _cookie(headers.get("cookie", ""), self.cookie)
        try:
            await self.authorize(token)
        except DeskError as error:
            await _answer(send, error.status, str(error))
            return
        declared = headers.get("content-length", "")
        if not declared.isdigit():
            await _answer(send, 411, "上传请求缺少 Content-Length，请用控制台或带长度的请求上传")
            return
        # Multipart framing adds a little to the file itself.
        limit = self.max_bytes() + 64 * 1024
        if int(declared) > limit:
            await _answer(send, 413, f"文件太大：请求 {int(declared) / 1e6:.1f} MB，上限 {self.max_bytes() / 1e6:.0f} MB")
            return
        await self.app(scope, receive, send)


def _cookie(header: str, name: str) -> str | None:
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(header)
    except Exception:  # http.cookies raises CookieError on odd input: no session then
        return None
    morsel = cookies.get(name)
    return morsel.value if morsel else None


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    # Closing the connection means the client's unread body is never taken in.
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close"),
                            *policy_headers("/api")]})
    await send({"type": "http.response.body", "body": body})
