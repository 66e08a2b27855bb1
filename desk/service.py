"""What the desk does with conversations: store, relay to the bot, escalate, queue, hand back.

Every user message is stored before it is relayed; bot and staff messages are stored before they
are pushed. Database work is synchronous (SQLAlchemy) and runs in worker threads from the async
handlers; messages of one conversation are relayed one at a time, in order.
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime
import functools
import logging
import statistics
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast, overload

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from daofu_protocol import (
    CustomPayload,
    HandoffReason,
    QueuePriority,
    SavedPolicyProfile,
    parse_custom,
    parse_message_payload,
    priority_label,
    reason_label,
)
from desk.db import Database
from desk.errors import Conflict, DeskError, Forbidden, NotFound
from desk.hub import Hub
from desk.models import Conversation, Handoff, Message, Staff, utcnow
from desk.queue_states import (
    OPEN_HANDOFF_STATUSES,
    SERVED_HANDOFF_STATUSES,
    ConversationStatus,
    HandoffStatus,
    conversation_status,
    handoff_status,
    status_label,
)
from desk.rasa_client import BotUnavailable, RasaClient
from desk.security.resume_tokens import new_resume_token, resume_token_hash, resume_token_matches
from desk.settings import DeskSettings

logger = logging.getLogger(__name__)
T = TypeVar("T")

CONSOLE_TOPIC = "console"
DEFAULT_HANDLING_SECONDS = 180
STAFF_ONLINE_SECONDS = 90
CONVERSATION_EXPIRY_DAYS = 30
BOT_TIMEOUT_TEXT = "抱歉，机器人暂时没有回应，您的问题已经保存。可以稍后再问，或点击“转人工”由工作人员为您解答。"


def handoff_labels(reason: str, priority: int) -> dict[str, str]:
    """The Chinese words the consoles show for a handoff (they keep no table of their own).
    ``reason_text`` is the older name of ``reason_label``, kept for clients that read it."""
    label = reason_label(reason)
    return {"reason_label": label, "reason_text": label, "priority_label": priority_label(priority)}


def conversation_topic(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


@overload
def aware(value: datetime.datetime) -> datetime.datetime: ...
@overload
def aware(value: None) -> None: ...
@overload
def aware(value: datetime.datetime | None) -> datetime.datetime | None: ...
def aware(value: datetime.datetime | None) -> datetime.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


def message_dict(message: Message, staff_name: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": message.id, "sender": message.sender, "text": message.text,
                            "payload": message.payload, "created_at": aware(message.created_at).isoformat()}
    if message.client_message_id:
        data["client_id"] = message.client_message_id
    if staff_name:
        data["staff_name"] = staff_name
    return data


@dataclass(frozen=True)
class Opened:
    conversation_id: str
    status: str
    messages: list[dict[str, Any]]
    problem: str | None  # unknown_conversation / expired_conversation when a new one was started
    # A new conversation's resume token for its widget (None when one was resumed). The new
    # conversation has no row yet: the first user message creates it (``opening``).
    resume_token: str | None = None
    opening: Opening | None = None


@dataclass(frozen=True)
class Opening:
    """What the row of a conversation started by a widget gets when its first message arrives:
    connecting alone stores nothing (so idle or flooding connections leave no rows)."""
    resume_token_hash: str
    page_url: str | None


BOT_SILENT_TEXT = "抱歉，我没能理解这句话。可以换个说法再问一次（比如说明想办什么业务），或点“转人工”。"


def merge_replies(replies: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any] | None]]:
    """One (text, payload) per bot utterance. Rasa's REST channel sends the text and the custom
    payload of one utterance as two replies; a custom-only reply joins the text before it."""
    merged: list[tuple[str, dict[str, Any] | None]] = []
    for reply in replies:
        text = str(reply.get("text") or "")
        payload = {key: reply[key] for key in ("custom", "buttons", "image") if reply.get(key)} or None
        if not text and payload and set(payload) == {"custom"} and merged and merged[-1][0] \
                and not (merged[-1][1] or {}).get("custom"):
            previous_text, previous_payload = merged[-1]
            merged[-1] = (previous_text, {**(previous_payload or {}), **payload})
            continue
        merged.append((text, payload))
    return merged


class DeskService:
    def __init__(self, settings: DeskSettings, database: Database, hub: Hub, rasa: RasaClient) -> None:
        self.settings = settings
        self.db = database
        self.hub = hub
        self.rasa = rasa
        self._relay_locks = KeyedLocks()

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a transaction on a worker thread."""
        def transaction() -> T:
            with self.db.session() as session:
                return work(session)
        return await asyncio.to_thread(transaction)

    # ------------------------------------------------------------------ conversations

    async def open_conversation(self, conversation_id: str | None, after: int, page: str | None,
                                resume_token: object = None) -> Opened:
        """Resume the conversation its widget names, if the widget holds its resume token; else
        start a new one. A known id with a wrong or missing token is answered like an unknown id:
        the sender learns nothing of that conversation, not even that it exists."""
        def work(session: Session) -> Opened:
            problem = None
            conversation = session.get(Conversation, conversation_id) if conversation_id else None
            if conversation is not None and not resume_token_matches(resume_token, conversation.resume_token_hash):
                conversation = None
            if conversation_id and conversation is None:
                problem = "unknown_conversation"
            elif conversation is not None and _expired(conversation):
                problem, conversation = "expired_conversation", None
            if conversation is None:
                token = new_resume_token()
                return Opened(uuid.uuid4().hex, ConversationStatus.BOT, [], problem, token,
                              Opening(resume_token_hash(token), (page or "")[:500] or None))
            rows = session.scalars(select(Message).where(Message.conversation_id == conversation.id,
                                                         Message.id > max(after, 0)).order_by(Message.id)).all()
            names = _staff_names(session, rows)
            return Opened(conversation.id, conversation.status, [message_dict(m, names.get(m.staff_id)) for m in rows], problem)
        return await self.run(work)

    async def store_user_message(self, conversation_id: str, client_id: str, text: str,
                                 payload: dict[str, Any] | None = None,
                                 opening: Opening | None = None) -> tuple[dict[str, Any], bool, str]:
        """Store once per client id: (message, was_duplicate, conversation status). The first
        message of a conversation a widget started creates its row (``opening``)."""
        def work(session: Session) -> tuple[dict[str, Any], bool, str]:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None and opening is not None:
                conversation = Conversation(id=conversation_id, status=ConversationStatus.BOT, page_url=opening.page_url,
                                            resume_token_hash=opening.resume_token_hash)
                session.add(conversation)
                session.flush()
            elif conversation is None:
                raise NotFound(f"对话 {conversation_id} 不存在")
            existing = session.scalar(select(Message).where(Message.conversation_id == conversation_id,
                                                            Message.client_message_id == client_id))
            if existing is not None:
                return message_dict(existing), True, conversation.status
            if conversation.status == ConversationStatus.CLOSED:
                # writing again after the end starts over with the bot
                conversation.status = conversation_status(conversation.status, ConversationStatus.BOT)
            message = Message(conversation_id=conversation_id, client_message_id=client_id, sender="user",
                              text=text, payload=payload)
            session.add(message)
            conversation.updated_at = utcnow()
            session.flush()
            return message_dict(message), False, conversation.status
        try:
            return await self.run(work)
        except IntegrityError:  # the same client id raced in on another connection
            return await self.run(work)

    async def add_message(self, conversation_id: str, sender: str, text: str, payload: dict[str, Any] | None = None,
                          staff: Staff | None = None) -> dict[str, Any]:
        def work(session: Session) -> dict[str, Any]:
            conversation = self._conversation(session, conversation_id)
            message = Message(conversation_id=conversation_id, sender=sender, text=text, payload=payload,
                              staff_id=staff.id if staff else None)
            session.add(message)
            conversation.updated_at = utcnow()
            session.flush()
            return message_dict(message, staff.display_name if staff else None)
        stored = await self.run(work)
        await self.push_message(conversation_id, stored)
        return stored

    async def push_message(self, conversation_id: str, message: dict[str, Any], to_widget: bool = True) -> None:
        if to_widget:
            await self.hub.publish(conversation_topic(conversation_id), {"type": "message", "message": message})
        await self.hub.publish(CONSOLE_TOPIC, {"type": "message", "conversation_id": conversation_id, "message": message})

    # ------------------------------------------------------------------ the bot

    async def relay(self, conversation_id: str, text: str) -> None:
        """Send a stored user message to Rasa and store/push its replies (one at a time per conversation)."""
        async with self._relay_locks.hold(conversation_id):
            status = await self.run(lambda s: self._conversation(s, conversation_id).status)
            if status != ConversationStatus.BOT:
                return
            try:
                replies = await self.rasa.send(conversation_id, text)
            except BotUnavailable as error:
                logger.warning("bot did not answer %s: %s", conversation_id, error)
                await self.add_message(conversation_id, "system", BOT_TIMEOUT_TEXT,
                                       {"custom": CustomPayload(bot_timeout=True).to_json()})
                return
            merged = merge_replies(replies)
            if not merged:
                # Rasa may answer a turn with nothing (a policy chose to listen); the user must
                # still see an answer rather than wait.
                await self.add_message(conversation_id, "system", BOT_SILENT_TEXT,
                                       {"custom": CustomPayload(bot_silent=True).to_json()})
                return
            for text, payload in merged:
                custom = parse_custom((payload or {}).get("custom"))
                handoff = custom.handoff if custom is not None else None
                await self.add_message(conversation_id, "bot", text, payload)
                saved = custom.policy_profile if custom is not None else None
                if saved is not None and saved["consent"]:
                    await self.save_policy_profile(conversation_id, saved)
                if handoff is not None:
                    await self.escalate(conversation_id, handoff["reason"], handoff["summary"],
                                        [dict(c) for c in handoff["candidates"]])

    async def save_policy_profile(self, conversation_id: str, saved: SavedPolicyProfile) -> None:
        """The user agreed to save the 政策计算器's profile: store it (desk/policy/profiles.py) and
        give the widget the token it sends on its next visits."""
        from desk.policy.profiles import save_profile

        token = await self.run(functools.partial(save_profile, conversation_id=conversation_id, fields=saved["fields"]))
        await self.hub.publish(conversation_topic(conversation_id), {"type": "policy_profile_saved", "token": token})

    # ------------------------------------------------------------------ escalation and the queue

    async def staff_available(self) -> tuple[bool, bool]:
        """(in service hours, some staff online)."""
        in_hours = self.settings.in_service_hours()
        cutoff = utcnow() - datetime.timedelta(seconds=STAFF_ONLINE_SECONDS)
        online = await self.run(lambda s: s.scalar(select(func.count()).select_from(Staff).where(
            Staff.active.is_(True), Staff.role.in_(("staff", "admin")), Staff.last_seen >= cutoff))) or 0
        return in_hours, online > 0

    async def escalate(self, conversation_id: str, reason: str, summary: str = "",
                       candidates: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """Queue the conversation for a person, or ask for a message when nobody can take it."""
        in_hours, online = await self.staff_available()
        # Asking to leave a message while people are answering gets a person: messages are for
        # when nobody can answer now (the gateway refuses them then too).
        if not in_hours or not online:
            form_reason = "off_hours" if not in_hours else "no_staff"
            await self.hub.publish(conversation_topic(conversation_id), {"type": "leave_message_form", "reason": form_reason})
            return {"type": "leave_message_form", "reason": form_reason}

        def work(session: Session) -> bool:
            conversation = self._conversation(session, conversation_id)
            if _open_handoff(session, conversation_id) is not None:
                return False
            session.add(Handoff(conversation_id=conversation_id, reason=reason, priority=_priority(reason),
                                summary=summary or _last_user_text(session, conversation_id),
                                candidates=candidates or _recent_candidates(session, conversation_id)))
            conversation.status = conversation_status(conversation.status, ConversationStatus.QUEUED)
            return True
        created = await self.run(work)
        if created:
            await self.add_message(conversation_id, "system", "已为您转接人工客服，请稍候。")
        await self.publish_queue()
        return {"type": "queued"}

    async def queue_items(self) -> list[dict[str, Any]]:
        return await self.run(self._queue_items)

    def _queue_items(self, session: Session) -> list[dict[str, Any]]:
        """Waiting chats by priority then age, then chats in progress: three queries in all."""
        rows = session.scalars(select(Handoff).where(Handoff.status.in_(OPEN_HANDOFF_STATUSES))
                               .order_by(Handoff.status.desc(), Handoff.priority, Handoff.created_at)).all()
        names: dict[int | None, str] = {s.id: s.display_name for s in session.scalars(select(Staff)).all()}
        last_ids = (select(func.max(Message.id)).where(Message.conversation_id.in_(
            select(Handoff.conversation_id).where(Handoff.status.in_(OPEN_HANDOFF_STATUSES))))
            .group_by(Message.conversation_id))
        last_texts = dict(session.execute(select(Message.conversation_id, Message.text)
                                          .where(Message.id.in_(last_ids))).tuples().all())
        now = utcnow()
        items = []
        for handoff in sorted(rows, key=lambda h: (h.status != HandoffStatus.WAITING, h.priority, aware(h.created_at))):
            waited = int((now - aware(handoff.created_at)).total_seconds())
            last = last_texts.get(handoff.conversation_id)
            items.append({
                "handoff_id": handoff.id, "conversation_id": handoff.conversation_id, "reason": handoff.reason,
                **handoff_labels(handoff.reason, handoff.priority), "priority": handoff.priority,
                "summary": handoff.summary, "status": handoff.status, "waited_seconds": waited,
                "overdue": handoff.status == HandoffStatus.WAITING and waited > self.settings.wait_warning_seconds,
                "claimed_by": handoff.claimed_by, "claimed_by_name": names.get(handoff.claimed_by),
                "last_message": last[:80] if last is not None else "",
            })
        return items

    async def queue_position(self, conversation_id: str) -> dict[str, int] | None:
        return await self.run(lambda session: _queue_snapshot(session).position(conversation_id))

    async def publish_queue(self) -> None:
        """The queue to the consoles, then each waiting chat its position: positions come from one
        ordered query per publish (a scan per waiting chat made this quadratic in the queue's length)."""
        def work(session: Session) -> tuple[list[dict[str, Any]], QueueSnapshot]:
            return self._queue_items(session), _queue_snapshot(session)
        items, snapshot = await self.run(work)
        await self.hub.publish(CONSOLE_TOPIC, {"type": "queue", "items": items})
        for item in items:
            if item["status"] != HandoffStatus.WAITING:
                continue
            conversation_id = item["conversation_id"]
            status = snapshot.statuses.get(conversation_id)
            if status != ConversationStatus.QUEUED:
                # A waiting handoff of a chat in another state (the user left a message meanwhile):
                # its frame is made as for any status change.
                await self.publish_status(conversation_id)
                continue
            await self._publish_status_frame(conversation_id, {"type": "status", "status": status,
                                                               "queue": snapshot.position(conversation_id)})

    async def publish_status(self, conversation_id: str) -> None:
        def work(session: Session) -> dict[str, Any]:
            conversation = self._conversation(session, conversation_id)
            frame: dict[str, Any] = {"type": "status", "status": conversation.status, "queue": None}
            if conversation.status == ConversationStatus.LIVE:
                handoff = _open_handoff(session, conversation_id)
                staff = session.get(Staff, handoff.claimed_by) if handoff and handoff.claimed_by else None
                if staff:
                    frame["staff_name"] = staff.display_name
            return frame
        frame = await self.run(work)
        if frame["status"] == ConversationStatus.QUEUED:
            frame["queue"] = await self.queue_position(conversation_id)
        await self._publish_status_frame(conversation_id, frame)

    async def _publish_status_frame(self, conversation_id: str, frame: dict[str, Any]) -> None:
        await self.hub.publish(conversation_topic(conversation_id), frame)
        await self.hub.publish(CONSOLE_TOPIC, {"type": "conversation", "conversation_id": conversation_id,
                                               "status": frame["status"],
                                               "status_label": status_label(ConversationStatus, frame["status"])})

    async def claim(self, handoff_id: int, staff: Staff) -> str:
        """Atomic: of several staff claiming at once, exactly one gets the chat."""
        def work(session: Session) -> str:
            # The conditional UPDATE is the transition waiting -> claimed: of two claims, one matches.
            # SQLAlchemy types execute() as Result; an UPDATE's result is a CursorResult (rowcount).
            result = cast(CursorResult[Any], session.execute(
                update(Handoff).where(Handoff.id == handoff_id, Handoff.status == HandoffStatus.WAITING)
                .values(status=handoff_status(HandoffStatus.WAITING, HandoffStatus.CLAIMED),
                        claimed_by=staff.id, claimed_at=utcnow())))
            handoff = session.get(Handoff, handoff_id)
            if handoff is None:
                raise NotFound(f"转人工记录 {handoff_id} 不存在")
            if result.rowcount != 1:
                holder = session.get(Staff, handoff.claimed_by) if handoff.claimed_by else None
                raise Conflict(f"已被{holder.display_name if holder else '其他同事'}接入"
                               if handoff.status == HandoffStatus.CLAIMED else "这个对话已经结束")
            conversation = self._conversation(session, handoff.conversation_id)
            conversation.status = conversation_status(conversation.status, ConversationStatus.LIVE)
            return handoff.conversation_id
        conversation_id = await self.run(work)
        await self.add_message(conversation_id, "system", f"人工客服 {staff.display_name} 为您服务。")
        await self.publish_status(conversation_id)
        await self.publish_queue()
        return conversation_id

    async def staff_reply(self, conversation_id: str, staff: Staff, text: str) -> dict[str, Any]:
        await self.run(lambda s: self._held_by(s, conversation_id, staff))
        return await self.add_message(conversation_id, "staff", text, staff=staff)

    async def transfer(self, conversation_id: str, staff: Staff, colleague_id: int) -> None:
        def work(session: Session) -> str:
            handoff = self._held_by(session, conversation_id, staff)
            colleague = session.get(Staff, colleague_id)
            if colleague is None or not colleague.active:
                raise NotFound(f"同事 {colleague_id} 不存在")
            handoff.status = handoff_status(handoff.status, HandoffStatus.CLAIMED)
            handoff.claimed_by = colleague.id
            handoff.claimed_at = utcnow()
            return colleague.display_name
        name = await self.run(work)
        await self.add_message(conversation_id, "system", f"已为您转接给人工客服 {name}。")
        await self.publish_status(conversation_id)
        await self.publish_queue()

    async def resolve(self, conversation_id: str, staff: Staff) -> None:
        await self._end_handoff(conversation_id, staff, HandoffStatus.RESOLVED, ConversationStatus.CLOSED)
        await self.add_message(conversation_id, "system", "本次人工服务已结束，感谢您的咨询。请为本次服务评价。")
        await self.hub.publish(conversation_topic(conversation_id), {"type": "rate_request"})
        await self.publish_status(conversation_id)
        await self.publish_queue()

    async def hand_back(self, conversation_id: str, staff: Staff) -> None:
        # Under the relay's lock: a message sent meanwhile waits and then goes to the bot, instead of
        # finding the chat still live and staying with the person who just left it. (The lock is per
        # process: with several desk replicas, a message relayed by another one can still meet it.)
        async with self._relay_locks.hold(conversation_id):
            await self.run(lambda s: self._held_by(s, conversation_id, staff))
            await self.rasa.resume(conversation_id)
            await self._end_handoff(conversation_id, staff, HandoffStatus.RETURNED, ConversationStatus.BOT)
        await self.add_message(conversation_id, "system", "人工客服已将对话交还智能助手，您可以继续提问。")
        await self.publish_status(conversation_id)
        await self.publish_queue()

    async def _end_handoff(self, conversation_id: str, staff: Staff, handoff_to: HandoffStatus,
                           conversation_to: ConversationStatus) -> None:
        def work(session: Session) -> None:
            handoff = self._held_by(session, conversation_id, staff)
            handoff.status = handoff_status(handoff.status, handoff_to)
            handoff.ended_at = utcnow()
            conversation = self._conversation(session, conversation_id)
            conversation.status = conversation_status(conversation.status, conversation_to)
        await self.run(work)

    async def end_by_user(self, conversation_id: str) -> None:
        def work(session: Session) -> bool:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                return False  # ended before its first message: nothing was stored, nothing to end
            handoff = _open_handoff(session, conversation_id)
            if handoff is not None:
                ended = HandoffStatus.ABANDONED if handoff.status == HandoffStatus.WAITING else HandoffStatus.RESOLVED
                handoff.status = handoff_status(handoff.status, ended)
                handoff.ended_at = utcnow()
            conversation.status = conversation_status(conversation.status, ConversationStatus.CLOSED)
            return True
        if not await self.run(work):
            return
        await self.publish_status(conversation_id)
        await self.publish_queue()

    async def rate(self, conversation_id: str, score: int, comment: str) -> None:
        if not 1 <= score <= 5:
            raise DeskError(f"评分必须是1到5，收到 {score}")

        def work(session: Session) -> None:
            conversation = session.get(Conversation, conversation_id)
            # Ratings measure the people's service (analytics): a chat no person answered is not
            # rated, and one rating per conversation keeps a widget from stuffing the scores.
            served = conversation is not None and session.scalar(
                select(func.count()).select_from(Handoff).where(Handoff.conversation_id == conversation_id,
                                                                Handoff.claimed_by.is_not(None)))
            if conversation is None or not served:
                raise Conflict("只有人工客服服务过的对话可以评价")
            if conversation.rating is not None:
                raise Conflict("这次对话已经评价过了，感谢您的反馈")
            conversation.rating = score
            conversation.rating_comment = comment[:1000] or None
        await self.run(work)
        await self.hub.publish(CONSOLE_TOPIC, {"type": "rating", "conversation_id": conversation_id, "score": score})

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _conversation(session: Session, conversation_id: str) -> Conversation:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFound(f"对话 {conversation_id} 不存在")
        return conversation

    @staticmethod
    def _held_by(session: Session, conversation_id: str, staff: Staff) -> Handoff:
        handoff = _open_handoff(session, conversation_id)
        if handoff is None or handoff.status != HandoffStatus.CLAIMED:
            raise Conflict("这个对话当前不在人工服务中")
        if handoff.claimed_by != staff.id and staff.role != "admin":
            raise Forbidden("这个对话由其他同事负责")
        return handoff


def _priority(reason: str) -> int:
    known = HandoffReason.parse(reason)
    return int(known.priority if known is not None else QueuePriority.OTHER)


@dataclass(frozen=True)
class QueueSnapshot:
    """The waiting chats in queue order, read once, and what the wait estimate needs."""

    positions: dict[str, int]  # conversation id -> 1-based place among the waiting
    statuses: dict[str, str]  # conversation id -> its conversation's status
    handling_seconds: float  # median time a person took over the last served chats
    staff_online: int

    def position(self, conversation_id: str) -> dict[str, int] | None:
        place = self.positions.get(conversation_id)
        if place is None:
            return None
        return {"position": place,
                "estimated_wait_seconds": int(place * self.handling_seconds / max(self.staff_online, 1))}


def _queue_snapshot(session: Session) -> QueueSnapshot:
    """One ordered query of the waiting chats (and their conversations' status), one of the last
    served handoffs' durations, one count of staff online."""
    waiting = session.execute(select(Handoff.conversation_id, Conversation.status)
                              .join(Conversation, Conversation.id == Handoff.conversation_id)
                              .where(Handoff.status == HandoffStatus.WAITING)
                              .order_by(Handoff.priority, Handoff.created_at, Handoff.id)).tuples().all()
    positions: dict[str, int] = {}
    for place, (conversation_id, _) in enumerate(waiting, start=1):
        positions.setdefault(conversation_id, place)
    served = session.execute(select(Handoff.claimed_at, Handoff.ended_at)
                             .where(Handoff.status.in_(SERVED_HANDOFF_STATUSES), Handoff.claimed_at.is_not(None),
                                    Handoff.ended_at.is_not(None))
                             .order_by(Handoff.id.desc()).limit(50)).tuples().all()
    durations = [(aware(ended) - aware(claimed)).total_seconds() for claimed, ended in served]  # type: ignore[operator]  # the query keeps rows with both set
    handling = statistics.median(durations) if durations else DEFAULT_HANDLING_SECONDS
    cutoff = utcnow() - datetime.timedelta(seconds=STAFF_ONLINE_SECONDS)
    staff = session.scalar(select(func.count()).select_from(Staff).where(Staff.last_seen >= cutoff)) or 1
    return QueueSnapshot(positions, dict(waiting), handling, staff)


class KeyedLocks:
    """One asyncio lock per key, kept only while someone holds or awaits it: the last one out
    drops it, so a desk that relayed a million conversations keeps no million locks."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)


def _open_handoff(session: Session, conversation_id: str) -> Handoff | None:
    return session.scalar(select(Handoff).where(Handoff.conversation_id == conversation_id,
                                                Handoff.status.in_(OPEN_HANDOFF_STATUSES)).order_by(Handoff.id.desc()))


HANDOFF_WORDS = ("转人工", "人工", "人工客服")


def _last_user_text(session: Session, conversation_id: str) -> str:
    """A summary for escalations that come without one (the widget's 转人工 button)."""
    rows = session.scalars(select(Message).where(Message.conversation_id == conversation_id, Message.sender == "user")
                           .order_by(Message.id.desc()).limit(5)).all()
    questions = [m.text[:100] for m in rows if m.text.strip() not in HANDOFF_WORDS][:3]
    return "用户最近的问题：" + " / ".join(reversed(questions)) if questions else "用户直接要求转人工"


def _recent_candidates(session: Session, conversation_id: str) -> list[dict[str, Any]]:
    """What the bot offered lately (cards, passages, buttons), for staff taking over."""
    rows = session.scalars(select(Message).where(Message.conversation_id == conversation_id, Message.sender == "bot")
                           .order_by(Message.id.desc()).limit(5)).all()
    found: list[dict[str, Any]] = []
    for message in rows:
        payload = message.payload if isinstance(message.payload, dict) else {}
        custom = parse_message_payload(payload)
        if custom is not None and custom.item_card is not None:
            found.append({"id": custom.item_card["id"], "kind": "item", "title": custom.item_card["name"]})
        if custom is not None and custom.policy_passage is not None:
            passage = custom.policy_passage
            found.append({"id": passage["id"], "kind": "policy", "title": passage["title"]})
        for button in payload.get("buttons") or []:
            if isinstance(button, dict):
                found.append({"id": None, "kind": "choice", "title": button.get("title")})
    unique = {str(c["title"]): c for c in reversed(found) if c.get("title")}
    return list(unique.values())[-5:]


def _staff_names(session: Session, messages: Sequence[Message]) -> dict[int | None, str]:
    # keyed by int | None: callers look names up with Message.staff_id, None for the visitor and the bot
    ids = {m.staff_id for m in messages if m.staff_id}
    if not ids:
        return {}
    return {s.id: s.display_name for s in session.scalars(select(Staff).where(Staff.id.in_(ids))).all()}


def _expired(conversation: Conversation) -> bool:
    updated = aware(conversation.updated_at) or utcnow()
    return utcnow() - updated > datetime.timedelta(days=CONVERSATION_EXPIRY_DAYS)
