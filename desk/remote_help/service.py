"""What the desk does for remote help: start it for an item, keep the checklist and the files, take
the staff's marks, end it with a summary, keep the shared draft, and push every change live.

Who may do what: staff act on a help only while they serve its chat (the conversation's claimed
handoff is theirs; admins may act on any); staff who served the chat may read it afterwards. The
enterprise is the widget holding the conversation's resume token. Every change is stored first,
then pushed: the full state to the conversation's widget, a notice without personal data to the
consoles (every console hears the console topic; the staff serving the chat reads the state through
the API, which checks who asks).
"""
from __future__ import annotations

import datetime
import hashlib
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from daofu_protocol import parse_message_payload
from desk.errors import Conflict, DeskError, Forbidden, NotFound
from desk.models import (
    Conversation,
    Handoff,
    Message,
    RemoteHelp,
    RemoteHelpEntry,
    RemoteHelpEvent,
    RemoteHelpField,
    RemoteHelpFile,
    Staff,
    utcnow,
)
from desk.remote_help.draft import DraftField, StaleDraftField, fields_for, normalise_value
from desk.remote_help.files import CleanFile, check_size, clean_in_child
from desk.remote_help.states import MARKS, EntryStatus, HelpStatus, entry_status, help_status
from desk.security.resume_tokens import resume_token_matches
from desk.service import CONSOLE_TOPIC, DeskService, aware, conversation_topic
from desk.settings import DeskSettings
from indexer.records import ServiceItem

