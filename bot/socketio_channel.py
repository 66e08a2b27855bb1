"""Rasa's standard ``socketio`` channel, made to work on Python 3.11 for third-party web-chat widgets.

Loaded from credentials.yml as ``bot.socketio_channel.SocketIOInput``; it keeps the channel name
``socketio`` and the path ``/socket.io``. Three changes to Rasa 3.6's channel:

1. Sanic 21.12 (the only Sanic Rasa 3.6 accepts) hands bare coroutines to ``asyncio.wait`` in its
   websocket code, which Python 3.11 refuses (sanic-org/sanic#2377), so the websocket upgrade
   fails. Sanic's websocket module gets an ``asyncio`` whose ``wait`` wraps them in tasks first.
2. ``sio.enter_room`` is a coroutine since python-socketio 5.10 and Rasa does not await it, so with
   ``session_persistence: true`` replies reach nobody (RasaHQ/rasa#13027). The session handler is
   registered again, awaiting it.
3. Widgets such as rasa-webchat send an empty message when opened; it is ignored instead of being
   classified as some intent.
"""
from __future__ import annotations

import asyncio
import inspect
import sys
import types
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint


def _tasks_for_sanic_websockets() -> None:
    if sys.version_info < (3, 11):
        return
    from sanic.server.websockets import impl

    if getattr(impl.asyncio, "daofu_wraps_coroutines", False):
        return

    async def wait(awaitables: Any, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.wait([asyncio.ensure_future(a) for a in awaitables], *args, **kwargs)

    patched = types.ModuleType("asyncio")
    patched.__dict__.update(asyncio.__dict__)
    patched.wait = wait  # type: ignore[attr-defined]
    patched.daofu_wraps_coroutines = True  # type: ignore[attr-defined]
    impl.asyncio = patched  # only Sanic's websocket module sees this


_tasks_for_sanic_websockets()


class SocketIOInput(RasaSocketIOInput):
    """Rasa's SocketIOInput with the session handler fixed and empty messages ignored."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        original_handler = sio.handlers[self.namespace or "/"][self.user_message_evt]

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            data = data or {}
            if not data.get("session_id"):
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                joined = sio.enter_room(sid, data["session_id"])
                if inspect.isawaitable(joined):
                    await joined
            await sio.emit("session_confirm", data["session_id"], room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Dict) -> None:
            if not isinstance(data, dict) or not str(data.get("message") or "").strip():
                return  # the empty message widgets send on opening
            await original_handler(sid, data)

        return blueprint
