"""What the desk does with demands (诉求): file, dispatch, handle, supervise, return visit.

Every change goes through ``states.transition`` (one conditional UPDATE plus a history row); this
module decides who may do what (roles and departments), the deadlines (working days), the tracking
numbers and what goes into the notification outbox. Methods take a SQLAlchemy session and run
synchronously; the API runs them on worker threads (DeskService.run). ``clock`` is injectable so
reminders and overdue marks are testable.
"""
from __future__ import annotations

import datetime
import functools
import hmac
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from daofu_protocol import DemandCategory  # the contract's: the bot suggests one, the widget lists them
from desk.demands.states import OPEN_STATES, Actor, DemandAction, DemandState, transition
from desk.demands.working_days import (
    add_working_days,
    add_working_days_estimated,
    last_published_year,
    reminder_day,
)
from desk.errors import DeskError, Forbidden, NotFound
from desk.models import Demand, DemandEvent, Department, NotificationOutbox, Staff, utcnow
from desk.settings import DeskSettings
from indexer.normalize import to_halfwidth


class DemandChannel(StrEnum):
    """How a demand came in (demands.channel)."""

    WEB = "web"  # POST /api/demands without a conversation
    WIDGET = "widget"  # the form in the chat (POST /api/demands with the chat's conversation_id)
    MESSAGE = "message"  # the off-hours leave-a-message form (咨询)
    CHAT = "chat"  # staff filed it from a live chat
    PHONE = "phone"  # staff filed it from a phone call (电话)

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self]


CHANNEL_LABELS = {DemandChannel.WEB: "网站", DemandChannel.WIDGET: "在线对话（企业填写）",
                  DemandChannel.MESSAGE: "留言", DemandChannel.CHAT: "在线对话（坐席登记）",
                  DemandChannel.PHONE: "电话"}


class Rating(StrEnum):
    SATISFIED = "满意"
    BASICALLY_SATISFIED = "基本满意"
    DISSATISFIED = "不满意"


# Who may do what; handlers additionally only within their own department (others get 404).
DISPATCHERS = frozenset({"staff", "supervisor", "admin"})
ROLE_RIGHTS: dict[DemandAction | str, frozenset[str]] = {
    "view": frozenset({"staff", "supervisor", "admin", "handler"}),
    "intake": DISPATCHERS,  # take a demand down from a chat or a phone call
    DemandAction.DISPATCH: DISPATCHERS,
    DemandAction.ACCEPT: frozenset({"handler"}),
    DemandAction.RETURN: frozenset({"handler"}),
    DemandAction.REQUEST_EXTENSION: frozenset({"handler"}),
    DemandAction.REPLY: frozenset({"handler"}),
    DemandAction.APPROVE_EXTENSION: frozenset({"supervisor", "admin"}),
    DemandAction.REJECT_EXTENSION: frozenset({"supervisor", "admin"}),
    DemandAction.CLOSE: DISPATCHERS,
    DemandAction.NOTE: frozenset({"staff", "supervisor", "admin", "handler"}),
}
ROLE_LABELS = {"staff": "应答", "handler": "承办", "supervisor": "督办", "admin": "管理员", "editor": "知识编辑"}

# Tracking numbers: 80 random bits in Crockford base32 (no I, L, O, U), four groups of four.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_READ = str.maketrans({"O": "0", "I": "1", "L": "1"})
TRACKING_CHARS = 16
MAX_NUMBER_ATTEMPTS = 5
# Said with a deadline in a year whose holiday schedule the calendar package lacks (desk.demands.working_days).
ESTIMATED_DEADLINE_NOTE = "（按法定节假日规则估算，以国务院公布的放假安排为准）"
MAX_EXTENSION_DAYS = 30

_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
_LANDLINE = re.compile(r"^(0\d{2,3})(\d{7,8})$")


def new_tracking_number() -> str:
    value = secrets.randbits(5 * TRACKING_CHARS)
    chars = "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in range(TRACKING_CHARS))
    return "-".join(chars[i:i + 4] for i in range(0, TRACKING_CHARS, 4))


