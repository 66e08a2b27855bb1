"""Rasa's standard ``socketio`` channel, made to work on Python 3.11 for third-party web-chat widgets.

Loaded from credentials.yml as ``bot.socketio_channel.SocketIOInput``; it keeps the channel name
``socketio`` and the path ``/socket.io``. Four changes to Rasa 3.6's channel:

1. Sanic 21.12 (the only Sanic Rasa 3.6 accepts) hands bare coroutines to ``asyncio.wait`` in its
   websocket code, which Python 3.11 refuses (sanic-org/sanic#2377), so the websocket upgrade
   fails. Sanic's websocket module gets an ``asyncio`` whose ``wait`` wraps them in tasks first.
2. ``sio.enter_room`` is a coroutine since python-socketio 5.10 and Rasa does not await it, so with
   ``session_persistence: true`` replies reach nobody (RasaHQ/rasa#13027). The session handler is
   registered again, awaiting it.
3. Widgets such as rasa-webchat send an empty message when opened; it is ignored instead of being
   classified as some intent.
4. Rasa's ``SocketIOOutput.send_custom_json`` passes the payload's keys as keyword arguments to
   ``emit`` (``TypeError: ... unexpected keyword argument 'item_card'``), after the text went out
   and before Rasa saves the turn, so every answered turn was lost. ``SocketIOOutput`` here emits
   ``{"custom": payload}`` on the bot message event instead, right after the text of the same
   response: the same two messages Rasa's REST channel returns. Text and custom are not merged
   into one event on purpose: rasa-webchat shows a message as text only when ``text`` is its one
   key (or ``text`` with ``quick_replies``) and hands any other shape to the page's custom
   component, so a merged event would hide the text in a widget without one.
"""
from __future__ import annotations

import asyncio
import inspect
import json
import logging
import types
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput as RasaSocketIOOutput
from sanic import Blueprint

logger = logging.getLogger(__name__)


def _tasks_for_sanic_websockets() -> None:
    from sanic.server.websockets import impl

    if getattr(impl.asyncio, "daofu_wraps_coroutines", False):
        return

    async def wait(awaitables: Any, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.wait([asyncio.ensure_future(a) for a in awaitables], *args, **kwargs)

    patched = types.ModuleType("asyncio")
    patched.__dict__.update(asyncio.__dict__)
    patched.wait = wait  # type: ignore[attr-defined]  # a module object takes new attributes
    patched.daofu_wraps_coroutines = True  # type: ignore[attr-defined]  # likewise
    impl.asyncio = patched  # only Sanic's websocket module sees this


_tasks_for_sanic_websockets()


class SocketIOOutput(RasaSocketIOOutput):
    """Rasa's socket.io output with custom payloads sent as ``{"custom": payload}``.

    Texts (split at blank lines, as Rasa does) and buttons (``quick_replies`` on the last text part)
    stay Rasa's own, so the events a widget receives for one response are, in order:
    ``{"text": ...}`` or ``{"text": ..., "quick_replies": [...]}``, then ``{"custom": {...}}``.
    """

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


class SocketIOInput(RasaSocketIOInput):
    """Rasa's SocketIOInput with its output fixed, the session handler fixed and empty messages ignored."""

    def get_output_channel(self) -> OutputChannel | None:
        # Rasa's version builds its own SocketIOOutput; used for messages triggered from outside
        # (reminders, external events), which must not lose their custom payloads either.
        if self.sio is None:
            return super().get_output_channel()
        return SocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: dict | None) -> None:
            data = data if isinstance(data, dict) else {}
            if not data.get("session_id"):
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                joined = sio.enter_room(sid, data["session_id"])
                if inspect.isawaitable(joined):
                    await joined
            await sio.emit("session_confirm", data["session_id"], room=sid)

        # Registered anew rather than wrapped: Rasa's handler creates Rasa's SocketIOOutput itself.
        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: dict) -> None:
            if not isinstance(data, dict) or not str(data.get("message") or "").strip():
                return  # the empty message widgets send on opening
            if self.session_persistence:
                if not data.get("session_id"):
                    logger.warning("socket.io message without a session_id ignored: the client must send "
                                   "`session_request` first and put the confirmed id in every message")
                    return
                sender_id = str(data["session_id"])
            else:
                sender_id = sid
            message = UserMessage(str(data["message"]), SocketIOOutput(sio, self.bot_message_evt), sender_id,
                                  input_channel=self.name(), metadata=_metadata(data.get(self.metadata_key)))
            await on_new_message(message)

        return blueprint


def _metadata(value: Any) -> dict[str, Any]:
    """The message's metadata: a dict, or a JSON object in a string (as some widgets send it)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            logger.warning("socket.io message metadata is not JSON; ignored")
            return {}
    return value if isinstance(value, dict) else {}
