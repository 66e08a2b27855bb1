"""Tickets (留言): the public lookup by tracking number, and the chat staff's list, answer and close
(the work is desk/tickets.py's)."""
from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from desk.api.bodies import AnswerBody
from desk.api.deps import ChatStaff, RecordId, RouterContext
from desk.demands.api import LOOKUP_FACTOR
from desk.security.rate_limits import ClientLimiter, client_address


def build_router(context: RouterContext) -> APIRouter:
    router = APIRouter()
    ticket_service, settings = context.tickets, context.settings
    # The same budget as demand lookups: numbers cannot be swept from one address.
    ticket_lookups = ClientLimiter(settings.demand_rate_limit, LOOKUP_FACTOR, redis_url=settings.redis_url)

    @router.get("/api/tickets/{tracking_number}")
    async def ticket_lookup(tracking_number: str, request: Request, phone_last4: str = "") -> JSONResponse:
        # The widget runs on other sites' pages, so the read-only lookup answers any origin; it
        # carries no cookie (no Allow-Credentials), only what the number opens.
        cross_origin = {"Access-Control-Allow-Origin": "*"}
        # Over the limit: a 429 with Retry-After, open to any origin too (desk/api/errors.py).
        await asyncio.to_thread(ticket_lookups.check, client_address(request),
                                "ticket-lookup")
        return JSONResponse(await ticket_service.lookup(tracking_number, phone_last4), headers=cross_origin)

    @router.get("/api/tickets")
    async def tickets(staff: ChatStaff, status: str = "open") -> list[dict[str, Any]]:
        return await ticket_service.listed(status)

    @router.post("/api/tickets/{ticket_id}/answer")
    async def answer_ticket(ticket_id: RecordId, body: AnswerBody, staff: ChatStaff) -> dict[str, Any]:
        return await ticket_service.answer(ticket_id, staff, body.answer.strip())

    @router.post("/api/tickets/{ticket_id}/close")
    async def close_ticket(ticket_id: RecordId, staff: ChatStaff) -> dict[str, Any]:
        return await ticket_service.close(ticket_id)

    return router
