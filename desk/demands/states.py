"""The demand workflow's one state machine: states, actions, the transition table, ``transition()``.

received → dispatched → accepted → (extension_requested) → replied → closed, plus returned (退单, back
to dispatch) and reopened (不满意: 重办 once by the same department). Self-loops record what happens
without changing the state (internal notes, reminders, overdue marks). Every change is one
conditional UPDATE on the state it was read in, so of two people acting at once exactly one wins.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from desk.errors import Conflict
from desk.models import Demand, DemandEvent, utcnow


class DemandState(StrEnum):
    RECEIVED = "received"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    EXTENSION_REQUESTED = "extension_requested"
    REPLIED = "replied"
    CLOSED = "closed"
    RETURNED = "returned"
    REOPENED = "reopened"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    DemandState.RECEIVED: "已受理", DemandState.DISPATCHED: "已派单", DemandState.ACCEPTED: "办理中",
    DemandState.EXTENSION_REQUESTED: "申请延期中", DemandState.REPLIED: "已答复",
    DemandState.CLOSED: "已办结", DemandState.RETURNED: "已退单待重新派单", DemandState.REOPENED: "重办中",
}

# States in which a department still owes work (reminders and overdue marks apply).
OPEN_STATES = frozenset({DemandState.RECEIVED, DemandState.DISPATCHED, DemandState.ACCEPTED,
                         DemandState.EXTENSION_REQUESTED, DemandState.RETURNED, DemandState.REOPENED})


class DemandAction(StrEnum):
    DISPATCH = "dispatch"  # 派单
    ACCEPT = "accept"  # 签收
    RETURN = "return"  # 退单
    REQUEST_EXTENSION = "request_extension"  # 申请延期
    APPROVE_EXTENSION = "approve_extension"
    REJECT_EXTENSION = "reject_extension"
    REPLY = "reply"  # 办理结果
    CLOSE = "close"  # 办结
    RATE_SATISFIED = "rate_satisfied"  # 回访：满意/基本满意 → 办结
    REOPEN = "reopen"  # 回访：不满意 → 重办
    RATE = "rate"  # 回访 after the one reopen is spent: recorded, the demand closes
    NOTE = "note"  # internal note
    REMIND = "remind"  # 80% of the time limit used
    MARK_OVERDUE = "mark_overdue"
    # A deadline estimated for a year the calendar package lacked, recomputed once a release has it.
    RECALCULATE_DEADLINE = "recalculate_deadline"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    DemandAction.DISPATCH: "派单", DemandAction.ACCEPT: "签收", DemandAction.RETURN: "退单",
    DemandAction.REQUEST_EXTENSION: "申请延期", DemandAction.APPROVE_EXTENSION: "批准延期",
    DemandAction.REJECT_EXTENSION: "不批准延期", DemandAction.REPLY: "答复办理结果",
    DemandAction.CLOSE: "办结", DemandAction.RATE_SATISFIED: "回访评价", DemandAction.REOPEN: "回访不满意，重办",
    DemandAction.RATE: "回访评价", DemandAction.NOTE: "内部备注", DemandAction.REMIND: "临期提醒",
    DemandAction.MARK_OVERDUE: "已超期", DemandAction.RECALCULATE_DEADLINE: "按公布的放假安排重算时限",
}

S, A = DemandState, DemandAction
_WORKING = (S.DISPATCHED, S.ACCEPTED, S.EXTENSION_REQUESTED, S.RETURNED, S.REOPENED)
TRANSITIONS: dict[tuple[DemandState, DemandAction], DemandState] = {
    (S.RECEIVED, A.DISPATCH): S.DISPATCHED,
    (S.RETURNED, A.DISPATCH): S.DISPATCHED,
    (S.DISPATCHED, A.ACCEPT): S.ACCEPTED,
    (S.REOPENED, A.ACCEPT): S.ACCEPTED,
    (S.DISPATCHED, A.RETURN): S.RETURNED,
    (S.ACCEPTED, A.RETURN): S.RETURNED,
    (S.ACCEPTED, A.REQUEST_EXTENSION): S.EXTENSION_REQUESTED,
    (S.EXTENSION_REQUESTED, A.APPROVE_EXTENSION): S.ACCEPTED,
    (S.EXTENSION_REQUESTED, A.REJECT_EXTENSION): S.ACCEPTED,
    (S.ACCEPTED, A.REPLY): S.REPLIED,
    (S.EXTENSION_REQUESTED, A.REPLY): S.REPLIED,
    (S.REPLIED, A.CLOSE): S.CLOSED,
    (S.REPLIED, A.RATE_SATISFIED): S.CLOSED,
    (S.REPLIED, A.REOPEN): S.REOPENED,
    (S.REPLIED, A.RATE): S.CLOSED,
    **{(state, A.NOTE): state for state in (S.RECEIVED, *_WORKING, S.REPLIED)},
    **{(state, A.REMIND): state for state in OPEN_STATES},
    **{(state, A.MARK_OVERDUE): state for state in OPEN_STATES},
    **{(state, A.RECALCULATE_DEADLINE): state for state in OPEN_STATES},
}
del S, A


class DemandTransitionError(Conflict):
    """An action the table does not allow in the demand's state, or the state changed meanwhile."""

    code = "demand_transition"


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff account, the enterprise (via its tracking number) or the system clock."""

    kind: str  # staff, enterprise, system
    staff_id: int | None = None
    name: str = ""

    @classmethod
    def system(cls) -> Actor:
        return cls("system", None, "系统")

    @classmethod
    def enterprise(cls) -> Actor:
        return cls("enterprise", None, "企业")


def next_state(state: DemandState | str, action: DemandAction) -> DemandState:
    """The state ``action`` leads to from ``state``; DemandTransitionError when the table lacks it."""
    current = DemandState(state)
    target = TRANSITIONS.get((current, action))
    if target is None:
        raise DemandTransitionError(f"诉求当前状态为“{current.label}”，不能{action.label}")
    return target


def transition(session: Session, demand: Demand, action: DemandAction, actor: Actor, note: str = "",
               changes: dict[str, Any] | None = None, public: bool = True,
               now: datetime.datetime | None = None, detail: dict[str, Any] | None = None) -> DemandEvent:
    """Apply ``action`` to ``demand`` (with column ``changes``) and record it in demand_events.

    The UPDATE is conditional on the state ``demand`` was read in: if someone else changed it in the
    meantime nothing is written and DemandTransitionError is raised (HTTP 409)."""
    now = now or utcnow()
    source = DemandState(demand.status)
    target = next_state(source, action)
    values = {**(changes or {}), "status": target.value, "version": demand.version + 1, "updated_at": now}
    result = session.execute(
        update(Demand).where(Demand.id == demand.id, Demand.status == source.value, Demand.version == demand.version)
        .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
        raise DemandTransitionError("诉求已被其他人处理（状态已变化），请刷新后再试")
    for name, value in values.items():
        set_committed_value(demand, name, value)  # already written: keep the ORM from writing it again
    event = DemandEvent(demand_id=demand.id, action=action.value, from_status=source.value, to_status=target.value,
                        actor_kind=actor.kind, actor_id=actor.staff_id, actor_name=actor.name, note=note,
                        public=public, detail=detail, created_at=now)
    session.add(event)
    session.flush()
    return event
