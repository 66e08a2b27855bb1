"""``/ws/widget``: the public widget's WebSocket, one ``WidgetConnection`` per socket (see desk/PROTOCOL.md)."""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlalchemy.orm import Session

from daofu_protocol import CATALOG_NAME, LEAVE_MESSAGE_PREFIX, HandoffReason
from desk.api.deps import RouterContext
from desk.api.errors import STORE_UNAVAILABLE_TEXT, STORE_UNREACHABLE
from desk.demands.intake import DemandIntake
from desk.demands.service import DemandService, normalize_phone
from desk.errors import BadFrame, DeskError
from desk.models import Message
from desk.policy.visits import welcome_back
from desk.queue_states import ConversationStatus
from desk.security.widget_guard import StaffAvailable, WidgetGuard
from desk.service import DeskService, Opening, conversation_topic
from desk.settings import DeskSettings
from desk.tickets import TicketService

logger = logging.getLogger(__name__)
MAX_FRAME_BYTES = 64 * 1024
MAX_FRAME_DEPTH = 16
CLIENT_ID_MAX = 64


def build_router(context: RouterContext) -> APIRouter:
    router = APIRouter()
    service, settings = context.service, context.settings
    widget_guard = WidgetGuard(settings)
    intake = DemandIntake(service, DemandService(settings))  # a left message becomes a 咨询 demand
    background: set[asyncio.Task[Any]] = set()

    def spawn(coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        background.add(task)
        task.add_done_callback(background.discard)
        task.add_done_callback(_log_failure)

    @router.websocket("/ws/widget")
    async def widget_socket(websocket: WebSocket) -> None:
        await websocket.accept()
        client = websocket.client.host if websocket.client else "unknown"
        try:
            key = widget_guard.connect(client)
        except DeskError as error:
            await websocket.send_text(json.dumps({"type": "error", "code": error.code, "message": str(error)},
                                                 ensure_ascii=False))
            await websocket.close(code=1013)  # try again later
            return
        connection = WidgetConnection(websocket, service, context.tickets, settings, spawn, widget_guard, client, key,
                                      intake)
        try:
            await connection.serve()
        finally:
            connection.close()
            widget_guard.disconnect(client)

    return router


class WidgetConnection:
    """One widget's WebSocket: frames in, frames out, a subscription to its conversation."""

    def __init__(self, websocket: WebSocket, service: DeskService, tickets: TicketService, settings: DeskSettings,
                 spawn: Any, guard: WidgetGuard, client: str, key: str, intake: DemandIntake | None = None) -> None:
        self.websocket = websocket
        self.intake = intake or DemandIntake(service, DemandService(settings))
        self.guard, self.client, self.key = guard, client, key
        self.service = service
        self.tickets = tickets
        self.settings = settings
        self.spawn = spawn
        self.conversation_id: str | None = None
        # Set while this connection's new conversation has no row yet: its first message makes it.
        self._opening: Opening | None = None
        self._send_lock = asyncio.Lock()
        self._forward: asyncio.Task[None] | None = None
        self._subscription: Any = None

    async def send(self, frame: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.websocket.send_text(json.dumps(frame, ensure_ascii=False, default=str))

    async def serve(self) -> None:
        while True:
            try:
                raw = await self.websocket.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if raw.get("type") == "websocket.disconnect":
                return
            frame: dict[str, Any] = {}
            try:
                frame = self._parse(raw)
                self.guard.frame(frame["type"], self.client, self.key)
                await self.handle(frame)
            except DeskError as error:
                refused = frame.get("client_id")
                # Naming the refused message lets the widget stop re-sending it.
                await self.send({"type": "error", "code": error.code, "message": str(error),
                                 **({"client_id": refused} if isinstance(refused, str) else {})})
            except WebSocketDisconnect:
                return
            except STORE_UNREACHABLE as error:
                # Nothing was stored, so nothing is acknowledged. Closing ("try again later") makes
                # the widget reconnect with backoff and re-send what is pending once the store is back.
                logger.warning("store unreachable, widget asked to reconnect: %s", error)
                await self.send({"type": "error", "code": "store_unavailable", "message": STORE_UNAVAILABLE_TEXT})
                await self.websocket.close(code=1013)
                return
            except Exception:  # the socket's boundary: one bad frame must not drop the conversation
                logger.exception("widget frame failed")
                await self.send({"type": "error", "code": "internal", "message": "处理这条消息时出错，请稍后重试"})

    def _parse(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        if raw.get("text") is None:
            raise BadFrame("只接受文本（JSON）消息")
        text = raw["text"]
        if len(text.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
            raise BadFrame(f"消息太大（超过 {MAX_FRAME_BYTES // 1024} KB）")
        try:
            frame = json.loads(text)
        except json.JSONDecodeError as error:
            raise BadFrame(f"消息不是有效的 JSON（{error.msg}）") from error
        except RecursionError as error:  # thousands of nested brackets
            raise BadFrame(f"消息嵌套过深（超过 {MAX_FRAME_DEPTH} 层）") from error
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            raise BadFrame("消息必须是带 type 字段的 JSON 对象")
        _check_frame_values(frame)
        return frame

    async def handle(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "ping":
            await self.send({"type": "pong"})
            return
        if kind == "hello":
            await self._hello(frame)
            return
        if self.conversation_id is None:
            raise BadFrame("请先发送 hello")
        if kind == "message":
            await self._message(frame)
        elif kind == "handoff":
            client_id = _client_id(frame)
            _, duplicate, _ = await self.service.store_user_message(self.conversation_id, client_id, "转人工",
                                                                    opening=self._opening)
            await self.send({"type": "ack", "client_id": client_id})
            if not duplicate:
                await self.service.escalate(self.conversation_id, HandoffReason.WIDGET_BUTTON)
        elif kind == "leave_message":
            await self._leave_message(frame)
        elif kind == "rate":
            score = frame.get("score")
            if not isinstance(score, int) or isinstance(score, bool):
                raise BadFrame("score 必须是1到5的整数")
            await self.service.rate(self.conversation_id, score, str(frame.get("comment") or ""))
            await self.send({"type": "rated"})
        elif kind == "end":
            await self.service.end_by_user(self.conversation_id)
        else:
            raise BadFrame(f"不认识的消息类型 {kind[:20]!r}")

    async def _hello(self, frame: dict[str, Any]) -> None:
        requested = frame.get("conversation_id")
        if requested is not None and (not isinstance(requested, str) or len(requested) > 64):
            requested = "invalid"
        after_value = frame.get("after")
        after = after_value if isinstance(after_value, int) else 0
        opened = await self.service.open_conversation(requested, after, str(frame.get("page") or "")[:500],
                                                      frame.get("resume_token"))
        if opened.problem:
            message = "之前的对话已过期，已为您开始新的对话。" if opened.problem == "expired_conversation" \
                else "没有找到之前的对话，已为您开始新的对话。"
            await self.send({"type": "error", "code": opened.problem, "message": message})
        await self._subscribe(opened.conversation_id)
        self._opening = opened.opening
        in_hours, online = await self.service.staff_available()
        queue = await self.service.queue_position(opened.conversation_id) if opened.status == ConversationStatus.QUEUED else None
        await self.send({"type": "welcome", "conversation_id": opened.conversation_id, "status": opened.status,
                         "messages": opened.messages, "queue": queue,
                         "service": {"in_hours": in_hours, "staff_online": online},
                         # What the widget would otherwise repeat from here (desk/PROTOCOL.md).
                         "limits": {"max_message_chars": self.settings.max_message_chars}, "catalog": CATALOG_NAME,
                         # Only to the widget that started it; it must send it back to resume.
                         **({"resume_token": opened.resume_token} if opened.resume_token else {})})
        if frame.get("profile_token") is not None:
            for extra in await welcome_back(self.service, opened.conversation_id, frame.get("profile_token")):
                await self.send(extra)

    async def _message(self, frame: dict[str, Any]) -> None:
        assert self.conversation_id is not None
        client_id = _client_id(frame)
        text = frame.get("text")
        if not isinstance(text, str) or not text.strip():
            raise BadFrame("消息内容不能为空")
        if len(text) > self.settings.max_message_chars:
            raise BadFrame(f"消息太长（{len(text)} 字），请控制在 {self.settings.max_message_chars} 字以内")
        button_payload = frame.get("payload")
        if button_payload is not None and (not isinstance(button_payload, str) or not button_payload.startswith("/")
                                           or len(button_payload) > 500):
            raise BadFrame("按钮内容无效")
        stored, duplicate, status = await self.service.store_user_message(
            self.conversation_id, client_id, text.strip(), {"button_payload": button_payload} if button_payload else None,
            opening=self._opening)
        await self.send({"type": "ack", "client_id": client_id, "id": stored["id"]})
        if duplicate:
            return
        if status == ConversationStatus.BOT:
            self.spawn(self.service.relay(self.conversation_id, button_payload or text.strip()))
        else:
            await self.service.push_message(self.conversation_id, stored, to_widget=False)

    async def _leave_message(self, frame: dict[str, Any]) -> None:
        assert self.conversation_id is not None
        client_id = _client_id(frame)
        question = frame.get("question")
        contact = frame.get("contact") or ""
        # The names are optional (widgets before 2026-12 do not send them).
        names = {key: frame.get(key) or "" for key in ("contact_name", "enterprise_name")}
        if not isinstance(question, str) or len(question.strip()) < 5 or len(question) > 4000:
            raise BadFrame("请填写留言内容（5到4000字）")
        if not isinstance(contact, str) or not all(isinstance(value, str) for value in names.values()):
            raise BadFrame("联系人、企业名称和联系电话必须是文字")
        in_hours, online = await self.service.staff_available()
        if in_hours and online:  # messages are for when nobody can answer now
            raise StaffAvailable("现在有人工客服在线，请点击“转人工”直接咨询。")
        try:  # before anything is stored: the user corrects the number and sends again
            normalize_phone(contact)
        except ValueError as error:
            raise BadFrame(f"联系电话：{error}") from error
        stored, duplicate, _ = await self.service.store_user_message(self.conversation_id, client_id,
                                                                     f"{LEAVE_MESSAGE_PREFIX}{question.strip()}", opening=self._opening)
        payload = stored.get("payload") or {}
        if duplicate and payload.get("tracking_number"):
            number, due_date = payload["tracking_number"], payload.get("due_date")
        else:
            # A 咨询 demand (issue 12): tracked, dispatched and answered like any other.
            filed = await self.intake.leave_message(self.conversation_id, question, contact, **names)
            number, due_date = filed.tracking_number, filed.due_date
            await self.service.run(lambda s: _set_payload(s, stored["id"], {"tracking_number": number,
                                                                            "due_date": due_date}))
        await self.send({"type": "ack", "client_id": client_id, "id": stored["id"]})
        await self.send({"type": "ticket", "tracking_number": number, "due_date": due_date, "demand": True})

    async def _subscribe(self, conversation_id: str) -> None:
        self.close()
        self.conversation_id = conversation_id
        self._subscription = self.service.hub.subscribe(conversation_topic(conversation_id))
        events = await self._subscription.__aenter__()
        self._forward = asyncio.create_task(self._relay_events(events))

    async def _relay_events(self, events: asyncio.Queue[dict[str, Any]]) -> None:
        while True:
            event = await events.get()
            try:
                await self.send(event)
            except (WebSocketDisconnect, RuntimeError):
                return

    def close(self) -> None:
        if self._forward is not None:
            self._forward.cancel()
            self._forward = None
        if self._subscription is not None:
            subscription, self._subscription = self._subscription, None
            # The event loop keeps only a weak reference to a task: hold it until it is done.
            closing = asyncio.ensure_future(subscription.__aexit__(None, None, None))
            _closing.add(closing)
            closing.add_done_callback(_closing.discard)


# Subscriptions being closed in the background (WidgetConnection.close).
_closing: set[asyncio.Future[Any]] = set()


def _check_frame_values(value: Any, depth: int = 0) -> None:
    """Refuse what would fail later, far from the socket: deep nesting and lone surrogates (text that
    cannot be stored or sent back as UTF-8)."""
    if depth > MAX_FRAME_DEPTH:
        raise BadFrame(f"消息嵌套过深（超过 {MAX_FRAME_DEPTH} 层）")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise BadFrame("消息含有无效的字符（单独的代理码位），请重新输入") from error
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_frame_values(key, depth + 1)
            _check_frame_values(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_frame_values(item, depth + 1)


def _client_id(frame: dict[str, Any]) -> str:
    client_id = frame.get("client_id")
    if not isinstance(client_id, str) or not client_id.strip() or len(client_id) > CLIENT_ID_MAX:
        raise BadFrame("缺少有效的 client_id")
    return client_id.strip()


def _set_payload(session: Session, message_id: int, payload: dict[str, Any]) -> None:
    message = session.get(Message, message_id)
    if message is not None:
        message.payload = payload


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("background task failed", exc_info=task.exception())