def canonical_tracking_number(raw: str) -> str | None:
    """The stored form of a typed number (case, dashes, spaces, O/0 and I/L/1 forgiven); None if malformed."""
    text = to_halfwidth(raw).upper().replace("-", "").replace(" ", "").translate(_CROCKFORD_READ)
    if len(text) != TRACKING_CHARS or any(char not in _CROCKFORD for char in text):
        return None
    return "-".join(text[i:i + 4] for i in range(0, TRACKING_CHARS, 4))


def normalize_phone(raw: str) -> str:
    """Digits of a mainland mobile (optionally +86) or landline with area code; ValueError otherwise."""
    digits = re.sub(r"[\s\-()（）]", "", to_halfwidth(raw or ""))
    mobile = _MOBILE.match(digits)
    if mobile:
        return mobile.group(1)
    if _LANDLINE.match(digits):
        return digits
    raise ValueError("请填写11位手机号码，或带区号的固定电话（如 020-12345678）")


def last4_matches(phone: str | None, given: str) -> bool:
    """Whether ``given`` is the last 4 digits of ``phone``, compared in constant time; with no record
    (``phone`` None) the comparison still runs, so a wrong number and wrong digits take alike."""
    expected = phone[-4:] if phone is not None else "----"
    return hmac.compare_digest(expected.encode(), to_halfwidth(given or "").strip().encode()) and phone is not None


def mask_phone(phone: str) -> str:
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:] if len(phone) > 7 else "*" * len(phone)


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else name


@dataclass(frozen=True)
class DemandInput:
    category: DemandCategory
    content: str
    enterprise_name: str
    contact_name: str
    contact_phone: str  # already normalised (normalize_phone)
    channel: DemandChannel = DemandChannel.WEB
    conversation_id: str | None = None  # the chat it came from (checked to exist; never a key to it)


@dataclass(frozen=True)
class SweepResult:
    reminded: int
    overdue: int
    recalculated: int = 0  # estimated deadlines put on the newly published calendar


@dataclass(frozen=True)
class Suggestion:
    department: str
    department_id: int
    reason: str  # why: the item it handles, or the department named in the text
    score: float


