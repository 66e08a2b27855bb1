"""Router of /api/demands and /api/departments (desk/PROTOCOL.md "Demands").

Anonymous: file a demand (rate-limited per client), track it with the number and the contact phone's
last 4 digits, rate the reply. Staff, by role: 应答 (staff) dispatch and close, 承办 (handler) accept,
return, ask for an extension and reply within their own department, 督办 (supervisor) see everything
and approve extensions, admins edit departments. Bodies are Pydantic models with extra="forbid"; a
bad body or parameter answers 422 with each field and its reason in Chinese (desk/api/errors.py).
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from daofu_core.errors import DaofuError
from desk.api.deps import RecordId, RouterContext
from desk.demands.intake import DemandIntake
from desk.demands.outbox import LoggingSender, NotificationSender, deliver_pending
from desk.demands.service import (
    ROLE_RIGHTS,
    DemandCategory,
    DemandChannel,
    DemandInput,
    DemandService,
    Rating,
    catalog_departments,
    mask_name,
    mask_phone,
    normalize_phone,
    seed_departments,
)
from desk.demands.states import DemandState
from desk.errors import Conflict, NotFound
from desk.masking import mask_personal_data
from desk.models import Demand, DemandEvent, Department, Staff
from desk.periodic import every
from desk.security.origins import CROSS_ORIGIN_WRITES
from desk.security.rate_limits import ClientLimiter, client_address  # one place for client limits
from desk.service import CONSOLE_TOPIC, aware

logger = logging.getLogger(__name__)
LOOKUP_FACTOR = 10  # lookups and ratings may come ten times as often as filings

# ---------------------------------------------------------------------- request bodies

class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DemandBody(_Body):
    category: DemandCategory
    content: str = Field(min_length=5, max_length=4000)
    enterprise_name: str = Field(min_length=2, max_length=200)
    contact_name: str = Field(min_length=1, max_length=64)
    contact_phone: str = Field(max_length=32)
    # The chat the form was filled in (the widget sends its own): links the two, grants nothing.
    conversation_id: str | None = Field(default=None, min_length=1, max_length=64)

    @field_validator("contact_phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return normalize_phone(value)

    def to_input(self, channel: DemandChannel = DemandChannel.WEB) -> DemandInput:
        return DemandInput(self.category, self.content, self.enterprise_name, self.contact_name, self.contact_phone,
                           channel, self.conversation_id)


class IntakeBody(DemandBody):
    """A demand staff take down: from the live chat they serve (chat), or from a phone call (phone)."""

    channel: Literal["chat", "phone"]

    def check_link(self) -> None:
        """A chat intake names its chat: a 422 on ``conversation_id`` otherwise (a model validator's
        error would name the whole body)."""
        if self.channel == "chat" and not self.conversation_id:
            raise RequestValidationError([{"type": "value_error", "loc": ("body", "conversation_id"), "input": None,
                                           "msg": "从在线对话登记诉求时必须填写（打开的会话）"}])


class DispatchBody(_Body):
    department: str = Field(min_length=1, max_length=100)
    note: str = Field(default="", max_length=1000)


class ReasonBody(_Body):
    reason: str = Field(min_length=2, max_length=1000)


class ExtendBody(_Body):
    days: int = Field(ge=1, le=30)
    reason: str = Field(min_length=2, max_length=1000)


class TextBody(_Body):
    text: str = Field(min_length=1, max_length=4000)


class RatingBody(_Body):
    phone_last4: str = Field(pattern=r"^\d{4}$")
    score: Rating
    comment: str = Field(default="", max_length=1000)


class DepartmentBody(_Body):
    name: str = Field(min_length=2, max_length=100)


class DepartmentPatch(_Body):
    name: str | None = Field(default=None, min_length=2, max_length=100)
    active: bool | None = None


# ---------------------------------------------------------------------- the router

def build_router(context: RouterContext, demands: DemandService | None = None,
                 sender: NotificationSender | None = None) -> APIRouter:
    settings = context.settings
    demands = demands or DemandService(settings)
    sender = sender or LoggingSender()
    filings = ClientLimiter(settings.demand_rate_limit, redis_url=settings.redis_url)
    lookups = ClientLimiter(settings.demand_rate_limit, LOOKUP_FACTOR, redis_url=settings.redis_url)
    run = context.service.run
    intake = DemandIntake(context.service, demands)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        from indexer.settings import IndexerSettings

        catalog = IndexerSettings.from_env().knowledge_base_dir / "catalog"
        names = await asyncio.to_thread(catalog_departments, catalog)
        try:
            await run(lambda s: seed_departments(s, names))
        except IntegrityError:
            # Another desk process starting at the same moment seeded them first (several desks on
            # one PostgreSQL); a second look adds only what is still missing.
            await run(lambda s: seed_departments(s, names))
        async with every(settings.demand_sweep_seconds, _sweep, "demand sweep"):
            yield

    async def _sweep() -> None:
        result = await run(demands.sweep)
        await run(lambda s: deliver_pending(s, sender))
        if result.reminded or result.overdue or result.recalculated:
            await context.hub.publish(CONSOLE_TOPIC, {"type": "demands"})

    # Errors, rate limits (429 with Retry-After) included, are answered by the app's handlers.
    router = APIRouter(lifespan=lifespan)
    current = context.current_staff

    def limit_filing(request: Request) -> None:
        filings.check(client_address(request), "file")

    def limit_lookup(request: Request) -> None:
        lookups.check(client_address(request), "lookup")

    async def changed(demand: Demand, staff: Staff) -> dict[str, Any]:
        await context.hub.publish(CONSOLE_TOPIC, {"type": "demands", "id": demand.id, "status": demand.status})
        await intake.announce(demand.id)  # the chat it came from, if its widget is open
        return await run(lambda s: staff_json(s, s.get(Demand, demand.id) or demand, viewer=staff))

    # ------------------------------------------------------------------ anonymous

    @router.post("/api/demands", status_code=201, dependencies=[Depends(limit_filing)],
                 openapi_extra=CROSS_ORIGIN_WRITES)
    async def file_demand(body: DemandBody) -> dict[str, Any]:
        filed = await intake.file(body.to_input())
        return {"tracking_number": filed.tracking_number, "status": filed.status, "due_date": filed.due_date}

    @router.get("/api/demands/track/{tracking_number}", dependencies=[Depends(limit_lookup)])
    async def track(tracking_number: str, phone_last4: str = "") -> dict[str, Any]:
        return await run(lambda s: public_json(s, demands.track(s, tracking_number, phone_last4)))

    @router.post("/api/demands/track/{tracking_number}/rating", dependencies=[Depends(limit_lookup)],
                 openapi_extra=CROSS_ORIGIN_WRITES)
    async def rate(tracking_number: str, body: RatingBody) -> dict[str, Any]:
        def work(session: Session) -> dict[str, Any]:
            demand = demands.rate(session, tracking_number, body.phone_last4, body.score, body.comment)
            return public_json(session, demand)
        result = await run(work)
        await context.hub.publish(CONSOLE_TOPIC, {"type": "demands"})
        demand_id = await run(lambda s: demands.track(s, tracking_number, body.phone_last4).id)
        await intake.announce(demand_id)
        return result

    # ------------------------------------------------------------------ staff

    @router.get("/api/demands")
    async def list_demands(status: DemandState | None = None, department: str = "",
                           overdue: bool | None = None, staff: Staff = Depends(current)) -> list[dict[str, Any]]:
        def work(session: Session) -> list[dict[str, Any]]:
            rows = demands.list_for(session, staff, status.value if status else None, department or None, overdue)
            names = _department_names(session)
            return [staff_json(session, row, names, with_events=False, viewer=staff) for row in rows]
        return await run(work)

    # The role before the body (a dependency), as on every staff route: 403, not 422, for other roles.
    intake_staff = context.require_role(*ROLE_RIGHTS["intake"])

    @router.post("/api/demands/intake", status_code=201)
    async def take_down(body: IntakeBody, staff: Staff = Depends(intake_staff)) -> dict[str, Any]:
        """应答 staff file a demand for the enterprise they are talking to (chat or phone)."""
        body.check_link()
        filed = await intake.file(body.to_input(DemandChannel(body.channel)), staff, strict_link=True)
        return await run(lambda s: staff_json(s, s.get(Demand, filed.id) or _gone(filed.id), viewer=staff))

    @router.get("/api/demands/{demand_id}")
    async def demand_detail(demand_id: RecordId, staff: Staff = Depends(current)) -> dict[str, Any]:
        return await run(lambda s: staff_json(s, demands.get_for(s, staff, demand_id), viewer=staff))

    @router.get("/api/demands/{demand_id}/suggestions")
    async def suggestions(demand_id: RecordId, staff: Staff = Depends(current)) -> dict[str, Any]:
        demand = await run(lambda s: demands.get_for(s, staff, demand_id, "view"))
        try:
            # The search loads its model on first use: in a worker thread, not at import or start-up.
            found = await run(lambda s: demands.suggest_departments(s, context.knowledge, demand.content))
        except DaofuError as error:
            return {"suggestions": [], "problem": f"暂时无法根据知识库推荐部门（{error}），请手动选择"}
        return {"suggestions": [{"department": s.department, "department_id": s.department_id,
                                 "reason": s.reason, "score": round(s.score, 3)} for s in found]}

    @router.post("/api/demands/{demand_id}/dispatch")
    async def dispatch(demand_id: RecordId, body: DispatchBody, staff: Staff = Depends(current)) -> dict[str, Any]:
        return await changed(await run(lambda s: demands.dispatch(s, staff, demand_id, body.department, body.note)), staff)

    @router.post("/api/demands/{demand_id}/accept")
    async def accept(demand_id: RecordId, staff: Staff = Depends(current)) -> dict[str, Any]:
        return await changed(await run(lambda s: demands.accept(s, staff, demand_id)), staff)

    @router.post("/api/demands/{demand_id}/return")
    async def return_demand(demand_id: RecordId, body: ReasonBody, staff: Staff = Depends(current)) -> dict[str, Any]:
        return await changed(await run(lambda s: demands.return_to_dispatch(s, staff, demand_id, body.reason)), staff)

    @router.post("/api/demands/{demand_id}/extend")
    async def extend(demand_id: RecordId, body: ExtendBody, staff: Staff = Depends(current)) -> dict[str, Any]:
        return await changed(await run(lambda s: demands.request_extension(s, staff, demand_id, body.days, body.reason)), staff)

    @router.post("/api/demands/{demand_id}/approve-extension")
    async def approve_extension(demand_id: RecordId, staff: Staff = Depends(current)) -> dict[str, Any]:
        return await changed(await run(lambda s: demands.approve_extension(s, staff, demand_id)), staff)

    @router.post("/api/demands/{demand_id}/reject-extension")
    async def reject_extension(demand_id: RecordId, body: ReasonBody, staff: Staff = Depends(current)) -> dict[str, Any]:
        return await changed(await run(lambda s: demands.reject_extension(s, staff, demand_id, body.reason)), staff)

    @router.post("/api/demands/{demand_id}/notes")
    async def note(demand_id: RecordId, body: TextBody, staff: Staff = Depends(current)) -> dict[str, Any]:
        return await changed(await run(lambda s: demands.add_note(s, staff, demand_id, body.text)), staff)

    @router.post("/api/demands/{demand_id}/reply")
    async def reply(demand_id: RecordId, body: TextBody, staff: Staff = Depends(current)) -> dict[str, Any]:
        return await changed(await run(lambda s: demands.reply(s, staff, demand_id, body.text)), staff)

    @router.post("/api/demands/{demand_id}/close")
    async def close(demand_id: RecordId, staff: Staff = Depends(current)) -> dict[str, Any]:
        return await changed(await run(lambda s: demands.close(s, staff, demand_id)), staff)

    # ------------------------------------------------------------------ departments

    admin = context.require_role("admin")

    @router.get("/api/departments")
    async def departments(staff: Staff = Depends(current)) -> list[dict[str, Any]]:
        def work(session: Session) -> list[dict[str, Any]]:
            rows = session.scalars(select(Department).order_by(Department.name)).all()
            return [_department_json(row) for row in rows]
        return await run(work)

    @router.post("/api/departments", status_code=201)
    async def add_department(body: DepartmentBody, staff: Staff = Depends(admin)) -> dict[str, Any]:
        def work(session: Session) -> dict[str, Any]:
            if session.scalar(select(Department).where(Department.name == body.name)) is not None:
                raise Conflict(f"部门 {body.name} 已存在")
            department = Department(name=body.name, active=True)
            session.add(department)
            session.flush()
            return _department_json(department)
        return await run(work)

    @router.patch("/api/departments/{department_id}")
    async def edit_department(department_id: RecordId, body: DepartmentPatch, staff: Staff = Depends(admin)) -> dict[str, Any]:
        def work(session: Session) -> dict[str, Any]:
            department = session.get(Department, department_id)
            if department is None:
                raise NotFound(f"部门 {department_id} 不存在")
            if body.name is not None and body.name != department.name:
                if session.scalar(select(Department).where(Department.name == body.name)) is not None:
                    raise Conflict(f"部门 {body.name} 已存在")
                department.name = body.name
            if body.active is not None:
                department.active = body.active
            return _department_json(department)
        return await run(work)

    return router


# ---------------------------------------------------------------------- answers

def owns_contact(viewer: Staff | None, demand: Demand) -> bool:
    """Whether ``viewer`` holds the demand now and so may call the enterprise back: the 应答 desk
    while it waits for (re)dispatch or for closing after the reply, the handlers of its department.
    Supervisors, admins and the desk once it is with a department see contacts masked."""
    if viewer is None:
        return True  # no viewer: a caller that is itself the owner (tests, the service's own use)
    if viewer.role == "handler":
        return demand.department_id is not None and demand.department_id == viewer.department_id
    return viewer.role == "staff" and demand.status in _DESK_STATES


_DESK_STATES = frozenset({DemandState.RECEIVED.value, DemandState.RETURNED.value, DemandState.REPLIED.value})


def staff_json(session: Session, demand: Demand, names: dict[int, str] | None = None,
               with_events: bool = True, viewer: Staff | None = None) -> dict[str, Any]:
    """A demand for staff: contact details in full for those who hold it (they call back), masked
    for the others (``owns_contact``), as the public lookup masks them."""
    names = names if names is not None else _department_names(session)
    state = DemandState(demand.status)
    owner = owns_contact(viewer, demand)
    data: dict[str, Any] = {
        "id": demand.id, "tracking_number": demand.tracking_number, "category": demand.category,
        "content": demand.content if owner else mask_personal_data(demand.content),
        "enterprise_name": demand.enterprise_name,
        "contact_name": demand.contact_name if owner else mask_name(demand.contact_name),
        "contact_phone": demand.contact_phone if owner else mask_phone(demand.contact_phone),
        "contact_masked": not owner, "channel": demand.channel,
        "conversation_id": demand.conversation_id, "status": state.value,
        "status_text": state.label, "department": names.get(demand.department_id or 0),
        "department_id": demand.department_id, "handler_id": demand.handler_id,
        "time_limit_days": demand.time_limit_days, "due_date": demand.due_date.isoformat(),
        "remind_date": demand.remind_date.isoformat(), "overdue": demand.overdue,
        "extension_days": demand.extension_days, "reply": demand.reply, "replied_at": _iso(demand.replied_at),
        "closed_at": _iso(demand.closed_at), "reopen_count": demand.reopen_count,
        "return_count": demand.return_count, "rating": demand.rating, "rating_comment": demand.rating_comment,
        "created_at": _iso(demand.created_at),
    }
    if with_events:
        events = session.scalars(select(DemandEvent).where(DemandEvent.demand_id == demand.id)
                                 .order_by(DemandEvent.id)).all()
        data["events"] = [{"action": e.action, "from_status": e.from_status, "to_status": e.to_status,
                           "actor_kind": e.actor_kind, "actor_name": e.actor_name, "note": e.note,
                           "public": e.public, "detail": e.detail, "at": _iso(e.created_at)} for e in events]
    return data


def public_json(session: Session, demand: Demand) -> dict[str, Any]:
    """What the enterprise sees: status, department, deadline, reply and public history; personal
    data masked (whoever holds the number and 4 digits need not be the contact)."""
    state = DemandState(demand.status)
    department = session.get(Department, demand.department_id) if demand.department_id else None
    events = session.scalars(select(DemandEvent).where(DemandEvent.demand_id == demand.id,
                                                       DemandEvent.public.is_(True)).order_by(DemandEvent.id)).all()
    return {
        "tracking_number": demand.tracking_number, "category": demand.category, "status": state.value,
        "status_text": state.label, "department": department.name if department else None,
        "due_date": demand.due_date.isoformat(), "overdue": demand.overdue,
        "content": mask_personal_data(demand.content), "enterprise_name": demand.enterprise_name,
        "contact_name": mask_name(demand.contact_name), "contact_phone": mask_phone(demand.contact_phone),
        "reply": mask_personal_data(demand.reply) if demand.reply else None, "replied_at": _iso(demand.replied_at),
        "rating": demand.rating, "can_rate": state is DemandState.REPLIED,
        "history": [{"action": e.action, "status": e.to_status, "status_text": DemandState(e.to_status).label,
                     "at": _iso(e.created_at)} for e in events],
    }


def _gone(demand_id: int) -> Demand:
    raise NotFound(f"诉求 {demand_id} 不存在")


def _department_json(department: Department) -> dict[str, Any]:
    return {"id": department.id, "name": department.name, "active": department.active,
            "catalog_name": department.catalog_name}


def _department_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Department.id, Department.name)).tuples().all())


def _iso(value: datetime.datetime | None) -> str | None:
    value = aware(value)
    return value.isoformat() if value else None
