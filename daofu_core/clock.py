"""The project's clock: timestamps are UTC; dates a person reads (expiry dates) are the city's."""
from __future__ import annotations

import datetime

# The city's calendar (China Standard Time, no daylight saving): what an expiry date means.
CHINA_TZ = datetime.timezone(datetime.timedelta(hours=8))


def utcnow() -> datetime.datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.datetime.now(datetime.UTC)


def utc_timestamp() -> str:
    """The current UTC time as ISO 8601 to the second, e.g. ``2026-12-02T03:45:00+00:00``."""
    return utcnow().isoformat(timespec="seconds")


def today_in_china() -> str:
    """Today's ISO date in the city's calendar (China Standard Time): what expiry dates mean."""
    return datetime.datetime.now(CHINA_TZ).date().isoformat()