class DemandService:
    def __init__(self, settings: DeskSettings, clock: Callable[[], datetime.datetime] = utcnow,
                 new_number: Callable[[], str] = new_tracking_number) -> None:
        self.settings = settings
        self.deadlines = settings.demand_deadline_days
        self.clock = clock
        self.new_number = new_number
        self.zone = datetime.timezone(datetime.timedelta(hours=settings.timezone_offset_hours))
        # The calendar package's last year when estimated deadlines were last recomputed: a newer
        # release only arrives with a restart, so once per process and published year is enough.
        self._deadlines_recalculated_for: int | None = None

    def today(self) -> datetime.date:
        """The local (service time zone) date: deadlines are calendar days in China."""
        return self.clock().astimezone(self.zone).date()

    # ------------------------------------------------------------------ intake

    def file(self, session: Session, data: DemandInput, actor: Actor | None = None) -> Demand:
        """Store a new demand (state received) with its deadline and an SMS with its tracking number;
        ``actor``: the staff member who took it down (intake), else the enterprise itself."""
        actor = actor or Actor.enterprise()
        now = self.clock()
        start = self.today()
        days = self.deadlines[data.category.value]
        # A deadline in a year the calendar package has not published yet is estimated, and says so.
        (due, estimated), remind = add_working_days_estimated(start, days), reminder_day(start, days)
        for _ in range(MAX_NUMBER_ATTEMPTS):
            number = self.new_number()
            demand = Demand(tracking_number=number, category=data.category.value, content=data.content,
                            enterprise_name=data.enterprise_name, contact_name=data.contact_name,
                            contact_phone=data.contact_phone, channel=DemandChannel(data.channel).value,
                            conversation_id=data.conversation_id, status=DemandState.RECEIVED.value, version=0,
                            start_date=start, time_limit_days=days, due_date=due, remind_date=remind,
                            overdue=False, reopen_count=0, return_count=0, created_at=now, updated_at=now)
            try:
                # A savepoint, so a tracking-number collision (unique index) is retried, never a 500.
                with session.begin_nested():
                    session.add(demand)
            except IntegrityError:
                continue
            break
        else:
            raise DeskError("暂时无法生成诉求编号，请稍后再试")
        session.add(DemandEvent(demand_id=demand.id, action="file", from_status=None,
                                to_status=DemandState.RECEIVED.value, actor_kind=actor.kind, actor_id=actor.staff_id,
                                actor_name=actor.name, note="", public=True, created_at=now,
                                detail={"channel": DemandChannel(data.channel).value,
                                        **({"deadline_estimated": True} if estimated else {})}))
        self._notify(session, demand, "sms", demand.contact_phone,
                     f"您的{demand.category}诉求已受理，编号 {number}，办理时限 {due.isoformat()}"
                     f"{ESTIMATED_DEADLINE_NOTE if estimated else ''}。"
                     f"可凭编号和手机尾号查询进度。")
        session.add(NotificationOutbox(demand_id=demand.id, channel="staff", recipient="dispatchers",
                                       text=f"新诉求 {number}（{demand.category}）待派单", created_at=now))
        session.flush()
        return demand

    # ------------------------------------------------------------------ staff: reading

    def list_for(self, session: Session, viewer: Staff, status: str | None = None, department: str | None = None,
                 overdue: bool | None = None, limit: int = 200) -> list[Demand]:
        """Demands the viewer may see, overdue first, then by due date."""
        self._require(viewer, "view")
        query = select(Demand)
        if viewer.role == "handler":
            query = query.where(Demand.department_id == self._own_department(viewer))
        if status:
            query = query.where(Demand.status == DemandState(status).value)
        if department:
            found = session.scalar(select(Department).where(Department.name == department.strip()))
            if found is None:
                raise NotFound(f"没有名为 {department.strip()[:50]} 的部门")
            query = query.where(Demand.department_id == found.id)
        if overdue is not None:
            query = query.where(Demand.overdue.is_(overdue))
            if overdue:
                query = query.where(Demand.status.in_([state.value for state in OPEN_STATES]))
        # The board (overdue=true) reads the (overdue, due_date) index in order; other lists put
        # overdue demands first.
        first = [] if overdue is not None else [case((Demand.overdue.is_(True), 0), else_=1)]
        query = query.order_by(*first, Demand.due_date, Demand.id)
        return list(session.scalars(query.limit(limit)))

    def get_for(self, session: Session, viewer: Staff, demand_id: int, right: DemandAction | str = "view") -> Demand:
        """The demand if ``viewer`` may act on it: 403 for a role without the right, 404 for a
        handler outside its department (as for an unknown id: other departments' demands are not
        revealed)."""
        self._require(viewer, right)
        demand = session.get(Demand, demand_id)
        if demand is None or (viewer.role == "handler" and demand.department_id != self._own_department(viewer)):
            raise NotFound(f"诉求 {demand_id} 不存在，或不属于您的部门")
        return demand

    def events(self, session: Session, demand: Demand) -> list[DemandEvent]:
        return list(session.scalars(select(DemandEvent).where(DemandEvent.demand_id == demand.id)
                                    .order_by(DemandEvent.id)))

    # ------------------------------------------------------------------ staff: actions

    def dispatch(self, session: Session, viewer: Staff, demand_id: int, department_name: str, note: str = "") -> Demand:
        demand = self.get_for(session, viewer, demand_id, DemandAction.DISPATCH)
        department = self.department_named(session, department_name)
        transition(session, demand, DemandAction.DISPATCH, _actor(viewer), note,
                   {"department_id": department.id, "handler_id": None}, now=self.clock(),
                   detail={"department": department.name})
        self._notify(session, demand, "staff", f"department:{department.id}",
                     f"新派诉求 {demand.tracking_number}（{demand.category}），请于 {demand.due_date.isoformat()} 前办结")
        return demand

    def accept(self, session: Session, viewer: Staff, demand_id: int) -> Demand:
        demand = self.get_for(session, viewer, demand_id, DemandAction.ACCEPT)
        transition(session, demand, DemandAction.ACCEPT, _actor(viewer), changes={"handler_id": viewer.id},
                   now=self.clock())
        return demand

    def return_to_dispatch(self, session: Session, viewer: Staff, demand_id: int, reason: str) -> Demand:
        demand = self.get_for(session, viewer, demand_id, DemandAction.RETURN)
        department_id = demand.department_id
        transition(session, demand, DemandAction.RETURN, _actor(viewer), reason,
                   {"department_id": None, "handler_id": None, "return_count": demand.return_count + 1},
                   public=False, now=self.clock(), detail={"department_id": department_id})
        session.add(NotificationOutbox(demand_id=demand.id, channel="staff", recipient="dispatchers",
                                       text=f"诉求 {demand.tracking_number} 被退单：{reason}", created_at=self.clock()))
        return demand

    def request_extension(self, session: Session, viewer: Staff, demand_id: int, days: int, reason: str) -> Demand:
        if not 1 <= days <= MAX_EXTENSION_DAYS:
            raise DeskError(f"延期天数必须在1到{MAX_EXTENSION_DAYS}个工作日之间，收到 {days}")
        demand = self.get_for(session, viewer, demand_id, DemandAction.REQUEST_EXTENSION)
        transition(session, demand, DemandAction.REQUEST_EXTENSION, _actor(viewer), reason,
                   {"extension_days": days}, public=False, now=self.clock(), detail={"days": days})
        self._notify(session, demand, "staff", "supervisors",
                     f"诉求 {demand.tracking_number} 申请延期 {days} 个工作日：{reason}")
        return demand

    def approve_extension(self, session: Session, viewer: Staff, demand_id: int) -> Demand:
        demand = self.get_for(session, viewer, demand_id, DemandAction.APPROVE_EXTENSION)
        days = demand.time_limit_days + (demand.extension_days or 0)
        due, remind = add_working_days(demand.start_date, days), reminder_day(demand.start_date, days)
        today = self.today()
        transition(session, demand, DemandAction.APPROVE_EXTENSION, _actor(viewer), changes={
            "time_limit_days": days, "due_date": due, "remind_date": remind, "extension_days": None,
            "overdue": due < today, "reminded_at": demand.reminded_at if remind <= today else None,
        }, now=self.clock(), detail={"days": demand.extension_days, "due_date": due.isoformat()})
        self._notify(session, demand, "sms", demand.contact_phone,
                     f"您的诉求 {demand.tracking_number} 办理时限延长至 {due.isoformat()}。")
        return demand

    def reject_extension(self, session: Session, viewer: Staff, demand_id: int, reason: str) -> Demand:
        demand = self.get_for(session, viewer, demand_id, DemandAction.REJECT_EXTENSION)
        transition(session, demand, DemandAction.REJECT_EXTENSION, _actor(viewer), reason,
                   {"extension_days": None}, public=False, now=self.clock())
        return demand

    def add_note(self, session: Session, viewer: Staff, demand_id: int, text: str) -> Demand:
        demand = self.get_for(session, viewer, demand_id, DemandAction.NOTE)
        transition(session, demand, DemandAction.NOTE, _actor(viewer), text, public=False, now=self.clock())
        return demand

    def reply(self, session: Session, viewer: Staff, demand_id: int, text: str) -> Demand:
        demand = self.get_for(session, viewer, demand_id, DemandAction.REPLY)
        now = self.clock()
        transition(session, demand, DemandAction.REPLY, _actor(viewer), changes={
            "reply": text, "replied_at": now, "extension_days": None, "rating": None, "rating_comment": None,
        }, now=now)
        self._notify(session, demand, "sms", demand.contact_phone,
                     f"您的诉求 {demand.tracking_number} 已有办理结果，请凭编号查询并评价。")
        return demand

    def close(self, session: Session, viewer: Staff, demand_id: int) -> Demand:
        demand = self.get_for(session, viewer, demand_id, DemandAction.CLOSE)
        transition(session, demand, DemandAction.CLOSE, _actor(viewer), changes={"closed_at": self.clock()},
                   now=self.clock())
        return demand

    # ------------------------------------------------------------------ the enterprise's side

    def track(self, session: Session, tracking_number: str, phone_last4: str) -> Demand:
        """The demand for its number and the last 4 digits of its contact phone; a wrong number and
        wrong digits answer alike (404), so neither can be probed on its own."""
        number = canonical_tracking_number(tracking_number)
        demand = session.scalar(select(Demand).where(Demand.tracking_number == number)) if number else None
        if not last4_matches(demand.contact_phone if demand is not None else None, phone_last4) or demand is None:
            raise NotFound("没有找到这个诉求：请核对诉求编号和联系电话后四位")
        return demand

    def rate(self, session: Session, tracking_number: str, phone_last4: str, score: Rating, comment: str) -> Demand:
        """回访: 满意/基本满意 close the demand; 不满意 reopens it once for the same department (重办,
        its supervisors alerted), a second 不满意 is recorded and closes it."""
        demand = self.track(session, tracking_number, phone_last4)
        now = self.clock()
        changes: dict[str, Any] = {"rating": score.value, "rating_comment": comment}
        detail = {"score": score.value}
        if score is Rating.DISSATISFIED and demand.reopen_count == 0:
            start = self.today()
            days = self.deadlines.get(demand.category, demand.time_limit_days)
            changes.update(reopen_count=1, start_date=start, time_limit_days=days, due_date=add_working_days(start, days),
                           remind_date=reminder_day(start, days), reminded_at=None, overdue=False, handler_id=None)
            transition(session, demand, DemandAction.REOPEN, Actor.enterprise(), comment, changes, now=now, detail=detail)
            self._notify(session, demand, "staff", "supervisors",
                         f"诉求 {demand.tracking_number} 回访不满意，已退回原承办部门重办：{comment}")
            self._notify(session, demand, "staff", f"department:{demand.department_id}",
                         f"诉求 {demand.tracking_number} 回访不满意，请重办")
        else:
            action = DemandAction.RATE if score is Rating.DISSATISFIED else DemandAction.RATE_SATISFIED
            transition(session, demand, action, Actor.enterprise(), comment, {**changes, "closed_at": now},
                       now=now, detail=detail)
        return demand

    # ------------------------------------------------------------------ supervision

    def recalculate_estimated_deadlines(self, session: Session) -> int:
        """Put deadlines that were estimated (a year chinese-calendar lacked when they were set) on the
        official calendar once the installed release has that year, telling the enterprise and the
        department when the date moves. Returns how many moved."""
        published = last_published_year()
        if self._deadlines_recalculated_for == published:
            return 0
        today, now = self.today(), self.clock()
        # Only deadlines in the newest published year (or later) can have been estimated before.
        candidates = session.scalars(select(Demand).where(Demand.status.in_([s.value for s in OPEN_STATES]),
                                                          Demand.due_date >= datetime.date(published, 1, 1)))
        moved = 0
        for demand in list(candidates):
            due, estimated = add_working_days_estimated(demand.start_date, demand.time_limit_days)
            if estimated or due == demand.due_date:
                continue
            remind = reminder_day(demand.start_date, demand.time_limit_days)
            transition(session, demand, DemandAction.RECALCULATE_DEADLINE, Actor.system(), changes={
                # Overdue only stays: the sweep below marks a newly late one, with its notices.
                "due_date": due, "remind_date": remind, "overdue": demand.overdue and due < today,
                "reminded_at": demand.reminded_at if remind <= today else None,
            }, now=now, detail={"estimated_due_date": demand.due_date.isoformat(), "due_date": due.isoformat()})
            self._notify(session, demand, "sms", demand.contact_phone,
                         f"您的诉求 {demand.tracking_number} 办理时限按国务院公布的放假安排调整为 {due.isoformat()}。")
            self._notify(session, demand, "staff", _owner(demand),
                         f"诉求 {demand.tracking_number} 的办理时限按公布的放假安排调整为 {due.isoformat()}")
            moved += 1
        self._deadlines_recalculated_for = published
        return moved

    def sweep(self, session: Session) -> SweepResult:
        """Remind departments at 80% of the time limit and mark overdue demands (run periodically);
        first, estimated deadlines go on a newly published calendar."""
        recalculated = self.recalculate_estimated_deadlines(session)
        today = self.today()
        now = self.clock()
        open_states = [state.value for state in OPEN_STATES]
        reminded = overdue = 0
        due_soon = session.scalars(select(Demand).where(Demand.status.in_(open_states), Demand.remind_date <= today,
                                                        Demand.reminded_at.is_(None), Demand.overdue.is_(False)))
        for demand in list(due_soon):
            transition(session, demand, DemandAction.REMIND, Actor.system(), changes={"reminded_at": now},
                       public=False, now=now)
            self._notify(session, demand, "staff", _owner(demand),
                         f"诉求 {demand.tracking_number} 将于 {demand.due_date.isoformat()} 到期，请抓紧办理")
            reminded += 1
        late = session.scalars(select(Demand).where(Demand.status.in_(open_states), Demand.due_date < today,
                                                    Demand.overdue.is_(False)))
        for demand in list(late):
            transition(session, demand, DemandAction.MARK_OVERDUE, Actor.system(), changes={"overdue": True},
                       public=False, now=now)
            self._notify(session, demand, "staff", "supervisors",
                         f"诉求 {demand.tracking_number} 已超期（时限 {demand.due_date.isoformat()}）")
            overdue += 1
        return SweepResult(reminded, overdue, recalculated)

    # ------------------------------------------------------------------ departments

    def department_named(self, session: Session, name: str) -> Department:
        department = session.scalar(select(Department).where(Department.name == name.strip()))
        if department is None or not department.active:
            raise DeskError(f"没有名为 {name.strip()[:50]} 的在用部门：请从部门列表中选择")
        return department

    def suggest_departments(self, session: Session, searcher: Any, text: str, limit: int = 3) -> list[Suggestion]:
        """Departments likely responsible: those named in the text, then those of the service items
        the search finds for it (the item the demand is about)."""
        active = {d.name: d for d in session.scalars(select(Department).where(Department.active.is_(True)))}
        suggestions: dict[str, Suggestion] = {}
        for name, department in active.items():
            if name in text:
                suggestions[name] = Suggestion(name, department.id, "诉求内容提到该部门", 1.0)
        for hit in searcher.search(text, 8, "item").hits:
            name = getattr(hit.record, "department", "")
            if name in active and name not in suggestions:
                suggestions[name] = Suggestion(name, active[name].id, f"负责事项“{hit.title}”", float(hit.score))
        return sorted(suggestions.values(), key=lambda s: -s.score)[:limit]

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _require(viewer: Staff, right: DemandAction | str) -> None:
        allowed = ROLE_RIGHTS[right]
        if viewer.role not in allowed:
            names = "、".join(ROLE_LABELS.get(role, role) for role in sorted(allowed))
            raise Forbidden(f"只有{names}人员可以执行此操作（当前账号角色：{ROLE_LABELS.get(viewer.role, viewer.role)}）")

    @staticmethod
    def _own_department(viewer: Staff) -> int:
        if viewer.department_id is None:
            raise Forbidden("您的账号没有设置所属部门，请联系管理员")
        return viewer.department_id

    def _notify(self, session: Session, demand: Demand, channel: str, recipient: str, text: str) -> None:
        session.add(NotificationOutbox(demand_id=demand.id, channel=channel, recipient=recipient, text=text,
                                       status="pending", attempts=0, created_at=self.clock()))


