"""The conversation store's tables (SQLAlchemy 2.0 ORM). Migrations live in desk/migrations (Alembic)."""
from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from desk.queue_states import ConversationStatus, HandoffStatus, TicketStatus, check_constraint_sql


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class Base(DeclarativeBase):
    pass


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (CheckConstraint(check_constraint_sql("status", ConversationStatus), name="ck_conversations_status"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # desk/queue_states.py: bot, queued, live, closed and the changes between them
    status: Mapped[str] = mapped_column(String(16), default=ConversationStatus.BOT.value, index=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    page_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # SHA-256 of the widget's resume token (desk/security/resume_tokens.py); NULL: resumable by nobody.
    resume_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class PolicyProfile(Base):
    """An enterprise profile saved with consent from the chat's 政策计算器 (desk/policy/): the bot's
    ``policy_profile`` payload. The widget holds the token (``token_hash`` is its SHA-256) and sends
    it on its next visits, so the bot does not ask again and the 免申即享 notices reach it."""

    __tablename__ = "policy_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    conversation_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{name, value}] as the bot's slots spell them
    notified: Mapped[list[str]] = mapped_column(JSON, default=list)  # 免申即享 measure ids already told
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("conversation_id", "client_message_id", name="uq_message_client_id"),)

    # The global id orders messages; widgets resume "after id N".
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    client_message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sender: Mapped[str] = mapped_column(String(16))  # user, bot, staff, system
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Handoff(Base):
    """One escalation of a conversation to a person (the queue entry)."""

    __tablename__ = "handoffs"
    __table_args__ = (CheckConstraint(check_constraint_sql("status", HandoffStatus), name="ck_handoffs_status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer)  # 0 complaint, 1 repeated failure, 2 other
    summary: Mapped[str] = mapped_column(Text, default="")
    candidates: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    # desk/queue_states.py: waiting, claimed, resolved, returned (handed back to the bot), abandoned
    status: Mapped[str] = mapped_column(String(16), default=HandoffStatus.WAITING.value, index=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    ended_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # staff, editor, admin, handler, supervisor
    # A handler works only its department's demands (desk/demands); others may leave it empty.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class StaffSession(Base):
    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True))


class Ticket(Base):
    """A message left when no person could take the chat; found again by its tracking number."""

    __tablename__ = "tickets"
    __table_args__ = (CheckConstraint(check_constraint_sql("status", TicketStatus), name="ck_tickets_status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tracking_number: Mapped[str] = mapped_column(String(32), unique=True)
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"), nullable=True)
    question: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.OPEN.value, index=True)  # open, answered, closed
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Department(Base):
    """A department demands are dispatched to; seeded from the catalog's DEPT_NAME, edited by admins."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # The catalog name it was seeded from: a renamed or deactivated department is not seeded again.
    catalog_name: Mapped[str | None] = mapped_column(String(100), unique=True, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Demand(Base):
    """An enterprise's demand (诉求), followed to closure; states and actions: desk/demands/states.py."""

    __tablename__ = "demands"
    __table_args__ = (
        # The reminder sweep and lists by state: demands of a state by due date.
        Index("ix_demands_status_due", "status", "due_date"),
        # A department's list and the per-department report over a period.
        Index("ix_demands_department_created", "department_id", "created_at"),
        # The supervisors' overdue board, read in due order.
        Index("ix_demands_overdue_due", "overdue", "due_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tracking_number: Mapped[str] = mapped_column(String(32), unique=True)
    category: Mapped[str] = mapped_column(String(8))
    content: Mapped[str] = mapped_column(Text)
    enterprise_name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(64))
    contact_phone: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16), default="web")  # web, widget, chat, phone, message
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(24), default="received")
    version: Mapped[int] = mapped_column(Integer, default=0)  # bumped by every transition
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    # The time limit: working days counted from start_date (the filing day; a reopen starts again).
    start_date: Mapped[datetime.date] = mapped_column(Date)
    time_limit_days: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[datetime.date] = mapped_column(Date)
    remind_date: Mapped[datetime.date] = mapped_column(Date)
    reminded_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_days: Mapped[int | None] = mapped_column(Integer, nullable=True)  # requested, pending
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    replied_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    rating: Mapped[str | None] = mapped_column(String(8), nullable=True)  # 满意, 基本满意, 不满意
    rating_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DemandEvent(Base):
    """One step of a demand's history: who did what, when, from which state."""

    __tablename__ = "demand_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id"), index=True)
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(24), nullable=True)  # None: filed
    to_status: Mapped[str] = mapped_column(String(24))
    actor_kind: Mapped[str] = mapped_column(String(16))  # staff, enterprise, system
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(Boolean, default=True)  # shown to the enterprise (without the note)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NotificationOutbox(Base):
    """What would be sent (SMS to the enterprise, alerts to staff); a sender delivers pending rows."""

    __tablename__ = "notification_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("demands.id"), nullable=True, index=True)
    channel: Mapped[str] = mapped_column(String(16))  # sms, staff
    recipient: Mapped[str] = mapped_column(String(100))  # a phone number, or department:<id> / supervisors
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AppointmentLocation(Base):
    """A service hall items can be booked at (desk/appointments): its hours and bookings per slot,
    set by admins; created from the catalog's 办理地点 the first time an item there is booked or listed."""

    __tablename__ = "appointment_locations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)  # the catalog's handle_location text
    department: Mapped[str] = mapped_column(String(100), default="")  # the catalog department first seen there
    hours: Mapped[str] = mapped_column(String(200))  # "09:00-12:00,13:30-17:00" (desk/appointments/slots.py)
    capacity: Mapped[int] = mapped_column(Integer)  # bookings per half-hour slot
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # inactive: nothing can be booked there
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AppointmentSlot(Base):
    """The bookings counted in one half-hour slot of a location: the row every booking of the slot
    updates with ``booked = booked + 1 WHERE booked < capacity``, so exactly the capacity succeed."""

    __tablename__ = "appointment_slots"
    __table_args__ = (UniqueConstraint("location_id", "day", "start", name="uq_appointment_slot"),
                      CheckConstraint("booked >= 0", name="ck_appointment_slots_booked"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("appointment_locations.id"))
    day: Mapped[datetime.date] = mapped_column(Date)  # China Standard Time
    start: Mapped[str] = mapped_column(String(5))  # "09:00"
    booked: Mapped[int] = mapped_column(Integer, default=0)


class Appointment(Base):
    """One booking of a visit; found by its confirmation code and the phone's last 4 digits."""

    __tablename__ = "appointments"
    __table_args__ = (
        # Each day's list per location, and the reminder sweep by day.
        Index("ix_appointments_location_day", "location_id", "day"),
        Index("ix_appointments_day_status", "day", "status"),
        CheckConstraint("status IN ('booked', 'cancelled')", name="ck_appointments_status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    confirmation: Mapped[str] = mapped_column(String(32), unique=True)
    item_id: Mapped[str] = mapped_column(String(100))
    item_name: Mapped[str] = mapped_column(String(300))
    location_id: Mapped[int] = mapped_column(ForeignKey("appointment_locations.id"))
    day: Mapped[datetime.date] = mapped_column(Date)
    start: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="booked")
    channel: Mapped[str] = mapped_column(String(16), default="widget")  # widget, staff
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)  # who booked it for them
    conversation_id: Mapped[str | None] = mapped_column(ForeignKey("conversations.id"), nullable=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    cancelled_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reminded_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CannedReply(Base):
    """A canned reply (快捷回复) staff insert with a keystroke; shared by a department (NULL: everyone)."""

    __tablename__ = "canned_replies"
    __table_args__ = (Index("ix_canned_replies_department", "department_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)  # may hold {事项名称} {部门} {电话} (desk/canned_replies.py)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReindexJobRow(Base):
    """One re-index job (desk/reindex.py), shared by every desk process: any desk shows its progress,
    and the one that holds the build lock runs the oldest job nobody superseded."""

    __tablename__ = "reindex_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kb_version: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(100), default="")
    publish_when_ready: Mapped[bool] = mapped_column(Boolean, default=False)
    # queued, running, ready, published, failed
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    stage: Mapped[str] = mapped_column(String(32), default="")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    index_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[str | None] = mapped_column(String(32), nullable=True)  # ISO 8601, as the API shows it
    finished_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Refreshed while the job builds; a running row not refreshed for a while was left by a dead desk.
    heartbeat_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RemoteHelp(Base):
    """Remote help (远程帮办) for one catalog item in a live chat: the checklist and the draft hang here;
    states: desk/remote_help/states.py. The item's name, link and location are copied at the start,
    so the record reads the same after the catalog changes."""

    __tablename__ = "remote_helps"
    __table_args__ = (CheckConstraint("status IN ('active', 'completed', 'cancelled')", name="ck_remote_helps_status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(100))
    item_name: Mapped[str] = mapped_column(String(300))
    department: Mapped[str] = mapped_column(String(200), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    location: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="active")
    started_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # made when it completes
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class RemoteHelpEntry(Base):
    """One material of the item's checklist and the staff's mark on it."""

    __tablename__ = "remote_help_entries"
    __table_args__ = (CheckConstraint("status IN ('pending', 'submitted', 'accepted', 'needs_fix', 'missing')",
                                      name="ck_remote_help_entries_status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    help_id: Mapped[int] = mapped_column(ForeignKey("remote_helps.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # why 需补正 / 缺失
    marked_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RemoteHelpFile(Base):
    """A file the enterprise attached to an entry: the cleaned copy under var/, never a public path."""

    __tablename__ = "remote_help_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    help_id: Mapped[int] = mapped_column(ForeignKey("remote_helps.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("remote_help_entries.id"), index=True)
    path: Mapped[str] = mapped_column(String(500))  # where the cleaned copy lies (random name)
    media_type: Mapped[str] = mapped_column(String(32))  # from the content, never from the sender
    display_name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer, default=1)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RemoteHelpField(Base):
    """One field of the shared application draft; ``version`` grows with every write (stale writes are refused)."""

    __tablename__ = "remote_help_fields"
    __table_args__ = (UniqueConstraint("help_id", "name", name="uq_remote_help_field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    help_id: Mapped[int] = mapped_column(ForeignKey("remote_helps.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_by: Mapped[str] = mapped_column(String(64), default="")  # 企业 or the staff member's name
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RemoteHelpEvent(Base):
    """The record of a help: who did what, when (values of personal data are not repeated here)."""

    __tablename__ = "remote_help_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    help_id: Mapped[int] = mapped_column(ForeignKey("remote_helps.id"), index=True)
    actor: Mapped[str] = mapped_column(String(64))  # enterprise, or staff:<id>
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
