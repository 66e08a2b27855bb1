"""Every row of the remote-help transition tables is allowed, every missing row refused (409)."""
from __future__ import annotations

import pytest

from desk.remote_help.states import (
    ENTRY_TRANSITIONS,
    HELP_TRANSITIONS,
    EntryStatus,
    HelpStatus,
    HelpTransitionError,
    entry_status,
    help_status,
)

HELP_PAIRS = [(a, b) for a in HelpStatus for b in HelpStatus]
ENTRY_PAIRS = [(a, b) for a in EntryStatus for b in EntryStatus]


@pytest.mark.parametrize(("source", "target"), HELP_PAIRS, ids=lambda s: s.value)
def test_help_transitions(source: HelpStatus, target: HelpStatus) -> None:
    if target in HELP_TRANSITIONS[source]:
        assert help_status(source, target) is target
    else:
        with pytest.raises(HelpTransitionError) as refused:
            help_status(source.value, target)
        assert refused.value.status == 409 and source.label in str(refused.value)


@pytest.mark.parametrize(("source", "target"), ENTRY_PAIRS, ids=lambda s: s.value)
def test_entry_transitions(source: EntryStatus, target: EntryStatus) -> None:
    if target in ENTRY_TRANSITIONS[source]:
        assert entry_status(source.value, target) is target
    else:
        with pytest.raises(HelpTransitionError) as refused:
            entry_status(source, target)
        assert refused.value.status == 409 and target.label in str(refused.value)


def test_the_tables_hold_what_the_help_needs() -> None:
    # an entry is never accepted before a file came, and the end states of a help are final
    assert EntryStatus.ACCEPTED not in ENTRY_TRANSITIONS[EntryStatus.PENDING]
    assert EntryStatus.SUBMITTED in ENTRY_TRANSITIONS[EntryStatus.NEEDS_FIX]  # re-upload after 需补正
    assert not HELP_TRANSITIONS[HelpStatus.COMPLETED] and not HELP_TRANSITIONS[HelpStatus.CANCELLED]


def test_an_unknown_stored_status_is_refused_in_words() -> None:
    with pytest.raises(HelpTransitionError, match="未知"):
        entry_status("approved", EntryStatus.ACCEPTED)
