"""JSON shapes the staff API answers with (accounts, a conversation with its transcript)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk.models import Handoff, Message, Staff
from desk.queue_states import ConversationStatus, status_label
from desk.service import DeskService, handoff_labels, message_dict
from desk.tickets import iso


def staff_json(staff: Staff) -> dict[str, Any]:
    return {"id": staff.id, "username": staff.username, "display_name": staff.display_name, "role": staff.role,
            "department_id": staff.department_id}  # a handler's department (the demand pages name it)


def conversation_json(session: Session, conversation_id: str) -> dict[str, Any]:
    conversation = DeskService._conversation(session, conversation_id)
    messages = session.scalars(select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)).all()
    # looked up with optional ids (a message without staff, an unclaimed handoff)
    names: dict[int | None, str] = {s.id: s.display_name for s in session.scalars(select(Staff)).all()}
    handoff = session.scalar(select(Handoff).where(Handoff.conversation_id == conversation_id).order_by(Handoff.id.desc()))
    return {
        "conversation": {"id": conversation.id, "status": conversation.status,
                         "status_label": status_label(ConversationStatus, conversation.status),
                         "created_at": iso(conversation.created_at),
                         "rating": conversation.rating, "rating_comment": conversation.rating_comment},
        "messages": [message_dict(m, names.get(m.staff_id)) for m in messages],
        "handoff": None if handoff is None else {
            "id": handoff.id, "reason": handoff.reason, **handoff_labels(handoff.reason, handoff.priority),
            "summary": handoff.summary, "candidates": handoff.candidates or [], "status": handoff.status,
            "claimed_by_name": names.get(handoff.claimed_by)},
    }
