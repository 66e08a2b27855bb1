"""Demands that touch a conversation: filed in the chat (the widget's form), left off-hours (the
leave-a-message form becomes a 咨询 demand), taken down by staff from a live chat or a phone call;
and the live frame an open widget gets when a demand of its conversation changes.

A conversation id that comes with a demand only links the two (the chat's transcript names the
demand; the chat's widget hears of its changes): it grants nothing. The enterprise reads a demand
only with its tracking number and the contact phone's last 4 digits (DemandService.track).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from daofu_protocol import DemandCategory
from desk.demands.service import DemandChannel, DemandInput, DemandService, normalize_phone
from desk.demands.states import Actor, DemandState
from desk.errors import BadFrame, NotFound
from desk.models import Conversation, Demand, Department, Staff
from desk.queue_states import ConversationStatus, conversation_status
from desk.service import CONSOLE_TOPIC, DeskService, conversation_topic

UNSTATED = "未填写"  # what the leave-a-message form did not ask for (older widgets send no names)


@dataclass(frozen=True)
class Filed:
    """A demand just filed: what the enterprise is told."""

    id: int
    tracking_number: str
    category: str
    status: str
    due_date: str  # ISO date
    conversation_id: str | None

    @classmethod
    def of(cls, demand: Demand) -> Filed:
        return cls(demand.id, demand.tracking_number, demand.category, demand.status, demand.due_date.isoformat(),
                   demand.conversation_id)


class DemandIntake:
    """Files demands for the widget gateway and the intake routes; announces changes to the chat."""

    def __init__(self, desk: DeskService, demands: DemandService) -> None:
        self.desk = desk
        self.demands = demands

    async def file(self, data: DemandInput, staff: Staff | None = None, strict_link: bool = False) -> Filed:
        """File ``data``; link its conversation when it exists (``strict_link``: 404 when it does
        not, for staff who picked it), tell the chat the number and the consoles of the new demand."""
        def work(session: Session) -> Filed:
            linked = data.conversation_id if _exists(session, data.conversation_id) else None
            if data.conversation_id and linked is None and strict_link:
                raise NotFound(f"对话 {data.conversation_id[:64]} 不存在：请从打开的会话登记，或选择电话登记")
            channel = data.channel
            if channel is DemandChannel.WEB and linked:
                channel = DemandChannel.WIDGET
            actor = Actor("staff", staff.id, staff.display_name) if staff is not None else None
            return Filed.of(self.demands.file(session, dataclasses.replace(
                data, conversation_id=linked, channel=channel), actor))
        filed = await self.desk.run(work)
        if filed.conversation_id:
            await self.desk.add_message(filed.conversation_id, "system", filed_text(filed, staff is not None))
        await self.desk.hub.publish(CONSOLE_TOPIC, {"type": "demands", "id": filed.id, "status": filed.status})
        return filed

    async def leave_message(self, conversation_id: str, question: str, contact: str, contact_name: str = "",
                            enterprise_name: str = "") -> Filed:
        """The off-hours leave-a-message form as a 咨询 demand of the conversation, which then closes
        (nobody answers it live). ``contact`` must be a phone: the enterprise tracks the demand
        with its last 4 digits and is told of the reply by SMS."""
        try:
            phone = normalize_phone(contact)
        except ValueError as error:
            raise BadFrame(f"联系电话：{error}") from error
        data = DemandInput(DemandCategory.CONSULTATION, question.strip(), enterprise_name.strip()[:200] or UNSTATED,
                           contact_name.strip()[:64] or UNSTATED, phone, DemandChannel.MESSAGE, conversation_id)
        filed = await self.file(data)

        def close(session: Session) -> None:
            conversation = session.get(Conversation, conversation_id)
            if conversation is not None and conversation.status != ConversationStatus.CLOSED:
                conversation.status = conversation_status(conversation.status, ConversationStatus.CLOSED)
        await self.desk.run(close)
        return filed

    async def announce(self, demand_id: int) -> None:
        """Push the demand's new state to the widget of its conversation, if it has one."""
        def work(session: Session) -> tuple[str, dict[str, Any]] | None:
            demand = session.get(Demand, demand_id)
            if demand is None or not demand.conversation_id:
                return None
            return demand.conversation_id, widget_frame(session, demand)
        found = await self.desk.run(work)
        if found is not None:
            await self.desk.hub.publish(conversation_topic(found[0]), found[1])


def widget_frame(session: Session, demand: Demand) -> dict[str, Any]:
    """The ``demand`` frame of /ws/widget: no personal data (the widget looks the rest up with the
    number and the phone's last 4 digits, as anybody must)."""
    state = DemandState(demand.status)
    department = session.get(Department, demand.department_id) if demand.department_id else None
    return {"type": "demand", "demand": {
        "tracking_number": demand.tracking_number, "category": demand.category, "status": state.value,
        "status_text": state.label, "department": department.name if department else None,
        "due_date": demand.due_date.isoformat(), "overdue": demand.overdue,
        "can_rate": state is DemandState.REPLIED}}


def filed_text(filed: Filed, by_staff: bool) -> str:
    who = "工作人员已为您登记" if by_staff else "已为您登记"
    return (f"{who}{filed.category}类诉求，诉求编号 {filed.tracking_number}，办理时限 {filed.due_date}。"
            "可凭诉求编号和联系电话后四位查询办理进度和答复。")


def _exists(session: Session, conversation_id: str | None) -> bool:
    return bool(conversation_id) and session.get(Conversation, conversation_id) is not None