def seed_departments(session: Session, names: Iterable[str]) -> int:
    """Add the catalog's departments not seen before (renamed or deactivated ones stay as admins left them)."""
    known = set(session.scalars(select(Department.catalog_name)))
    taken = set(session.scalars(select(Department.name)))
    added = 0
    for name in sorted({n.strip() for n in names if n and n.strip()}):
        if name in known:
            continue
        session.add(Department(name=name if name not in taken else f"{name}（目录）", catalog_name=name, active=True))
        added += 1
    session.flush()
    return added


def catalog_departments(catalog_dir: Path) -> list[str]:
    """Department names (DEPT_NAME) of the catalog files in ``catalog_dir``, read with the indexer's
    loader; remembered while the files are unchanged (every desk start asks, parsing takes ~0.5 s)."""
    from indexer.loaders.catalog import CATALOG_SUFFIXES

    files = tuple((str(path), path.stat().st_mtime_ns) for path in sorted(catalog_dir.glob("*"))
                  if path.suffix.lower() in CATALOG_SUFFIXES) if catalog_dir.is_dir() else ()
    return list(_departments_in(files))


@functools.lru_cache(maxsize=4)
def _departments_in(files: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    from indexer.loaders.catalog import load_catalog_file
    from indexer.loaders.report import LoadReport

    report = LoadReport()
    names: set[str] = set()
    for path, _ in files:
        names.update(item.department for item in load_catalog_file(Path(path), report))
    return tuple(sorted(names))


def _actor(staff: Staff) -> Actor:
    return Actor("staff", staff.id, staff.display_name)


def _owner(demand: Demand) -> str:
    return f"department:{demand.department_id}" if demand.department_id else "dispatchers"
