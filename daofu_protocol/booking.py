"""On-site appointments (在线预约) as both sides see them: which catalog items can be booked at a
service hall, and the offer the bot attaches to such an item's answer (the widget opens its booking
card from it, without asking the bot again).

The rule, from what the catalog states (there is no separate "bookable at the hall" flag): an item can
be booked on site when its ``online_book`` (网上预约) is 是 **and** its ``handle_location`` (办理地点)
names a hall. Items whose location says there is no counter (无线下办理窗口, 全程网办) are handled
online only, so there is nowhere to book a visit to.
"""
from __future__ import annotations

from typing import TypedDict

# The catalog's handle_location of an item without any hall: nothing to book a visit to.
NO_COUNTER_MARKERS = ("无线下办理窗口", "无线下窗口", "全程网办", "无需到现场")
BOOKING_OFFER_TEXT = "可以帮您预约到大厅办理"


class BookingOffer(TypedDict):
    """The bot's offer to book a visit for an item (the widget's booking card fetches the slots)."""

    item_id: str
    item_name: str
    location: str  # the hall, as the catalog names it
    text: str  # BOOKING_OFFER_TEXT, shown on the button


def hall_of(online_booking: bool, location: str) -> str:
    """The hall an item can be booked at, or "" when it cannot be booked on site (rule above)."""
    text = (location or "").strip()
    if not online_booking or not text or any(marker in text for marker in NO_COUNTER_MARKERS):
        return ""
    return text


def booking_offer(item_id: str, item_name: str, online_booking: bool, location: str) -> BookingOffer | None:
    """The offer for an item's answer, or None when the item cannot be booked on site."""
    hall = hall_of(online_booking, location)
    if not hall:
        return None
    return {"item_id": item_id, "item_name": item_name, "location": hall, "text": BOOKING_OFFER_TEXT}
