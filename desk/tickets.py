"""Tickets (留言): a message left when nobody can answer now, its public lookup by tracking number,
and the chat staff's list, answer and close. The ticket routes (desk/api/tickets.py) and the widget's
``leave_message`` frame call this; nothing else writes tickets."""
from __future__ import annotations

import datetime
import hmac
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desk.demands.service import MAX_NUMBER_ATTEMPTS as TICKET_NUMBER_ATTEMPTS
from desk.demands.service import canonical_tracking_number, new_tracking_number
from desk.errors import DeskError, NotFound
from desk.masking import mask_personal_data
from desk.models import Staff, Ticket, utcnow
from desk.queue_states import ConversationStatus, TicketStatus, conversation_status, status_label, ticket_status
from desk.service import CONSOLE_TOPIC, DeskService, aware
from indexer.normalize import to_halfwidth


class TicketService:
    """Tickets in the desk's store; consoles hear of every change on ``CONSOLE_TOPIC``."""

    def __init__(self, desk: DeskService) -> None:
        self.desk = desk

    async def leave(self, conversation_id: str | None, question: str, contact: str) -> str:
        """A new ticket (its conversation, if any, is closed with a note of the number): the number."""
        if not question.strip():
            raise DeskError("请填写留言内容")

        def work(session: Session) -> str:
            # 80 random bits, typeable (the demands' generator): numbers cannot be guessed or swept.
            number = new_tracking_number()
            session.add(Ticket(tracking_number=number, conversation_id=conversation_id, question=question[:4000],
                               contact=contact[:200]))
            session.flush()  # a taken number fails here, inside the retry below
            if conversation_id:
                conversation = self.desk._conversation(session, conversation_id)
                conversation.status = conversation_status(conversation.status, ConversationStatus.CLOSED)
            return number
        for attempt in range(1, TICKET_NUMBER_ATTEMPTS + 1):
            try:
                number = await self.desk.run(work)
                break
            except IntegrityError:
                if attempt == TICKET_NUMBER_ATTEMPTS:
                    raise DeskError("留言编号生成失败，请稍后重试") from None
        if conversation_id:
            await self.desk.add_message(conversation_id, "system",
                                        f"您的留言已提交，留言编号 {number}。工作人员回复后，您可以凭编号查询。")
        await self.desk.hub.publish(CONSOLE_TOPIC, {"type": "tickets"})
        return number

    async def lookup(self, tracking_number: str, phone_last4: str) -> dict[str, Any]:
        """What the public sees of a ticket: its number, status, and masked question and answer."""
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
        return await self.desk.run(work)

    async def listed(self, status: str) -> list[dict[str, Any]]:
        def work(session: Session) -> list[dict[str, Any]]:
            rows = session.scalars(select(Ticket).where(Ticket.status == status).order_by(Ticket.created_at)).all()
            return [ticket_json(t) for t in rows]
        return await self.desk.run(work)

    async def answer(self, ticket_id: int, staff: Staff, text: str) -> dict[str, Any]:
        def work(session: Session) -> dict[str, Any]:
            ticket = _ticket(session, ticket_id)
            ticket.status = ticket_status(ticket.status, TicketStatus.ANSWERED)  # a closed one takes no answer
            ticket.answer, ticket.answered_by, ticket.answered_at = text, staff.id, utcnow()
            return ticket_json(ticket)
        answered = await self.desk.run(work)
        await self.desk.hub.publish(CONSOLE_TOPIC, {"type": "tickets"})
        return answered

    async def close(self, ticket_id: int) -> dict[str, Any]:
        def work(session: Session) -> dict[str, Any]:
            ticket = _ticket(session, ticket_id)
            ticket.status, ticket.closed_at = ticket_status(ticket.status, TicketStatus.CLOSED), utcnow()
            return ticket_json(ticket)
        closed = await self.desk.run(work)
        await self.desk.hub.publish(CONSOLE_TOPIC, {"type": "tickets"})
        return closed


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    """A ticket as the chat staff see it (contact included: they answer it)."""
    return {"id": ticket.id, "tracking_number": ticket.tracking_number, "question": ticket.question,
            "contact": ticket.contact, "status": ticket.status, "status_label": status_label(TicketStatus, ticket.status),
            "answer": ticket.answer,
            "created_at": iso(ticket.created_at), "answered_at": iso(ticket.answered_at)}


def iso(value: datetime.datetime | None) -> str | None:
    """A stored time as ISO 8601 with its UTC offset (SQLite hands back naive ones)."""
    value = aware(value)
    return value.isoformat() if value else None


def _ticket(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"留言 {ticket_id} 不存在")
    return ticket
