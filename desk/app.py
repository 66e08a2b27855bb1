"""The desk's web application: widget gateway, consoles and their APIs (see desk/PROTOCOL.md)."""
from __future__ import annotations

import asyncio
import contextlib
import datetime
import hmac
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Optional

from fastapi import Depends, FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from desk import analytics_api, auth, gaps_api, knowledge_api
from desk.db import Database, migrate
from desk.demands import api as demands_api
from desk.errors import BadFrame, DeskError, Forbidden, NotFound, NotLoggedIn
from desk.hub import make_hub
from desk.models import Handoff, Message, Staff, Ticket, utcnow
from desk.rasa_client import RasaClient
from desk.service import CONSOLE_TOPIC, REASON_TEXT, DeskService, Opening, aware, conversation_topic, message_dict
from desk.routing import EDITOR_ROLES, RouterContext
from desk.security.headers import SecurityHeaders, UploadGate
from desk.security.origins import origin_allowed, parse_origins
from desk.security.throttle import LoginThrottle
from desk.security.rate_limits import ClientLimiter, RateLimited
from desk.demands.api import LOOKUP_FACTOR
from desk.demands.service import canonical_tracking_number
from desk.masking import mask_personal_data
from indexer.normalize import to_halfwidth
from desk.security.widget_guard import StaffAvailable, WidgetGuard
from desk.settings import DeskSettings

logger = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
MAX_FRAME_BYTES = 64 * 1024
MAX_FRAME_DEPTH = 16
CLIENT_ID_MAX = 64
LAST_SEEN_EVERY = 30.0