ENTERPRISE = "企业"
MAX_REASON_CHARS = 500
_CHINA = datetime.timezone(datetime.timedelta(hours=8))


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff member, or the enterprise (the widget of the conversation)."""

    staff: Staff | None

    @property
    def name(self) -> str:
        return self.staff.display_name if self.staff else ENTERPRISE

    @property
    def key(self) -> str:
        return f"staff:{self.staff.id}" if self.staff else "enterprise"


@dataclass(frozen=True)
class StoredFile:
    path: Path
    media_type: str
    display_name: str


class RemoteHelpService:
    def __init__(self, desk: DeskService, knowledge: Any, settings: DeskSettings) -> None:
        self.desk = desk
        self.knowledge = knowledge
        self.settings = settings

    # ------------------------------------------------------------------ who may

    @staticmethod
    def _serving(session: Session, conversation_id: str, staff: Staff) -> None:
        """Writes: the staff member serves the chat now (admins: any chat in a person's hands)."""
        DeskService._held_by(session, conversation_id, staff)

    @staticmethod
    def _may_read(session: Session, conversation_id: str, staff: Staff) -> None:
        """Reads: the staff member serves or served the chat; admins read any."""
        if session.get(Conversation, conversation_id) is None:
            raise NotFound(f"对话 {conversation_id} 不存在")
        if staff.role == "admin":
            return
        served = session.scalar(select(func.count()).select_from(Handoff).where(
            Handoff.conversation_id == conversation_id, Handoff.claimed_by == staff.id))
        if not served:
            raise Forbidden("这个对话由其他同事负责")

    @staticmethod
    def _enterprise(session: Session, conversation_id: str, token: object) -> Conversation:
        """The conversation whose widget sent ``token``; an unknown id and a wrong token read the same."""
        conversation = session.get(Conversation, conversation_id)
        if conversation is None or not resume_token_matches(token, conversation.resume_token_hash):
            raise NotFound("没有找到这个对话的远程帮办，请刷新页面后再试")
        return conversation

    # ------------------------------------------------------------------ reading

    def state(self, session: Session, help: RemoteHelp) -> dict[str, Any]:
        entries = session.scalars(select(RemoteHelpEntry).where(RemoteHelpEntry.help_id == help.id)
                                  .order_by(RemoteHelpEntry.position)).all()
        files = session.scalars(select(RemoteHelpFile).where(RemoteHelpFile.help_id == help.id)
                                .order_by(RemoteHelpFile.id)).all()
        by_entry: dict[int, list[dict[str, Any]]] = {}
        for stored in files:
            by_entry.setdefault(stored.entry_id, []).append({
                "id": stored.id, "media_type": stored.media_type, "name": stored.display_name, "size": stored.size,
                "pages": stored.pages, "uploaded_at": aware(stored.uploaded_at).isoformat()})
        labels = {f.name: f for f in self._fields(help)}
        fields = session.scalars(select(RemoteHelpField).where(RemoteHelpField.help_id == help.id)
                                 .order_by(RemoteHelpField.id)).all()
        status = HelpStatus(help.status)
        return {
            "id": help.id, "conversation_id": help.conversation_id, "status": status.value, "status_label": status.label,
            "item": {"id": help.item_id, "name": help.item_name, "department": help.department,
                     "online_url": help.online_url, "location": help.location,
                     "online_booking": self._item_or_copy(help).online_booking},
            "entries": [{"id": e.id, "position": e.position, "name": e.name, "status": e.status,
                         "status_label": EntryStatus(e.status).label, "reason": e.reason or "",
                         "files": by_entry.get(e.id, [])} for e in entries],
            "draft": [{"name": f.name, "label": labels[f.name].label if f.name in labels else f.name,
                       "hint": labels[f.name].hint if f.name in labels else "", "value": f.value,
                       "version": f.version, "updated_by": f.updated_by,
                       "updated_at": aware(f.updated_at).isoformat()} for f in fields],
            "summary": help.summary,
            "started_at": aware(help.created_at).isoformat(),
            "ended_at": aware(help.ended_at).isoformat() if help.ended_at else None,
            "generated_at": utcnow().astimezone(_CHINA).strftime("%Y-%m-%d %H:%M"),
        }

    def _fields(self, help: RemoteHelp) -> tuple[DraftField, ...]:
        return fields_for(self._item_or_copy(help))

    def _item_or_copy(self, help: RemoteHelp) -> ServiceItem:
        """The catalog's item when it is still there, else the copy kept in the help's row."""
        record = self._catalog_item(help.item_id)
        return record or ServiceItem(id=help.item_id, name=help.item_name, department=help.department)

    def _catalog_item(self, item_id: str) -> ServiceItem | None:
        try:
            record = self.knowledge.record(item_id)
        except (OSError, LookupError, RuntimeError, DeskError):  # no index loaded: the copy will do
            return None
        return record if isinstance(record, ServiceItem) else None

    @staticmethod
    def _latest(session: Session, conversation_id: str) -> RemoteHelp | None:
        return session.scalar(select(RemoteHelp).where(RemoteHelp.conversation_id == conversation_id)
                              .order_by(RemoteHelp.id.desc()).limit(1))

    @staticmethod
    def _help(session: Session, help_id: int) -> RemoteHelp:
        help = session.get(RemoteHelp, help_id)
        if help is None:
            raise NotFound(f"远程帮办 {help_id} 不存在")
        return help

    async def for_staff(self, conversation_id: str, staff: Staff) -> dict[str, Any] | None:
        def work(session: Session) -> dict[str, Any] | None:
            self._may_read(session, conversation_id, staff)
            help = self._latest(session, conversation_id)
            return self.state(session, help) if help else None
        return await self.desk.run(work)

    async def for_enterprise(self, conversation_id: str, token: object) -> dict[str, Any] | None:
        def work(session: Session) -> dict[str, Any] | None:
            self._enterprise(session, conversation_id, token)
            help = self._latest(session, conversation_id)
            return self.state(session, help) if help else None
        return await self.desk.run(work)

    async def help_for_staff(self, help_id: int, staff: Staff) -> dict[str, Any]:
        def work(session: Session) -> dict[str, Any]:
            help = self._help(session, help_id)
            self._may_read(session, help.conversation_id, staff)
            return self.state(session, help)
        return await self.desk.run(work)

    # ------------------------------------------------------------------ starting and ending

    def current_item_id(self, session: Session, conversation_id: str) -> str | None:
        """The item the chat is about: the bot's latest item card, else the handoff's item candidate."""
        rows = session.scalars(select(Message).where(Message.conversation_id == conversation_id, Message.sender == "bot")
                               .order_by(Message.id.desc()).limit(20)).all()
        for message in rows:
            custom = parse_message_payload(message.payload)
            if custom is not None and custom.item_card is not None:
                return str(custom.item_card["id"])
        handoffs = session.scalars(select(Handoff).where(Handoff.conversation_id == conversation_id)
                                   .order_by(Handoff.id.desc())).all()
        for handoff in handoffs:
            for candidate in reversed(handoff.candidates or []):
                if isinstance(candidate, dict) and candidate.get("kind") == "item" and candidate.get("id"):
                    return str(candidate["id"])
        return None

    async def start(self, conversation_id: str, staff: Staff, item_id: str | None) -> dict[str, Any]:
        def work(session: Session) -> dict[str, Any]:
            self._serving(session, conversation_id, staff)
            chosen = item_id or self.current_item_id(session, conversation_id)
            if not chosen:
                raise DeskError("这个对话还没有涉及具体事项：请先搜索并选择要帮办的事项")
            item = self._catalog_item(chosen)
            if item is None:
                raise NotFound(f"事项目录中没有 {chosen}，请重新搜索选择事项")
            if not item.materials:
                raise DeskError(f"目录未列出“{item.name}”所需的材料，无法进行材料预审；请直接在对话中说明")
            active = session.scalar(select(RemoteHelp).where(RemoteHelp.conversation_id == conversation_id,
                                                             RemoteHelp.status == HelpStatus.ACTIVE))
            if active is not None:
                raise Conflict(f"这个对话已有进行中的远程帮办（{active.item_name}），请先结束它")
            help = RemoteHelp(conversation_id=conversation_id, item_id=item.id, item_name=item.name,
                              department=item.department, online_url=item.url, location=item.location,
                              status=HelpStatus.ACTIVE.value, started_by=staff.id)
            session.add(help)
            session.flush()
            for position, name in enumerate(item.materials, start=1):
                session.add(RemoteHelpEntry(help_id=help.id, position=position, name=name,
                                            status=EntryStatus.PENDING.value))
            for spec in fields_for(item):
                session.add(RemoteHelpField(help_id=help.id, name=spec.name, value="", version=0, updated_by=""))
            _event(session, help.id, Actor(staff), "start", f"{item.id} {item.name}")
            session.flush()
            return self.state(session, help)
        state = await self.desk.run(work)
        await self.desk.add_message(conversation_id, "system",
                                    f"工作人员已为您发起远程帮办：{state['item']['name']}。请按材料清单上传文件，"
                                    f"也可与工作人员一起填写申请表。")
        await self._publish(state)
        return state

    async def cancel(self, help_id: int, staff: Staff) -> dict[str, Any]:
        def work(session: Session) -> dict[str, Any]:
            help = self._help(session, help_id)
            self._serving(session, help.conversation_id, staff)
            help.status = help_status(help.status, HelpStatus.CANCELLED).value
            help.ended_at = help.updated_at = utcnow()
            _event(session, help.id, Actor(staff), "cancel")
            session.flush()
            return self.state(session, help)
        state = await self.desk.run(work)
        await self.desk.add_message(state["conversation_id"], "system", f"远程帮办（{state['item']['name']}）已结束。")
        await self._publish(state)
        return state

    # ------------------------------------------------------------------ materials

    async def upload(self, conversation_id: str, token: object, entry_id: int, content: bytes,
                     display_name: str) -> dict[str, Any]:
        check_size(len(content), self.settings.remote_help_max_file_mb * 1024 * 1024)

        def may_upload(session: Session) -> int:
            self._enterprise(session, conversation_id, token)
            entry, help = self._entry(session, entry_id, conversation_id)
            _active(help)
            entry_status(entry.status, EntryStatus.SUBMITTED)  # refused before any work on the file
            return help.id
        help_id = await self.desk.run(may_upload)
        kept = await clean_in_child(content, self.settings.upload_memory_mb, self.settings.upload_seconds)
        path = self._write(help_id, kept)
        name = _display_name(display_name, kept)

        def work(session: Session) -> dict[str, Any]:
            entry, help = self._entry(session, entry_id, conversation_id)
            _active(help)
            entry.status = entry_status(entry.status, EntryStatus.SUBMITTED).value
            entry.reason = None
            entry.updated_at = help.updated_at = utcnow()
            session.add(RemoteHelpFile(help_id=help.id, entry_id=entry.id, path=str(path), media_type=kept.kind.value,
                                       display_name=name, size=len(kept.content), pages=kept.pages,
                                       sha256=hashlib.sha256(kept.content).hexdigest()))
            _event(session, help.id, Actor(None), "upload", f"{entry.position}. {entry.name}: {kept.kind.value}")
            session.flush()
            return self.state(session, help)
        try:
            state = await self.desk.run(work)
        except BaseException:
            path.unlink(missing_ok=True)  # the row was not written: no file without its row
            raise
        await self._publish(state)
        return state

    def _write(self, help_id: int, kept: CleanFile) -> Path:
        folder = Path(self.settings.remote_help_dir) / str(help_id)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / f"{uuid.uuid4().hex}{kept.kind.suffix}"
        # Readable by the desk's account only; a random name, never derived from the sender's.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(kept.content)
        return path

    @staticmethod
    def _entry(session: Session, entry_id: int, conversation_id: str | None = None,
               help_id: int | None = None) -> tuple[RemoteHelpEntry, RemoteHelp]:
        entry = session.get(RemoteHelpEntry, entry_id)
        help = session.get(RemoteHelp, entry.help_id) if entry is not None else None
        if entry is None or help is None or (conversation_id is not None and help.conversation_id != conversation_id) \
                or (help_id is not None and help.id != help_id):
            raise NotFound(f"材料 {entry_id} 不存在")
        return entry, help

    async def mark(self, help_id: int, entry_id: int, staff: Staff, mark: str, reason: str) -> dict[str, Any]:
        try:
            target = EntryStatus(mark)
        except ValueError:
            target = EntryStatus.PENDING
        if target not in MARKS:
            raise DeskError("审核结果只能是 合格（accepted）、需补正（needs_fix）或 缺失（missing）")
        reason = reason.strip()
        if target == EntryStatus.NEEDS_FIX and not reason:
            raise DeskError("标为“需补正”时请写明原因，企业会看到它并据此补正")
        if len(reason) > MAX_REASON_CHARS:
            raise DeskError(f"原因太长（{len(reason)} 字），请控制在 {MAX_REASON_CHARS} 字以内")

        def work(session: Session) -> tuple[dict[str, Any], bool]:
            entry, help = self._entry(session, entry_id, help_id=help_id)
            self._serving(session, help.conversation_id, staff)
            _active(help)
            entry.status = entry_status(entry.status, target).value
            entry.reason = (reason or None) if target != EntryStatus.ACCEPTED else None
            entry.marked_by = staff.id
            entry.updated_at = help.updated_at = utcnow()
            _event(session, help.id, Actor(staff), "mark", f"{entry.position}. {entry.name}: {target.label}"
                   + (f"（{reason}）" if reason and target != EntryStatus.ACCEPTED else ""))
            session.flush()
            entries = session.scalars(select(RemoteHelpEntry).where(RemoteHelpEntry.help_id == help.id)).all()
            completed = all(e.status == EntryStatus.ACCEPTED for e in entries)
            if completed:
                help.status = help_status(help.status, HelpStatus.COMPLETED).value
                help.ended_at = utcnow()
                help.summary = self._summary(session, help, entries)
                _event(session, help.id, Actor(staff), "complete")
            session.flush()
            return self.state(session, help), completed
        state, completed = await self.desk.run(work)
        if completed:
            await self.desk.add_message(state["conversation_id"], "system",
                                        f"材料预审已完成：{state['item']['name']} 的全部材料合格。"
                                        f"您可以下载预审结果，按其中的链接在线申请或携带原件到窗口办理。")
        await self._publish(state)
        return state

    def _summary(self, session: Session, help: RemoteHelp, entries: Iterable[RemoteHelpEntry]) -> dict[str, Any]:
        files = session.scalars(select(RemoteHelpFile).where(RemoteHelpFile.help_id == help.id)
                                .order_by(RemoteHelpFile.id)).all()
        ordered = sorted(entries, key=lambda e: e.position)
        return {
            "item_id": help.item_id, "item_name": help.item_name, "department": help.department,
            "result": "材料齐全，预审合格", "online_url": help.online_url, "location": help.location,
            "completed_at": utcnow().astimezone(_CHINA).strftime("%Y-%m-%d %H:%M"),
            "materials": [{"name": e.name, "mark": EntryStatus(e.status).label,
                           "files": [f.display_name for f in files if f.entry_id == e.id]} for e in ordered],
            "bring": [f"{e.name}（原件）" for e in ordered] + ["本预审结果（打印件或手机出示）"],
        }

    # ------------------------------------------------------------------ files

    async def file_for_staff(self, help_id: int, file_id: int, staff: Staff) -> StoredFile:
        def work(session: Session) -> StoredFile:
            stored, help = self._file(session, help_id, file_id)
            self._may_read(session, help.conversation_id, staff)
            return StoredFile(Path(stored.path), stored.media_type, stored.display_name)
        return await self.desk.run(work)

    async def file_for_enterprise(self, conversation_id: str, token: object, file_id: int) -> StoredFile:
        def work(session: Session) -> StoredFile:
            self._enterprise(session, conversation_id, token)
            stored = session.get(RemoteHelpFile, file_id)
            help = session.get(RemoteHelp, stored.help_id) if stored is not None else None
            if stored is None or help is None or help.conversation_id != conversation_id:
                raise NotFound(f"文件 {file_id} 不存在")
            return StoredFile(Path(stored.path), stored.media_type, stored.display_name)
        return await self.desk.run(work)

    @staticmethod
    def _file(session: Session, help_id: int, file_id: int) -> tuple[RemoteHelpFile, RemoteHelp]:
        stored = session.get(RemoteHelpFile, file_id)
        help = session.get(RemoteHelp, help_id)
        if stored is None or help is None or stored.help_id != help.id:
            raise NotFound(f"文件 {file_id} 不存在")
        return stored, help

    # ------------------------------------------------------------------ the draft

    async def write_field(self, help_id: int | None, conversation_id: str | None, actor: Actor, token: object,
                          name: str, value: str, version: int) -> dict[str, Any]:
        """Store ``value`` if the field is still at ``version``; StaleDraftField (409, with the value
        that won) otherwise. Staff name the help; the enterprise its conversation (with its token)."""
        def work(session: Session) -> dict[str, Any]:
            if actor.staff is not None:
                assert help_id is not None
                help = self._help(session, help_id)
                self._serving(session, help.conversation_id, actor.staff)
            else:
                assert conversation_id is not None
                self._enterprise(session, conversation_id, token)
                found = self._latest(session, conversation_id)
                if found is None or (help_id is not None and found.id != help_id):
                    raise NotFound("这个对话没有进行中的远程帮办")
                help = found
            if help.status == HelpStatus.CANCELLED:
                raise Conflict("这次远程帮办已取消，申请表不能再修改")
            known = {f.name: f.label for f in self._fields(help)}
            row = session.scalar(select(RemoteHelpField).where(RemoteHelpField.help_id == help.id,
                                                               RemoteHelpField.name == name))
            if row is None or name not in known:
                raise NotFound(f"申请表没有“{name}”这一项")
            stored = normalise_value(name, value)
            # Compare and set in one statement: of two writers holding the same version, one matches.
            result = cast(CursorResult[Any], session.execute(
                update(RemoteHelpField).where(RemoteHelpField.id == row.id, RemoteHelpField.version == version)
                .values(value=stored, version=RemoteHelpField.version + 1, updated_by=actor.name, updated_at=utcnow())))
            session.expire(row)
            if result.rowcount != 1:
                current = {"name": row.name, "value": row.value, "version": row.version, "updated_by": row.updated_by}
                raise StaleDraftField(f"“{known[name]}”已被{row.updated_by or '对方'}改为“{row.value}”，"
                                      f"您的修改未保存；请确认后再提交", current)
            help.updated_at = utcnow()
            _event(session, help.id, actor, "draft", name)  # the field's name only, not the value
            session.flush()
            return self.state(session, help)
        state = await self.desk.run(work)
        await self._publish(state)
        return state

    # ------------------------------------------------------------------ PDF

    async def pdf_state(self, help_id: int | None, conversation_id: str | None, staff: Staff | None,
                        token: object) -> dict[str, Any]:
        def work(session: Session) -> dict[str, Any]:
            if staff is not None:
                assert help_id is not None
                help = self._help(session, help_id)
                self._may_read(session, help.conversation_id, staff)
            else:
                assert conversation_id is not None
                self._enterprise(session, conversation_id, token)
                found = self._latest(session, conversation_id)
                if found is None:
                    raise NotFound("这个对话没有远程帮办")
                help = found
            return self.state(session, help)
        return await self.desk.run(work)

    # ------------------------------------------------------------------ live

    async def _publish(self, state: dict[str, Any]) -> None:
        conversation_id = state["conversation_id"]
        await self.desk.hub.publish(conversation_topic(conversation_id), {"type": "remote_help", "help": state})
        await self.desk.hub.publish(CONSOLE_TOPIC, {"type": "remote_help", "conversation_id": conversation_id,
                                                    "help_id": state["id"], "status": state["status"]})


def _active(help: RemoteHelp) -> None:
    if help.status != HelpStatus.ACTIVE:
        raise Conflict(f"这次远程帮办{HelpStatus(help.status).label}，不能再修改材料")


def _event(session: Session, help_id: int, actor: Actor, action: str, detail: str = "") -> None:
    session.add(RemoteHelpEvent(help_id=help_id, actor=actor.key, action=action, detail=detail[:1000]))


def _display_name(sent: str, kept: CleanFile) -> str:
    """A name to show: the sender's without folders or control characters, its suffix the real kind's."""
    base = sent.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()[:150]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem or '材料'}{kept.kind.suffix}"
