"""Canned replies (快捷回复): texts staff insert into a live chat with a keystroke, shared per
department, with placeholders filled from the chat's current item.

Who sees what: a reply belongs to a department, or to everyone (no department, set by admins). Staff
see the shared ones and their own department's, and edit their own department's; admins see and edit
all. Placeholders: {事项名称}, {部门}, {电话} (the item's consult phone); the current item is the one
the remote-help session names, else the last item card the bot showed in the chat. A placeholder
without a value stays as it is, so the staff member sees what to fill in by hand.

The router (``build_router``, /api/canned-replies) is for the chat roles only: they are the ones who
reply in chats. ``GET`` fills the placeholders from the item ``item_id`` (the remote-help session's
item) or else from the chat ``conversation_id``.
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from daofu_protocol import parse_message_payload
from desk.api.bodies import BodyRecordId
from desk.api.deps import ChatStaff, RecordId, RouterContext
from desk.errors import DeskError, Forbidden, NotFound
from desk.models import CannedReply, Department, Message, Staff, utcnow

PLACEHOLDERS = ("事项名称", "部门", "电话")
_PLACEHOLDER = re.compile(r"\{([^{}\s]{1,12})\}")
TITLE_MAX = 100
TEXT_MAX = 2000
RECENT_MESSAGES = 200  # how far back a chat is searched for its current item


class CannedReplyError(DeskError):
    """A reply that cannot be saved (422), naming the field for the form."""

    code = "canned_reply_invalid"
    status = 422

    def __init__(self, field: str, label: str, reason: str) -> None:
        super().__init__(f"请检查：{label}{reason}")
        self.problems = [{"field": field, "label": label, "reason": reason}]


@dataclass(frozen=True)
class ItemFacts:
    """What the placeholders are filled from."""

    id: str
    name: str
    department: str
    phone: str

    def values(self) -> dict[str, str]:
        return {"事项名称": self.name, "部门": self.department, "电话": self.phone}


@dataclass(frozen=True)
class Filled:
    text: str
    missing: tuple[str, ...]  # placeholders left as they are (no current item, or the item lacks the value)


def fill(text: str, item: ItemFacts | None) -> Filled:
    """``text`` with its placeholders replaced by the item's values."""
    values = item.values() if item is not None else {}
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1), "")
        if not value:
            if match.group(1) not in missing:
                missing.append(match.group(1))
            return match.group(0)
        return value
    return Filled(_PLACEHOLDER.sub(replace, text), tuple(missing))


def check_reply(title: str, text: str) -> tuple[str, str]:
    title, text = title.strip(), text.strip()
    if not title:
        raise CannedReplyError("title", "标题", "必须填写")
    if len(title) > TITLE_MAX:
        raise CannedReplyError("title", "标题", f"不能超过{TITLE_MAX}个字")
    if not text:
        raise CannedReplyError("text", "回复内容", "必须填写")
    if len(text) > TEXT_MAX:
        raise CannedReplyError("text", "回复内容", f"不能超过{TEXT_MAX}个字")
    unknown = sorted({name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})
    if unknown:
        known = "、".join("{" + name + "}" for name in PLACEHOLDERS)
        raise CannedReplyError("text", "回复内容", f"有未知的占位符 {'、'.join('{' + u + '}' for u in unknown)}，可用：{known}")
    return title, text


def visible_to(staff: Staff) -> Any:
    """The SQL condition of the replies ``staff`` sees."""
    if staff.role == "admin":
        return CannedReply.id.is_not(None)
    return or_(CannedReply.department_id.is_(None), CannedReply.department_id == staff.department_id) \
        if staff.department_id is not None else CannedReply.department_id.is_(None)


def may_edit(staff: Staff, department_id: int | None) -> bool:
    return staff.role == "admin" or (department_id is not None and department_id == staff.department_id)


def list_replies(session: Session, staff: Staff, item: ItemFacts | None) -> list[dict[str, Any]]:
    rows = session.scalars(select(CannedReply).where(visible_to(staff))
                           .order_by(CannedReply.department_id.is_(None), CannedReply.title, CannedReply.id)).all()
    names = department_names(session)
    return [reply_json(row, names, staff, item) for row in rows]


def create_reply(session: Session, staff: Staff, title: str, text: str, department_id: int | None,
                 shared: bool) -> CannedReply:
    title, text = check_reply(title, text)
    target = None if shared else (department_id if department_id is not None else staff.department_id)
    _check_target(session, staff, target)
    reply = CannedReply(department_id=target, title=title, text=text, created_by=staff.id, updated_at=utcnow())
    session.add(reply)
    session.flush()
    return reply


def update_reply(session: Session, staff: Staff, reply_id: int, title: str, text: str) -> CannedReply:
    reply = _editable(session, staff, reply_id)
    reply.title, reply.text = check_reply(title, text)
    reply.updated_at = utcnow()
    return reply


