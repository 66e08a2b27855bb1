"""The states of remote help: a help session's and each checklist entry's status, each a StrEnum with
its Chinese label and one transition table; ``help_status`` and ``entry_status`` refuse (409) what the
tables lack. The database holds the same values under CHECK constraints (migration 0005).
"""
from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from desk.errors import Conflict


class HelpStatus(StrEnum):
    ACTIVE = "active"  # staff and enterprise work on the checklist and the draft
    COMPLETED = "completed"  # every entry 合格: the summary is made
    CANCELLED = "cancelled"  # staff stopped it (wrong item, the enterprise left)

    @property
    def label(self) -> str:
        return _HELP_LABELS[self]


class EntryStatus(StrEnum):
    PENDING = "pending"  # nothing uploaded yet
    SUBMITTED = "submitted"  # a file is waiting for the staff's check
    ACCEPTED = "accepted"  # 合格
    NEEDS_FIX = "needs_fix"  # 需补正 (with the reason)
    MISSING = "missing"  # 缺失

    @property
    def label(self) -> str:
        return _ENTRY_LABELS[self]


# The marks staff give (the statuses a staff member may set directly).
MARKS: tuple[EntryStatus, ...] = (EntryStatus.ACCEPTED, EntryStatus.NEEDS_FIX, EntryStatus.MISSING)

_HELP_LABELS = {HelpStatus.ACTIVE: "帮办中", HelpStatus.COMPLETED: "预审通过", HelpStatus.CANCELLED: "已取消"}
_ENTRY_LABELS = {EntryStatus.PENDING: "待上传", EntryStatus.SUBMITTED: "待审核", EntryStatus.ACCEPTED: "合格",
                 EntryStatus.NEEDS_FIX: "需补正", EntryStatus.MISSING: "缺失"}

H, E = HelpStatus, EntryStatus
HELP_TRANSITIONS: Mapping[HelpStatus, frozenset[HelpStatus]] = {
    H.ACTIVE: frozenset({H.COMPLETED, H.CANCELLED}),
    H.COMPLETED: frozenset(),
    H.CANCELLED: frozenset(),
}
ENTRY_TRANSITIONS: Mapping[EntryStatus, frozenset[EntryStatus]] = {
    # an upload; staff find it missing before anything came
    E.PENDING: frozenset({E.SUBMITTED, E.MISSING}),
    # another file for the same entry (several pages); staff's three marks
    E.SUBMITTED: frozenset({E.SUBMITTED, E.ACCEPTED, E.NEEDS_FIX, E.MISSING}),
    # staff change their mind before the help ends (the summary is made only when all are 合格,
    # and the help ends at that moment, so an accepted entry is never re-marked after the end)
    E.ACCEPTED: frozenset({E.NEEDS_FIX, E.MISSING}),
    # the corrected file; a new reason (NEEDS_FIX again); found missing after all
    E.NEEDS_FIX: frozenset({E.SUBMITTED, E.NEEDS_FIX, E.MISSING}),
    # the file after all; staff write down a reason instead
    E.MISSING: frozenset({E.SUBMITTED, E.NEEDS_FIX}),
}
del H, E


class HelpTransitionError(Conflict):
    """A status change the tables do not allow (HTTP 409)."""

    code = "remote_help_transition"


S = TypeVar("S", HelpStatus, EntryStatus)


def _next(table: Mapping[S, frozenset[S]], current: S | str, target: S, what: str) -> S:
    kind = type(target)
    try:
        source = kind(current)
    except ValueError:
        raise HelpTransitionError(f"{what}的状态“{current}”未知，请刷新后再试") from None
    if target not in table[source]:
        raise HelpTransitionError(f"{what}当前为“{source.label}”，不能变为“{target.label}”，请刷新后再试")
    return target


def help_status(current: HelpStatus | str, target: HelpStatus) -> HelpStatus:
    return _next(HELP_TRANSITIONS, current, target, "帮办")


def entry_status(current: EntryStatus | str, target: EntryStatus) -> EntryStatus:
    return _next(ENTRY_TRANSITIONS, current, target, "材料")