class LoginBody(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


class ReplyBody(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class TransferBody(BaseModel):
    staff_id: int


class AnswerBody(BaseModel):
    answer: str = Field(min_length=1, max_length=4000)


def create_app(settings: DeskSettings | None = None, rasa: RasaClient | None = None, knowledge: Any = None,
               index_builder: Any = None) -> FastAPI:
    """``knowledge``: the search service (default: the process-wide one); ``index_builder``: how
    re-index jobs build (default: the indexer CLI in a child process; tests build in process)."""
    settings = settings or DeskSettings.from_env()
    migrate(settings.database_url)
    database = Database(settings.database_url)
    hub = make_hub(settings.redis_url)
    service = DeskService(settings, database, hub, rasa or RasaClient(settings.rasa_urls, settings.rasa_timeout,
                                                                  token=settings.rasa_token))
    background: set[asyncio.Task[Any]] = set()

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await hub.start()
        yield
        await hub.stop()
        await service.rasa.close()

    app = FastAPI(title="daofu desk", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.service = service
    app.state.settings = settings
    allowed_origins = parse_origins(settings.allowed_origins)
    # This process's open console sockets by session token, so a logout closes them at once.
    open_consoles: dict[str, set[WebSocket]] = {}
    throttle = LoginThrottle(settings.login_rate_limit, settings.login_client_rate_limit, settings.redis_url)

    async def may_upload(token: str | None) -> None:
        staff = await service.run(lambda s: auth.staff_for_token(s, token))
        if staff.role not in EDITOR_ROLES:
            raise Forbidden(f"需要以下角色之一：{'、'.join(EDITOR_ROLES)}（当前账号角色：{staff.role}）")

    # The last added runs first: the headers wrap everything (the gate's answers too); the gate
    # answers before any upload body is read.
    app.add_middleware(UploadGate, paths=("/api/kb/upload",), max_bytes=lambda: settings.max_upload_mb * 1024 * 1024,
                       authorize=may_upload, cookie=auth.SESSION_COOKIE)
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(DeskError)
    async def desk_error(request: Request, error: DeskError) -> JSONResponse:
        headers = {"Access-Control-Allow-Origin": "*"} if request.url.path.startswith("/api/tickets/") else None
        body: dict[str, Any] = {"detail": str(error)}
        if getattr(error, "problems", None):
            body["problems"] = error.problems  # which records of an upload or form are wrong
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            headers = {**(headers or {}), "Retry-After": str(retry_after)}
        return JSONResponse(body, status_code=error.status, headers=headers)

    def session_dependency() -> Any:
        with database.session() as session:
            yield session

    def current_staff(request: Request, session: Session = Depends(session_dependency)) -> Staff:
        return auth.staff_for_token(session, request.cookies.get(auth.SESSION_COOKIE))

    context = RouterContext(service=service, settings=settings, hub=hub, current_staff=current_staff,
                            knowledge=knowledge or _LazyKnowledge(), index_builder=index_builder)
    # Chats, transcripts and tickets hold the public's personal data: only the roles that serve them.
    chat_staff = context.require_role(*auth.CHAT_ROLES)

    def spawn(coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        background.add(task)
        task.add_done_callback(background.discard)
        task.add_done_callback(_log_failure)

    # ------------------------------------------------------------------ pages and static files

    @app.get("/healthz")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/")
    async def demo_page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    @app.get("/widget.js")
    async def widget_script() -> FileResponse:
        # Any government page may embed the widget: the script is served to every origin.
        return FileResponse(STATIC / "widget.js", media_type="application/javascript; charset=utf-8",
                            headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"})

    @app.get("/console/login")
    async def console_login() -> FileResponse:
        return FileResponse(STATIC / "console" / "login.html", media_type="text/html; charset=utf-8")

    @app.get("/console", response_model=None)
    async def console(request: Request) -> Response:
        return await console_page(request, "index.html", auth.CHAT_ROLES)

    app.mount("/console/static", StaticFiles(directory=STATIC / "console"), name="console-static")

    async def console_page(request: Request, page: str, roles: tuple[str, ...]) -> Response:
        try:
            staff = await service.run(lambda s: auth.staff_for_token(s, request.cookies.get(auth.SESSION_COOKIE)))
        except NotLoggedIn:
            return RedirectResponse("/console/login", status_code=303)
        if staff.role not in roles:
            # Login always lands on /console: send each role on to the page it may use.
            home = auth.home_page(staff.role)
            if home is not None and home != request.url.path:
                return RedirectResponse(home, status_code=303)
            return Response(f"此页面需要以下角色之一：{'、'.join(roles)}（当前账号角色：{staff.role}）",
                            status_code=403, media_type="text/plain; charset=utf-8")
        return FileResponse(STATIC / "console" / page, media_type="text/html; charset=utf-8")

    @app.get("/console/knowledge", response_model=None)
    async def knowledge_console(request: Request) -> Response:
        return await console_page(request, "knowledge.html", EDITOR_ROLES)

    @app.get("/console/analytics", response_model=None)
    async def analytics_console(request: Request) -> Response:
        return await console_page(request, "analytics.html", EDITOR_ROLES)

    # ------------------------------------------------------------------ public ticket lookup

    # The same budget as demand lookups: numbers cannot be swept from one address.
    ticket_lookups = ClientLimiter(settings.demand_rate_limit, LOOKUP_FACTOR, redis_url=settings.redis_url)

    @app.get("/api/tickets/{tracking_number}")
    async def ticket_lookup(tracking_number: str, request: Request, phone_last4: str = "") -> JSONResponse:
        # The widget runs on other sites' pages, so the read-only lookup answers any origin; it
        # carries no cookie (no Allow-Credentials), only what the number opens.
        cross_origin = {"Access-Control-Allow-Origin": "*"}
        try:
            await asyncio.to_thread(ticket_lookups.check, request.client.host if request.client else "unknown",
                                    "ticket-lookup")
        except RateLimited as error:
            return JSONResponse({"detail": str(error)}, status_code=429,
                                headers={**cross_origin, "Retry-After": str(error.retry_after)})

        def work(session: Session) -> dict[str, Any]:
            typed = tracking_number.strip().upper()
            # Numbers from before 2026-12 (DF + date + 6 digits) are stored as they were typed.
            number = typed if typed.startswith("DF") else canonical_tracking_number(typed)
            ticket = session.scalar(select(Ticket).where(Ticket.tracking_number == number)) if number else None
            # A contact with a phone number: its last 4 digits too. Wrong digits answer like a
            # wrong number, so neither can be probed alone (an e-mail contact has only the number).
            digits = "".join(char for char in to_halfwidth(ticket.contact if ticket else "") if char.isdigit())
            expected = digits[-4:] if len(digits) >= 7 else ""
            given = to_halfwidth(phone_last4).strip()
            if ticket is None or (expected and not hmac.compare_digest(expected.encode(), given.encode())):
                raise NotFound("没有找到这个留言：请核对留言编号和联系电话后四位")
            # Whoever holds the number reads it: personal data in it is masked like everywhere outside.
            return {"tracking_number": ticket.tracking_number, "status": ticket.status,
                    "question": mask_personal_data(ticket.question),
                    "answer": mask_personal_data(ticket.answer) if ticket.answer else ticket.answer,
                    "answered_at": _iso(ticket.answered_at)}
        return JSONResponse(await service.run(work), headers=cross_origin)

    # ------------------------------------------------------------------ staff API

    @app.post("/api/login")
    async def login(body: LoginBody, request: Request) -> JSONResponse:
        client = request.client.host if request.client else ""
        await asyncio.to_thread(throttle.check, body.username, client)
        try:
            staff, token = await service.run(lambda s: auth.login(s, body.username, body.password, settings.session_hours))
        except NotLoggedIn:
            await asyncio.to_thread(throttle.failed, body.username, client)
            raise
        response = JSONResponse(_staff_json(staff))
        response.set_cookie(auth.SESSION_COOKIE, token, httponly=True, samesite="strict", secure=settings.cookie_secure,
                            max_age=int(settings.session_hours * 3600), path="/")
        return response

    @app.post("/api/logout")
    async def logout(request: Request) -> JSONResponse:
        token = request.cookies.get(auth.SESSION_COOKIE)
        await service.run(lambda s: auth.logout(s, token))
        for socket in list(open_consoles.pop(token or "", set())):
            with contextlib.suppress(RuntimeError):  # already closing
                await socket.close(code=4401)
        response = JSONResponse({})
        response.delete_cookie(auth.SESSION_COOKIE, path="/")
        return response

    @app.get("/api/me")
    def me(staff: Staff = Depends(current_staff)) -> dict[str, Any]:
        return _staff_json(staff)

    @app.get("/api/queue")
    async def queue(staff: Staff = Depends(chat_staff)) -> list[dict[str, Any]]:
        return await service.queue_items()

    @app.post("/api/handoffs/{handoff_id}/claim")
    async def claim(handoff_id: int, staff: Staff = Depends(chat_staff)) -> dict[str, Any]:
        conversation_id = await service.claim(handoff_id, staff)
        return {"ok": True, "conversation_id": conversation_id}

    @app.get("/api/conversations/{conversation_id}")
    async def conversation(conversation_id: str, staff: Staff = Depends(chat_staff)) -> dict[str, Any]:
        return await service.run(lambda s: _conversation_json(s, conversation_id))

    @app.post("/api/conversations/{conversation_id}/reply")
    async def reply(conversation_id: str, body: ReplyBody, staff: Staff = Depends(chat_staff)) -> dict[str, Any]:
        if not body.text.strip():
            raise DeskError("回复内容不能为空")
        return await service.staff_reply(conversation_id, staff, body.text.strip())

    @app.post("/api/conversations/{conversation_id}/transfer")
    async def transfer(conversation_id: str, body: TransferBody, staff: Staff = Depends(chat_staff)) -> dict[str, Any]:
        await service.transfer(conversation_id, staff, body.staff_id)
        return {"ok": True}

    @app.post("/api/conversations/{conversation_id}/resolve")
    async def resolve(conversation_id: str, staff: Staff = Depends(chat_staff)) -> dict[str, Any]:
        await service.resolve(conversation_id, staff)
        return {"ok": True}

    @app.post("/api/conversations/{conversation_id}/handback")
    async def handback(conversation_id: str, staff: Staff = Depends(chat_staff)) -> dict[str, Any]:
        await service.hand_back(conversation_id, staff)
        return {"ok": True}

    @app.get("/api/staff")
    async def colleagues(staff: Staff = Depends(chat_staff)) -> list[dict[str, Any]]:
        cutoff = utcnow() - datetime.timedelta(seconds=90)

        def work(session: Session) -> list[dict[str, Any]]:
            rows = session.scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.display_name)).all()
            return [{"id": s.id, "display_name": s.display_name, "role": s.role,
                     "online": bool(s.last_seen and aware(s.last_seen) >= cutoff)} for s in rows]
        return await service.run(work)

    @app.get("/api/knowledge/search")
    async def knowledge_search(q: str, kind: Optional[str] = None, staff: Staff = Depends(current_staff)) -> list[dict[str, Any]]:
        if kind not in (None, "", "item", "policy"):
            raise DeskError(f"kind 必须是 item 或 policy，收到 {kind!r}")
        searcher = knowledge or _default_knowledge()
        result = await asyncio.to_thread(searcher.search, q, 8, kind or None)
        return [_insertable(hit) for hit in result.hits]

    @app.get("/api/tickets")
    async def tickets(status: str = "open", staff: Staff = Depends(chat_staff)) -> list[dict[str, Any]]:
        def work(session: Session) -> list[dict[str, Any]]:
            rows = session.scalars(select(Ticket).where(Ticket.status == status).order_by(Ticket.created_at)).all()
            return [_ticket_json(t) for t in rows]
        return await service.run(work)

    @app.post("/api/tickets/{ticket_id}/answer")
    async def answer_ticket(ticket_id: int, body: AnswerBody, staff: Staff = Depends(chat_staff)) -> dict[str, Any]:
        def work(session: Session) -> dict[str, Any]:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise NotFound(f"留言 {ticket_id} 不存在")
            ticket.answer, ticket.answered_by = body.answer.strip(), staff.id
            ticket.status, ticket.answered_at = "answered", utcnow()
            return _ticket_json(ticket)
        answered = await service.run(work)
        await hub.publish(CONSOLE_TOPIC, {"type": "tickets"})
        return answered

    @app.post("/api/tickets/{ticket_id}/close")
    async def close_ticket(ticket_id: int, staff: Staff = Depends(chat_staff)) -> dict[str, Any]:
        def work(session: Session) -> dict[str, Any]:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise NotFound(f"留言 {ticket_id} 不存在")
            ticket.status, ticket.closed_at = "closed", utcnow()
            return _ticket_json(ticket)
        closed = await service.run(work)
        await hub.publish(CONSOLE_TOPIC, {"type": "tickets"})
        return closed

    # ------------------------------------------------------------------ feature routers

    for module in (knowledge_api, gaps_api, analytics_api, demands_api):
        app.include_router(module.build_router(context))

    # ------------------------------------------------------------------ WebSockets

    @app.websocket("/ws/console")
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
        open_consoles.setdefault(token or "", set()).add(websocket)
        await _touch(service, staff.id)
        await websocket.send_json({"type": "queue", "items": await service.queue_items()})
        async with hub.subscribe(CONSOLE_TOPIC) as events:
            forward = asyncio.create_task(_forward(events, websocket))
            try:
                while True:
                    try:
                        await asyncio.wait_for(websocket.receive_text(), timeout=LAST_SEEN_EVERY)
                    except asyncio.TimeoutError:
                        pass
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
                open_consoles.get(token or "", set()).discard(websocket)

    widget_guard = WidgetGuard(settings)

    @app.websocket("/ws/widget")
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
        connection = WidgetConnection(websocket, service, settings, spawn, widget_guard, client, key)
        try:
            await connection.serve()
        finally:
            connection.close()
            widget_guard.disconnect(client)

    return app


class WidgetConnection:
    """One widget's WebSocket: frames in, frames out, a subscription to its conversation."""

    def __init__(self, websocket: WebSocket, service: DeskService, settings: DeskSettings, spawn: Any,
                 guard: WidgetGuard, client: str, key: str) -> None:
        self.websocket = websocket
        self.guard, self.client, self.key = guard, client, key
        self.service = service
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
            except Exception:  # the socket's boundary: one bad frame must not drop the conversation
                logger.exception("widget frame failed")
                await self.send({"type": "error", "code": "internal", "message": "处理这条消息时出错，请稍后重试"})

    def _parse(self, raw: dict[str, Any]) -> dict[str, Any]:
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
                await self.service.escalate(self.conversation_id, "widget_button")
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
        after = frame.get("after") if isinstance(frame.get("after"), int) else 0
        opened = await self.service.open_conversation(requested, after, str(frame.get("page") or "")[:500],
                                                      frame.get("resume_token"))
        if opened.problem:
            message = "之前的对话已过期，已为您开始新的对话。" if opened.problem == "expired_conversation" \
                else "没有找到之前的对话，已为您开始新的对话。"
            await self.send({"type": "error", "code": opened.problem, "message": message})
        await self._subscribe(opened.conversation_id)
        self._opening = opened.opening
        in_hours, online = await self.service.staff_available()
        queue = await self.service.queue_position(opened.conversation_id) if opened.status == "queued" else None
        await self.send({"type": "welcome", "conversation_id": opened.conversation_id, "status": opened.status,
                         "messages": opened.messages, "queue": queue,
                         "service": {"in_hours": in_hours, "staff_online": online},
                         # Only to the widget that started it; it must send it back to resume.
                         **({"resume_token": opened.resume_token} if opened.resume_token else {})})

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
        if status == "bot":
            self.spawn(self.service.relay(self.conversation_id, button_payload or text.strip()))
        else:
            await self.service.push_message(self.conversation_id, stored, to_widget=False)

    async def _leave_message(self, frame: dict[str, Any]) -> None:
        assert self.conversation_id is not None
        client_id = _client_id(frame)
        question = frame.get("question")
        contact = frame.get("contact") or ""
        if not isinstance(question, str) or not question.strip() or len(question) > 4000 or not isinstance(contact, str):
            raise BadFrame("请填写留言内容（4000字以内）")
        in_hours, online = await self.service.staff_available()
        if in_hours and online:  # messages are for when nobody can answer now
            raise StaffAvailable("现在有人工客服在线，请点击“转人工”直接咨询。")
        stored, duplicate, _ = await self.service.store_user_message(self.conversation_id, client_id,
                                                                     f"【留言】{question.strip()}", opening=self._opening)
        if duplicate and stored.get("payload") and stored["payload"].get("tracking_number"):
            number = stored["payload"]["tracking_number"]
        else:
            number = await self.service.leave_message(self.conversation_id, question.strip(), contact.strip())
            await self.service.run(lambda s: _set_payload(s, stored["id"], {"tracking_number": number}))
        await self.send({"type": "ack", "client_id": client_id, "id": stored["id"]})
        await self.send({"type": "ticket", "tracking_number": number})

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
            asyncio.ensure_future(subscription.__aexit__(None, None, None))


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


def _conversation_json(session: Session, conversation_id: str) -> dict[str, Any]:
    conversation = DeskService._conversation(session, conversation_id)
    messages = session.scalars(select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)).all()
    names = {s.id: s.display_name for s in session.scalars(select(Staff)).all()}
    handoff = session.scalar(select(Handoff).where(Handoff.conversation_id == conversation_id).order_by(Handoff.id.desc()))
    return {
        "conversation": {"id": conversation.id, "status": conversation.status, "created_at": _iso(conversation.created_at),
                         "rating": conversation.rating, "rating_comment": conversation.rating_comment},
        "messages": [message_dict(m, names.get(m.staff_id)) for m in messages],
        "handoff": None if handoff is None else {
            "id": handoff.id, "reason": handoff.reason, "reason_text": REASON_TEXT.get(handoff.reason, handoff.reason),
            "summary": handoff.summary, "candidates": handoff.candidates or [], "status": handoff.status,
            "claimed_by_name": names.get(handoff.claimed_by)},
    }


def _staff_json(staff: Staff) -> dict[str, Any]:
    return {"id": staff.id, "username": staff.username, "display_name": staff.display_name, "role": staff.role}


def _ticket_json(ticket: Ticket) -> dict[str, Any]:
    return {"id": ticket.id, "tracking_number": ticket.tracking_number, "question": ticket.question,
            "contact": ticket.contact, "status": ticket.status, "answer": ticket.answer,
            "created_at": _iso(ticket.created_at), "answered_at": _iso(ticket.answered_at)}


def _insertable(hit: Any) -> dict[str, Any]:
    record = hit.record
    if hit.kind == "item":
        materials = "；".join(f"{i}. {m}" for i, m in enumerate(record.materials, start=1)) or "目录未列出所需材料"
        text = f"【{record.name}】（{record.department}）所需材料：{materials}"
        return {"id": hit.id, "kind": "item", "title": hit.title, "department": record.department, "insert_text": text}
    text = f"根据《{record.title}》：{hit.snippet}"
    return {"id": hit.id, "kind": "policy", "title": hit.title, "issuer": record.issuer,
            "doc_number": record.doc_number, "insert_text": text}


def _iso(value: datetime.datetime | None) -> str | None:
    value = aware(value)
    return value.isoformat() if value else None


class _LazyKnowledge:
    """The process-wide search service, loaded on first use (the desk starts without the model)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_default_knowledge(), name)


def _default_knowledge() -> Any:
    from indexer.search import get_search_service

    return get_search_service()


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("background task failed", exc_info=task.exception())
