"""``/ws/console``: the staff console's live queue and events (see desk/PROTOCOL.md)."""
from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlalchemy.orm import Session

from desk import auth
from desk.api.deps import RouterContext
from desk.errors import NotLoggedIn
from desk.models import Staff, utcnow
from desk.security.origins import origin_allowed, parse_origins
from desk.service import CONSOLE_TOPIC, DeskService

LAST_SEEN_EVERY = 30.0


class ConsoleSockets:
    """This process's open console sockets by session token, so a logout closes them at once."""

    def __init__(self) -> None:
        self._open: dict[str, set[WebSocket]] = {}

    def add(self, token: str, socket: WebSocket) -> None:
        self._open.setdefault(token, set()).add(socket)

    def discard(self, token: str, socket: WebSocket) -> None:
        self._open.get(token, set()).discard(socket)

    async def close_all(self, token: str) -> None:
        for socket in list(self._open.pop(token, set())):
            with contextlib.suppress(RuntimeError):  # already closing
                await socket.close(code=4401)


def build_router(context: RouterContext) -> APIRouter:
    router = APIRouter()
    service, hub, consoles = context.service, context.hub, context.consoles
    allowed_origins = parse_origins(context.settings.allowed_origins)

    @router.websocket("/ws/console")
    async def console_socket(websocket: WebSocket) -> None:
        if not origin_allowed(websocket.headers.get("origin"), websocket.headers.get("host"), allowed_origins):
            await websocket.close(code=4403)  # another origin of the same site rides on the staff cookie
            return
        token = websocket.cookies.get(auth.SESSION_COOKIE)
        try:
            staff = await service.run(lambda s: auth.staff_for_token(s, token))
        except NotLoggedIn:
            await websocket.close(code=4401)
            return
        if staff.role not in auth.CHAT_ROLES:
            await websocket.close(code=4403)  # every live chat message goes through this socket
            return
        await websocket.accept()
        consoles.add(token or "", websocket)
        await _touch(service, staff.id)
        await websocket.send_json({"type": "queue", "items": await service.queue_items()})
        if not hub.live:  # other desks' events cannot arrive: the console refreshes periodically
            await websocket.send_json({"type": "live", "ok": False})
        async with hub.subscribe(CONSOLE_TOPIC) as events:
            forward = asyncio.create_task(_forward(events, websocket))
            try:
                while True:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(websocket.receive_text(), timeout=LAST_SEEN_EVERY)
                    try:
                        # An expired session (or one ended on another desk) closes the socket.
                        await service.run(lambda s: auth.staff_for_token(s, token))
                    except NotLoggedIn:
                        await websocket.close(code=4401)
                        break
                    await _touch(service, staff.id)
            except (WebSocketDisconnect, RuntimeError):
                pass
            finally:
                forward.cancel()
                consoles.discard(token or "", websocket)

    return router


async def _forward(events: asyncio.Queue[dict[str, Any]], websocket: WebSocket) -> None:
    while True:
        event = await events.get()
        try:
            await websocket.send_text(json.dumps(event, ensure_ascii=False, default=str))
        except (WebSocketDisconnect, RuntimeError):
            return


async def _touch(service: DeskService, staff_id: int) -> None:
    def work(session: Session) -> None:
        staff = session.get(Staff, staff_id)
        if staff is not None:
            staff.last_seen = utcnow()
    await service.run(work)
