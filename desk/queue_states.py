"""The states of the chat queue: a conversation's, a handoff's and a ticket's status, each a StrEnum
with its Chinese label and one transition table (the demand workflow keeps its own the same way,
desk/demands/states.py). The database holds the same values under CHECK constraints (migration 0004).

The tables list every change the desk makes, including the ones that only races or a message left
while queued produce (commented where they appear), so that a check refuses only what the desk
never does.
"""
from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from desk.errors import Conflict


class ConversationStatus(StrEnum):
    BOT = "bot"  # Rasa answers
    QUEUED = "queued"  # waiting for a person
    LIVE = "live"  # a person answers
    CLOSED = "closed"  # ended (by the user, by staff, or by a message left)

    @property
    def label(self) -> str:
        return _CONVERSATION_LABELS[self]


class HandoffStatus(StrEnum):
    WAITING = "waiting"
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    RETURNED = "returned"  # handed back to the bot
    ABANDONED = "abandoned"  # the user ended the chat before anyone took it

    @property
    def label(self) -> str:
        return _HANDOFF_LABELS[self]


class TicketStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return _TICKET_LABELS[self]


_CONVERSATION_LABELS = {ConversationStatus.BOT: "机器人服务中", ConversationStatus.QUEUED: "排队中",
                        ConversationStatus.LIVE: "人工服务中", ConversationStatus.CLOSED: "已结束"}
_HANDOFF_LABELS = {HandoffStatus.WAITING: "等待接入", HandoffStatus.CLAIMED: "人工服务中",
                   HandoffStatus.RESOLVED: "已解决", HandoffStatus.RETURNED: "已交还机器人",
                   HandoffStatus.ABANDONED: "用户已离开"}
_TICKET_LABELS = {TicketStatus.OPEN: "待回复", TicketStatus.ANSWERED: "已回复", TicketStatus.CLOSED: "已关闭"}

# A handoff in the queue (waiting) or being served (claimed): a conversation has at most one.
OPEN_HANDOFF_STATUSES: tuple[HandoffStatus, ...] = (HandoffStatus.WAITING, HandoffStatus.CLAIMED)
# Handoffs a person served to the end: their durations estimate the wait of the queue.
SERVED_HANDOFF_STATUSES: tuple[HandoffStatus, ...] = (HandoffStatus.RESOLVED, HandoffStatus.RETURNED)

C, H, T = ConversationStatus, HandoffStatus, TicketStatus
CONVERSATION_TRANSITIONS: Mapping[ConversationStatus, frozenset[ConversationStatus]] = {
    # escalate; the user ends it or leaves a message; claim of a handoff still waiting after the user
    # left a message and wrote again (the message reopened the chat with the bot)
    C.BOT: frozenset({C.QUEUED, C.CLOSED, C.LIVE}),
    C.QUEUED: frozenset({C.LIVE, C.CLOSED}),  # claimed; the user ends it or leaves a message
    C.LIVE: frozenset({C.BOT, C.CLOSED}),  # handed back; resolved or ended
    # writing again starts over with the bot; a handoff the bot decided on arrives after the user
    # ended the chat; claim of a handoff left waiting by a message left; ending an ended chat again
    C.CLOSED: frozenset({C.BOT, C.QUEUED, C.LIVE, C.CLOSED}),
}
HANDOFF_TRANSITIONS: Mapping[HandoffStatus, frozenset[HandoffStatus]] = {
    H.WAITING: frozenset({H.CLAIMED, H.ABANDONED}),
    H.CLAIMED: frozenset({H.CLAIMED, H.RESOLVED, H.RETURNED}),  # CLAIMED again: transfer to a colleague
    H.RESOLVED: frozenset(),
    H.RETURNED: frozenset(),
    H.ABANDONED: frozenset(),
}
TICKET_TRANSITIONS: Mapping[TicketStatus, frozenset[TicketStatus]] = {
    T.OPEN: frozenset({T.ANSWERED, T.CLOSED}),
    T.ANSWERED: frozenset({T.ANSWERED, T.CLOSED}),  # ANSWERED again: the answer corrected
    T.CLOSED: frozenset(),
}
del C, H, T


class QueueTransitionError(Conflict):
    """A status change the tables do not allow (HTTP 409)."""

    code = "queue_transition"


S = TypeVar("S", ConversationStatus, HandoffStatus, TicketStatus)


def next_status(table: Mapping[S, frozenset[S]], current: S | str, target: S) -> S:
    """``target`` if the table allows it from ``current``; QueueTransitionError otherwise."""
    kind = type(target)
    try:
        source = kind(current)
    except ValueError:
        raise QueueTransitionError(f"未知状态“{current}”，请刷新后再试") from None
    if target not in table[source]:
        raise QueueTransitionError(f"当前状态为“{source.label}”，不能变为“{target.label}”，请刷新后再试")
    return target


def conversation_status(current: ConversationStatus | str, target: ConversationStatus) -> ConversationStatus:
    return next_status(CONVERSATION_TRANSITIONS, current, target)


def handoff_status(current: HandoffStatus | str, target: HandoffStatus) -> HandoffStatus:
    return next_status(HANDOFF_TRANSITIONS, current, target)


def ticket_status(current: TicketStatus | str, target: TicketStatus) -> TicketStatus:
    return next_status(TICKET_TRANSITIONS, current, target)


def status_label(kind: type[ConversationStatus] | type[HandoffStatus] | type[TicketStatus], value: str) -> str:
    """The Chinese label of a stored status; an unknown one shows as itself."""
    try:
        return kind(value).label
    except ValueError:
        return value


def check_constraint_sql(column: str, kind: type[StrEnum]) -> str:
    """``column IN ('a', 'b')`` for a CHECK constraint over the enum's values."""
    values = ", ".join(f"'{value.value}'" for value in kind)
    return f"{column} IN ({values})"
