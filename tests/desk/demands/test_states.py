"""The demand state machine: every row of the table works, every missing row is refused (409)."""
from __future__ import annotations

import itertools

import pytest

from desk.db import Database
from desk.demands.states import (
    OPEN_STATES,
    TRANSITIONS,
    Actor,
    DemandAction,
    DemandState,
    DemandTransitionError,
    next_state,
    transition,
)
from desk.models import Demand, DemandEvent
from tests.desk.demands.conftest import add_demand

LEGAL = sorted(TRANSITIONS.items())
ILLEGAL = [pair for pair in itertools.product(DemandState, DemandAction) if pair not in TRANSITIONS]


def test_the_main_path_and_its_branches_are_in_the_table() -> None:
    path = [(DemandState.RECEIVED, DemandAction.DISPATCH), (DemandState.DISPATCHED, DemandAction.ACCEPT),
            (DemandState.ACCEPTED, DemandAction.REQUEST_EXTENSION),
            (DemandState.EXTENSION_REQUESTED, DemandAction.APPROVE_EXTENSION),
            (DemandState.ACCEPTED, DemandAction.REPLY), (DemandState.REPLIED, DemandAction.CLOSE)]
    assert [next_state(state, action) for state, action in path] == [
        DemandState.DISPATCHED, DemandState.ACCEPTED, DemandState.EXTENSION_REQUESTED, DemandState.ACCEPTED,
        DemandState.REPLIED, DemandState.CLOSED]
    assert next_state(DemandState.DISPATCHED, DemandAction.RETURN) is DemandState.RETURNED
    assert next_state(DemandState.RETURNED, DemandAction.DISPATCH) is DemandState.DISPATCHED
    assert next_state(DemandState.REPLIED, DemandAction.REOPEN) is DemandState.REOPENED
    assert next_state(DemandState.REOPENED, DemandAction.ACCEPT) is DemandState.ACCEPTED
    assert DemandState.CLOSED not in OPEN_STATES and DemandState.REPLIED not in OPEN_STATES
    # A closed demand takes nothing at all.
    assert not [pair for pair in TRANSITIONS if pair[0] is DemandState.CLOSED]
    assert len(LEGAL) + len(ILLEGAL) == len(DemandState) * len(DemandAction)


@pytest.mark.parametrize(("pair", "target"), LEGAL, ids=[f"{s.value}-{a.value}" for (s, a), _ in LEGAL])
def test_every_legal_transition_is_applied_and_recorded(store: Database, pair: tuple[DemandState, DemandAction],
                                                        target: DemandState) -> None:
    state, action = pair
    demand_id = add_demand(store, state.value)
    with store.session() as session:
        demand = session.get(Demand, demand_id)
        assert demand is not None
        event = transition(session, demand, action, Actor("staff", None, "王小丽"), note="说明")
        assert demand.status == target.value and demand.version == 1
    with store.session() as session:
        stored = session.get(Demand, demand_id)
        assert stored is not None and stored.status == target.value and stored.version == 1
        recorded = session.get(DemandEvent, event.id)
        assert recorded is not None
        assert (recorded.action, recorded.from_status, recorded.to_status, recorded.actor_name, recorded.note) == (
            action.value, state.value, target.value, "王小丽", "说明")
        assert recorded.created_at is not None


@pytest.mark.parametrize(("state", "action"), ILLEGAL, ids=[f"{s.value}-{a.value}" for s, a in ILLEGAL])
def test_every_illegal_transition_is_refused(store: Database, state: DemandState, action: DemandAction) -> None:
    demand_id = add_demand(store, state.value)
    with pytest.raises(DemandTransitionError) as refused, store.session() as session:
        demand = session.get(Demand, demand_id)
        assert demand is not None
        transition(session, demand, action, Actor.system())
    assert refused.value.status == 409
    assert state.label in str(refused.value) and action.label in str(refused.value)
    with store.session() as session:
        stored = session.get(Demand, demand_id)
        assert stored is not None and stored.status == state.value and stored.version == 0
        assert session.query(DemandEvent).count() == 0


def test_a_stale_read_is_refused(store: Database) -> None:
    """Two actors read the demand in the same state; the second write finds it changed."""
    demand_id = add_demand(store, "dispatched")
    with store.session() as first, store.session() as second:
        mine, theirs = first.get(Demand, demand_id), second.get(Demand, demand_id)
        assert mine is not None and theirs is not None
        transition(first, mine, DemandAction.ACCEPT, Actor("staff", None, "甲"))
        first.commit()
        with pytest.raises(DemandTransitionError, match="已被其他人处理"):
            transition(second, theirs, DemandAction.RETURN, Actor("staff", None, "乙"), note="不归我们管")
