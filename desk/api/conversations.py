"""The live-chat queue and conversations: claim, reply, transfer, resolve, hand back, colleagues.

Chats and transcripts hold the public's personal data: only the chat roles (``ChatStaff``).
"""
from __future__ import annotations

import datetime
from typing import Any

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session

from desk.api.bodies import ReplyBody, TransferBody
from desk.api.deps import ChatStaff, RecordId, RouterContext
from desk.api.views import conversation_json
from desk.errors import DeskError
from desk.models import Staff, utcnow
from desk.service import STAFF_ONLINE_SECONDS, aware


def build_router(context: RouterContext) -> APIRouter:
    router = APIRouter()
    service = context.service

    @router.get("/api/queue")
    async def queue(staff: ChatStaff) -> list[dict[str, Any]]:
        return await service.queue_items()

    @router.post("/api/handoffs/{handoff_id}/claim")
    async def claim(handoff_id: RecordId, staff: ChatStaff) -> dict[str, Any]:
        conversation_id = await service.claim(handoff_id, staff)
        return {"ok": True, "conversation_id": conversation_id}

    @router.get("/api/conversations/{conversation_id}")
    async def conversation(conversation_id: str, staff: ChatStaff) -> dict[str, Any]:
        return await service.run(lambda s: conversation_json(s, conversation_id))

    @router.post("/api/conversations/{conversation_id}/reply")
    async def reply(conversation_id: str, body: ReplyBody, staff: ChatStaff) -> dict[str, Any]:
        if not body.text.strip():
            raise DeskError("回复内容不能为空")
        return await service.staff_reply(conversation_id, staff, body.text.strip())

    @router.post("/api/conversations/{conversation_id}/transfer")
    async def transfer(conversation_id: str, body: TransferBody, staff: ChatStaff) -> dict[str, Any]:
        await service.transfer(conversation_id, staff, body.staff_id)
        return {"ok": True}

    @router.post("/api/conversations/{conversation_id}/resolve")
    async def resolve(conversation_id: str, staff: ChatStaff) -> dict[str, Any]:
        await service.resolve(conversation_id, staff)
        return {"ok": True}

    @router.post("/api/conversations/{conversation_id}/handback")
    async def handback(conversation_id: str, staff: ChatStaff) -> dict[str, Any]:
        await service.hand_back(conversation_id, staff)
        return {"ok": True}

    @router.get("/api/staff")
    async def colleagues(staff: ChatStaff) -> list[dict[str, Any]]:
        cutoff = utcnow() - datetime.timedelta(seconds=STAFF_ONLINE_SECONDS)

        def work(session: Session) -> list[dict[str, Any]]:
            rows = session.scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.display_name)).all()
            return [{"id": s.id, "display_name": s.display_name, "role": s.role,
                     "online": s.last_seen is not None and aware(s.last_seen) >= cutoff} for s in rows]
        return await service.run(work)

    return router
