"""Why a chat goes to a person: the reasons the bot and the widget gateway emit, with the Chinese
label staff see and the queue priority the desk gives them.

``timeout`` (机器人未及时回复) was listed by both sides but nothing emitted it: a bot that does not
answer gets a system message (``bot_timeout``) and the user decides whether to press 转人工, which
is ``widget_button``. It is gone rather than kept as a promise nothing keeps.
"""
from __future__ import annotations

from enum import IntEnum, StrEnum


class QueuePriority(IntEnum):
    """Lower is served first; the console shows the label as a badge."""

    COMPLAINT = 0
    REPEATED_FAILURE = 1
    OTHER = 2

    @property
    def label(self) -> str:
        return _PRIORITY_LABELS[self]


_PRIORITY_LABELS = {
    QueuePriority.COMPLAINT: "投诉",
    QueuePriority.REPEATED_FAILURE: "多次未解决",
    QueuePriority.OTHER: "其他",
}


class HandoffReason(StrEnum):
    USER_REQUEST = "user_request"        # the user asked for a person (intent request_human, yes to an offer)
    COMPLAINT = "complaint"              # intent complain
    REPEATED_FAILURE = "repeated_failure"  # two answers in a row found nothing
    BAD_FEEDBACK = "bad_feedback"        # 答非所问 right after an answer
    OUT_OF_SCOPE = "out_of_scope"        # yes to the offer after an out-of-scope question
    LEAVE_MESSAGE = "leave_message"      # the bot's leave-a-message path while staff are online
    WIDGET_BUTTON = "widget_button"      # the widget's always-visible 转人工 button (desk gateway)

    @property
    def label(self) -> str:
        return _REASON_LABELS[self]

    @property
    def priority(self) -> QueuePriority:
        return _REASON_PRIORITIES.get(self, QueuePriority.OTHER)

    @classmethod
    def parse(cls, value: object) -> HandoffReason | None:
        """The reason ``value`` names, or None (stored rows and payloads are data, not trusted)."""
        try:
            return cls(value) if isinstance(value, str) else None
        except ValueError:
            return None


_REASON_LABELS = {
    HandoffReason.USER_REQUEST: "用户要求转人工",
    HandoffReason.COMPLAINT: "用户投诉",
    HandoffReason.REPEATED_FAILURE: "连续两次未找到答案",
    HandoffReason.BAD_FEEDBACK: "用户对回答不满意",
    HandoffReason.OUT_OF_SCOPE: "问题超出机器人范围",
    HandoffReason.LEAVE_MESSAGE: "用户要留言",
    HandoffReason.WIDGET_BUTTON: "用户点击转人工",
}
_REASON_PRIORITIES = {
    HandoffReason.COMPLAINT: QueuePriority.COMPLAINT,
    HandoffReason.REPEATED_FAILURE: QueuePriority.REPEATED_FAILURE,
}

# What the bot itself may set in its ``handoff_reason`` slot (the widget button is the desk's).
BOT_HANDOFF_REASONS: tuple[HandoffReason, ...] = tuple(r for r in HandoffReason if r is not HandoffReason.WIDGET_BUTTON)


def reason_label(reason: str) -> str:
    """The Chinese label of a stored reason; an unknown one (an old row) shows as itself."""
    known = HandoffReason.parse(reason)
    return known.label if known is not None else reason


def priority_label(priority: int) -> str:
    """The badge of a stored priority; anything outside the table is "other"."""
    try:
        return QueuePriority(priority).label
    except ValueError:
        return QueuePriority.OTHER.label
