"""How a saved enterprise profile is spelled between the bot and the desk (``policy_profile``).

The bot keeps the profile in text slots (``policy_<field>``) and sends them, with the user's consent,
as ``[{name, value}]``; the desk stores them, sets the same slots when the visitor returns, and reads
them as a profile (``profile_json``: the JSON ``indexer.policy_matching.load_profile`` takes) to find
the 免申即享 measures the enterprise qualifies for. Standard library only, like the whole contract.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

UNKNOWN_VALUE = "unknown"  # answered 跳过 / 不清楚: not asked again, not known
NONE_VALUE = "无"  # no qualifications / no serious dishonesty record
YES_VALUE = "有"
LIST_SEPARATOR = "、"
SIZE_SEPARATOR = "/"  # "小型/微型": the enterprise said 小微

# Profile fields a saved profile may carry, in the order the form asks them; the bot's slot of
# each is ``policy_<field>`` except declared_size (``policy_size``).
PROFILE_FIELDS = ("region", "industry", "declared_size", "employees", "revenue", "assets", "established",
                  "taxpayer_type", "tax_credit_level", "qualifications", "serious_dishonesty")
# Fields a saved profile may carry besides the form's (the chat does not ask them today; the desk
# masks the credit code wherever it shows one).
EXTRA_FIELDS = ("name", "credit_code")
SLOT_OF_FIELD = {field: "policy_size" if field == "declared_size" else f"policy_{field}" for field in PROFILE_FIELDS}


def profile_json(values: Mapping[str, Any]) -> dict[str, Any]:
    """The profile JSON of field values as the slots spell them; unknown, empty and unreadable
    values are left out (a field left out means "not known")."""
    data: dict[str, Any] = {field: str(values[field]) for field in EXTRA_FIELDS if values.get(field)}
    for field in PROFILE_FIELDS:
        value = values.get(field)
        if value is None or value in (UNKNOWN_VALUE, ""):
            continue
        text = str(value)
        if field in ("employees", "revenue", "assets"):
            try:
                number = float(text)
            except ValueError:
                continue  # not a number yet (a form answer before validation)
            data[field] = int(number) if field == "employees" else number
        elif field == "qualifications":
            data[field] = [] if text == NONE_VALUE else [part for part in text.split(LIST_SEPARATOR) if part]
        elif field == "serious_dishonesty":
            data[field] = text == YES_VALUE
        elif field == "declared_size":
            sizes = [part for part in text.split(SIZE_SEPARATOR) if part]
            if len(sizes) == 1:  # "小型/微型" decides nothing on its own
                data[field] = sizes[0]
        else:
            data[field] = text
    return data
