"""The notification outbox: rows written with the change they announce, delivered later by a sender.

A sender is anything with ``send(notification)``; an SMS gateway adapter plugs in here. The default
sender only logs (masked), so nothing leaves the machine until a real one is configured.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk.masking import mask_personal_data
from desk.models import NotificationOutbox, utcnow

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Notification:
    id: int
    channel: str  # sms: to the enterprise's contact phone; staff: department:<id>, supervisors, dispatchers
    recipient: str
    text: str


class NotificationSender(Protocol):
    def send(self, notification: Notification) -> None:
        """Deliver one notification; raise to have it retried on the next run."""


class LoggingSender:
    """The default: writes what would be sent to the log, personal data masked."""

    def send(self, notification: Notification) -> None:
        logger.info("notification %s (%s) to %s: %s", notification.id, notification.channel,
                    mask_personal_data(notification.recipient), mask_personal_data(notification.text))


def deliver_pending(session: Session, sender: NotificationSender, limit: int = 200) -> int:
    """Send pending rows in order; a failure is counted and retried up to MAX_ATTEMPTS, then marked failed."""
    rows = session.scalars(select(NotificationOutbox).where(NotificationOutbox.status == "pending")
                           .order_by(NotificationOutbox.id).limit(limit)).all()
    sent = 0
    for row in rows:
        row.attempts += 1
        try:
            sender.send(Notification(row.id, row.channel, row.recipient, row.text))
        except Exception as error:  # any sender failure is recorded on the row and retried
            row.error = f"{type(error).__name__}: {error}"[:500]
            if row.attempts >= MAX_ATTEMPTS:
                row.status = "failed"
            continue
        row.status, row.sent_at, row.error = "sent", utcnow(), None
        sent += 1
    return sent