def delete_reply(session: Session, staff: Staff, reply_id: int) -> None:
    session.delete(_editable(session, staff, reply_id))


def reply_json(reply: CannedReply, names: Mapping[int, str], staff: Staff, item: ItemFacts | None) -> dict[str, Any]:
    filled = fill(reply.text, item)
    return {"id": reply.id, "title": reply.title, "text": reply.text, "filled": filled.text,
            "missing": list(filled.missing), "department_id": reply.department_id,
            "department": names.get(reply.department_id, "") if reply.department_id else "全部部门",
            "editable": may_edit(staff, reply.department_id)}


def current_item_id(session: Session, conversation_id: str) -> str | None:
    """The item of the last item card the bot showed in the chat, or None."""
    rows = session.scalars(select(Message).where(Message.conversation_id == conversation_id, Message.sender == "bot")
                           .order_by(Message.id.desc()).limit(RECENT_MESSAGES))
    for message in rows:
        custom = parse_message_payload(message.payload)
        if custom is not None and custom.item_card is not None:
            return custom.item_card["id"]
    return None


def item_facts(record: Any) -> ItemFacts | None:
    """Placeholder values of a knowledge record when it is a service item."""
    from indexer.records import ServiceItem

    if not isinstance(record, ServiceItem):
        return None
    return ItemFacts(record.id, record.name, record.department, record.consult_phone)


def _editable(session: Session, staff: Staff, reply_id: int) -> CannedReply:
    reply = session.get(CannedReply, reply_id)
    # Another department's reply answers like a missing one: staff learn nothing of it.
    if reply is None or not session.scalar(select(CannedReply.id).where(CannedReply.id == reply_id, visible_to(staff))):
        raise NotFound(f"快捷回复 {reply_id} 不存在")
    if not may_edit(staff, reply.department_id):
        raise Forbidden("全部门共用的快捷回复只有管理员能修改")
    return reply


def _check_target(session: Session, staff: Staff, department_id: int | None) -> None:
    if department_id is not None and session.get(Department, department_id) is None:
        raise CannedReplyError("department_id", "部门", f"部门 {department_id} 不存在")
    if staff.role == "admin":
        return
    if staff.department_id is None:
        raise Forbidden("您的账号没有所属部门：请管理员设置部门后再添加快捷回复")
    if department_id != staff.department_id:
        raise Forbidden("只能为本部门添加快捷回复（全部门共用的由管理员添加）")


def department_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Department.id, Department.name)).tuples().all())


# ---------------------------------------------------------------------- the router

class ReplyBody(BaseModel):
    # Fields default to "": the checks above name a missing one in Chinese.
    model_config = ConfigDict(extra="forbid")

    title: str = ""
    text: str = ""
    department_id: BodyRecordId | None = None  # default: the author's department
    shared: bool = False  # for every department (admins only)


def build_router(context: RouterContext) -> APIRouter:
    router = APIRouter()
    run = context.service.run

    async def facts(item_id: str, conversation_id: str) -> ItemFacts | None:
        if not item_id and conversation_id:
            found: str | None = await run(lambda s: current_item_id(s, conversation_id[:64]))
            item_id = found or ""
        if not item_id or len(item_id) > 100:
            return None
        # The search service loads its index on first use: in a worker thread.
        return item_facts(await asyncio.to_thread(context.knowledge.record, item_id))

    @router.get("/api/canned-replies")
    async def replies_for_chat(staff: ChatStaff, conversation_id: str = "", item_id: str = "") -> dict[str, Any]:
        item = await facts(item_id.strip(), conversation_id.strip())
        found = await run(lambda s: list_replies(s, _fresh(s, staff), item))
        return {"item": {"id": item.id, **item.values()} if item else None, "placeholders": list(PLACEHOLDERS),
                "replies": found}

    @router.post("/api/canned-replies", status_code=201)
    async def create_one(body: ReplyBody, staff: ChatStaff) -> dict[str, Any]:
        def work(session: Session) -> dict[str, Any]:
            me = _fresh(session, staff)
            reply = create_reply(session, me, body.title, body.text, body.department_id, body.shared)
            return reply_json(reply, department_names(session), me, None)
        return await run(work)

    @router.put("/api/canned-replies/{reply_id}")
    async def edit_one(reply_id: RecordId, body: ReplyBody, staff: ChatStaff) -> dict[str, Any]:
        def work(session: Session) -> dict[str, Any]:
            me = _fresh(session, staff)
            reply = update_reply(session, me, reply_id, body.title, body.text)
            return reply_json(reply, department_names(session), me, None)
        return await run(work)

    @router.delete("/api/canned-replies/{reply_id}", status_code=204)
    async def delete_one(reply_id: RecordId, staff: ChatStaff) -> None:
        await run(lambda s: delete_reply(s, _fresh(s, staff), reply_id))

    return router


def _fresh(session: Session, staff: Staff) -> Staff:
    """The account in this transaction (the dependency's session has ended)."""
    return session.get(Staff, staff.id) or staff
