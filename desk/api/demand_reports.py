"""Router of the demand reports (/api/demand-reports, desk/PROTOCOL.md "Demands") and of the demand
pages' live socket (/ws/demands). Logic in desk/demands/reports.py.

Reports are for 应答 (staff), 督办 (supervisor) and admins; handlers see their own department's
list, not the others' numbers. The socket carries only ``{"type": "demands", ...}`` frames (an id
and a state, no personal data) to every role that works demands: /ws/console carries live chats,
which handlers and supervisors may not read.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
from typing import Any

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from desk import analytics, auth
from desk.api.deps import RouterContext
from desk.api.gaps import served_encoder
from desk.demands import reports
from desk.demands.service import ROLE_RIGHTS
from desk.errors import DeskError, NotLoggedIn
from desk.knowledge_gaps import threshold_for
from desk.models import Department, Staff
from desk.security.origins import origin_allowed, parse_origins
from desk.service import CONSOLE_TOPIC

REPORT_ROLES = ("staff", "supervisor", "admin")
KEEPALIVE_SECONDS = 60


def build_router(context: RouterContext) -> APIRouter:
    router = APIRouter()
    run = context.service.run
    offset_hours = context.settings.timezone_offset_hours
    readers = Depends(context.require_role(*REPORT_ROLES))
    allowed_origins = parse_origins(context.settings.allowed_origins)

    def span_of(days: str, start: str, end: str) -> analytics.Window:
        if start or end:
            return reports.period(_date(start, "start"), _date(end or start, "end"), offset_hours)
        return analytics.window(_days(days), offset_hours)

    def department_id(session: Session, name: str) -> int | None:
        if not name.strip():
            return None
        found = session.scalar(select(Department.id).where(Department.name == name.strip()))
        if found is None:
            raise DeskError(f"没有名为 {name.strip()[:50]} 的部门：请从部门列表中选择")
        return found

    @router.get("/api/demand-reports", dependencies=[readers])
    async def report(days: str = "30", start: str = "", end: str = "", department: str = "") -> dict[str, Any]:
        span = span_of(days, start, end)
        today = datetime.datetime.now(span.zone).date()

        def work(session: Session) -> dict[str, Any]:
            return reports.department_report(session, span, today, department_id(session, department)).to_dict()
        return await run(work)

    @router.get("/api/demand-reports/topics", dependencies=[readers])
    async def topics(days: str = "30", start: str = "", end: str = "", department: str = "") -> dict[str, Any]:
        span = span_of(days, start, end)
        questions = await run(lambda s: reports.topic_demands(s, span, department_id(s, department)))
        if not questions:
            return {"topics": []}  # nothing to group: no need for the model
        encoder = served_encoder(context.knowledge)  # 503 in Chinese when the model is not prepared
        found = await asyncio.to_thread(reports.demand_topics, questions, encoder, threshold_for(encoder.model_id))
        return {"topics": found}

    @router.get("/api/demand-reports/export.csv", dependencies=[readers])
    async def export(table: str = "departments", days: str = "30", start: str = "", end: str = "",
                     department: str = "") -> Response:
        if table not in reports.EXPORTS:
            raise DeskError(f"table 必须是 {'、'.join(reports.EXPORTS)} 之一，收到 {table[:40]!r}")
        span = span_of(days, start, end)
        today = datetime.datetime.now(span.zone).date()

        def work(session: Session) -> str:
            chosen = department_id(session, department)
            if table == "demands":
                return reports.demands_csv(session, span, chosen)
            return reports.report_csv(reports.department_report(session, span, today, chosen))
        text = await run(work)
        filename = f"daofu-demand-{table}-{span.first.isoformat()}-{span.last.isoformat()}.csv"
        return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                 "Cache-Control": "no-store"})

    @router.websocket("/ws/demands")
    async def demand_socket(websocket: WebSocket) -> None:
        if not origin_allowed(websocket.headers.get("origin"), websocket.headers.get("host"), allowed_origins):
            await websocket.close(code=4403)
            return
        token = websocket.cookies.get(auth.SESSION_COOKIE)
        try:
            staff: Staff = await run(lambda s: auth.staff_for_token(s, token))
        except NotLoggedIn:
            await websocket.close(code=4401)
            return
        if staff.role not in ROLE_RIGHTS["view"]:
            await websocket.close(code=4403)
            return
        await websocket.accept()
        await websocket.send_json({"type": "hello"})
        async with context.hub.subscribe(CONSOLE_TOPIC) as events:
            forward = asyncio.create_task(_forward_demands(events, websocket))
            try:
                while True:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(websocket.receive_text(), timeout=KEEPALIVE_SECONDS)
                    try:
                        await run(lambda s: auth.staff_for_token(s, token))  # a session that ended closes it
                    except NotLoggedIn:
                        await websocket.close(code=4401)
                        break
            except (WebSocketDisconnect, RuntimeError):
                pass
            finally:
                forward.cancel()

    return router


async def _forward_demands(events: asyncio.Queue[dict[str, Any]], websocket: WebSocket) -> None:
    while True:
        event = await events.get()
        if event.get("type") != "demands":
            continue  # chats and knowledge jobs are not for this socket
        try:
            await websocket.send_text(json.dumps({k: event[k] for k in ("type", "id", "status") if k in event},
                                                 ensure_ascii=False))
        except (WebSocketDisconnect, RuntimeError):
            return


def _days(raw: str) -> int:
    try:
        days = int(raw.strip())
    except ValueError:
        days = 0
    if not analytics.MIN_DAYS <= days <= analytics.MAX_DAYS:
        raise DeskError(f"days 必须是 {analytics.MIN_DAYS} 到 {analytics.MAX_DAYS} 之间的整数（天数），收到 {raw[:20]!r}")
    return days


def _date(raw: str, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw.strip())
    except ValueError:
        raise DeskError(f"{name} 必须是 YYYY-MM-DD 格式的日期，收到 {raw[:20]!r}") from None
