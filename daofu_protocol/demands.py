"""The demand (诉求) categories both sides spell: the bot suggests one, the widget's form lists them,
the desk stores them and keeps a deadline for each (DAOFU_DEMAND_DEADLINE_DAYS)."""
from __future__ import annotations

from enum import StrEnum


class DemandCategory(StrEnum):
    CONSULTATION = "咨询"
    HELP = "求助"
    COMPLAINT = "投诉"
    SUGGESTION = "建议"
    REPORT = "举报"


# The order the widget's form lists them in (the most common first).
DEMAND_CATEGORIES: tuple[DemandCategory, ...] = (
    DemandCategory.CONSULTATION, DemandCategory.HELP, DemandCategory.COMPLAINT, DemandCategory.SUGGESTION,
    DemandCategory.REPORT,
)
