"""Tickets (留言): the public lookup by tracking number, and the chat staff's list, answer and close."""
from __future__ import annotations

import asyncio
import hmac
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from desk import auth
from desk.api.deps import RouterContext
from desk.api.views import iso
from desk.demands.api import LOOKUP_FACTOR
from desk.demands.service import canonical_tracking_number
from desk.errors import NotFound
from desk.masking import mask_personal_data
from desk.models import Staff, Ticket, utcnow
from desk.security.rate_limits import ClientLimiter, RateLimited
from desk.service import CONSOLE_TOPIC
from indexer.normalize import to_halfwidth


class AnswerBody(BaseModel):
    answer: str = Field(min_length=1, max_length=4000)


def build_router(context: RouterContext) -> APIRouter:
    router = APIRouter()
    service, hub, settings = context.service, context.hub, context.settings
    # Chats, transcripts and tickets hold the public's personal data: only the roles that serve them.
    chat_staff = context.require_role(*auth.CHAT_ROLES)
    # The same budget as demand lookups: numbers cannot be swept from one address.
    ticket_lookups = ClientLimiter(settings.demand_rate_limit, LOOKUP_FACTOR, redis_url=settings.redis_url)

    @router.get("/api/tickets/{tracking_number}")
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
                    "answered_at": iso(ticket.answered_at)}
        return JSONResponse(await service.run(work), headers=cross_origin)

    @router.get("/api/tickets")
    async def tickets(status: str = "open", staff: Staff = Depends(chat_staff)) -> list[dict[str, Any]]:
        def work(session: Session) -> list[dict[str, Any]]:
            rows = session.scalars(select(Ticket).where(Ticket.status == status).order_by(Ticket.created_at)).all()
            return [ticket_json(t) for t in rows]
        return await service.run(work)

    @router.post("/api/tickets/{ticket_id}/answer")
    async def answer_ticket(ticket_id: int, body: AnswerBody, staff: Staff = Depends(chat_staff)) -> dict[str, Any]:
        def work(session: Session) -> dict[str, Any]:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise NotFound(f"留言 {ticket_id} 不存在")
            ticket.answer, ticket.answered_by = body.answer.strip(), staff.id
            ticket.status, ticket.answered_at = "answered", utcnow()
            return ticket_json(ticket)
        answered = await service.run(work)
        await hub.publish(CONSOLE_TOPIC, {"type": "tickets"})
        return answered

    @router.post("/api/tickets/{ticket_id}/close")
    async def close_ticket(ticket_id: int, staff: Staff = Depends(chat_staff)) -> dict[str, Any]:
        def work(session: Session) -> dict[str, Any]:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise NotFound(f"留言 {ticket_id} 不存在")
            ticket.status, ticket.closed_at = "closed", utcnow()
            return ticket_json(ticket)
        closed = await service.run(work)
        await hub.publish(CONSOLE_TOPIC, {"type": "tickets"})
        return closed

    return router


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    return {"id": ticket.id, "tracking_number": ticket.tracking_number, "question": ticket.question,
            "contact": ticket.contact, "status": ticket.status, "answer": ticket.answer,
            "created_at": iso(ticket.created_at), "answered_at": iso(ticket.answered_at)}
