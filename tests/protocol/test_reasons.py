"""The handoff reasons: one enum that the Rasa domain, the actions and the desk agree on."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from daofu_protocol import BOT_HANDOFF_REASONS, HandoffReason, QueuePriority, priority_label, reason_label

ROOT = Path(__file__).resolve().parents[2]


def test_the_domain_slot_takes_exactly_the_reasons_the_bot_may_set() -> None:
    domain = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    slot = domain["slots"]["handoff_reason"]
    assert slot["type"] == "categorical"
    assert slot["values"] == [reason.value for reason in BOT_HANDOFF_REASONS]
    # The widget's button is the desk's own reason: the bot never sets it.
    assert HandoffReason.WIDGET_BUTTON not in BOT_HANDOFF_REASONS
    assert set(BOT_HANDOFF_REASONS) | {HandoffReason.WIDGET_BUTTON} == set(HandoffReason)


def test_every_reason_the_bot_data_sets_is_a_slot_value() -> None:
    """Rules and test stories spell slot values too: a renamed reason must not leave them behind."""
    values = {reason.value for reason in BOT_HANDOFF_REASONS}
    for path in [ROOT / "bot" / "data" / "rules.yml", ROOT / "bot" / "data" / "stories.yml",
                 ROOT / "tests" / "stories" / "test_conversations.yml"]:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for block in data.get("rules", []) + data.get("stories", []):
            for step in block["steps"]:
                for slot in step.get("slot_was_set", []):
                    if isinstance(slot, dict) and slot.get("handoff_reason") is not None:
                        assert slot["handoff_reason"] in values, (path.name, block.get("rule") or block.get("story"))


def test_labels_and_priorities() -> None:
    assert HandoffReason.COMPLAINT.label == "用户投诉"
    assert HandoffReason.WIDGET_BUTTON.label == "用户点击转人工"
    assert [r.priority for r in (HandoffReason.COMPLAINT, HandoffReason.REPEATED_FAILURE, HandoffReason.USER_REQUEST)] == [
        QueuePriority.COMPLAINT, QueuePriority.REPEATED_FAILURE, QueuePriority.OTHER]
    assert all(reason.label and reason.priority in QueuePriority for reason in HandoffReason)
    assert "timeout" not in {reason.value for reason in HandoffReason}  # nothing emitted it


@pytest.mark.parametrize("value", ["timeout", "", None, 3, ["complaint"]])
def test_unknown_reasons_parse_to_none_and_show_as_stored(value: object) -> None:
    assert HandoffReason.parse(value) is None
    if isinstance(value, str):
        assert reason_label(value) == value  # an old row shows its stored word, never crashes


def test_priority_labels_match_the_console_badges() -> None:
    assert [priority_label(p) for p in (0, 1, 2, 7, -1)] == ["投诉", "多次未解决", "其他", "其他", "其他"]
