"""A returning widget's saved profile (its ``hello`` carried ``profile_token``): the bot gets the
profile as slots and the widget the 免申即享 notices it has not had yet.

Kept apart from profiles.py so the gateway imports nothing heavy: the matching library loads on
the first visit that carries a token.
"""
from __future__ import annotations

import asyncio
import functools
import logging
from typing import TYPE_CHECKING, Any

from desk.rasa_client import BotUnavailable

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from desk.service import DeskService

logger = logging.getLogger(__name__)


async def welcome_back(service: DeskService, conversation_id: str, token: object) -> list[dict[str, Any]]:
    """Frames for the widget after its ``welcome``: one ``notice`` per new 免申即享 measure, or
    ``policy_profile_unknown`` when the desk holds no profile for the token (the widget forgets it).
    The slots are set before the gateway reads the widget's next frame, so its first message
    reaches a bot that already knows the profile."""
    from desk.policy.profiles import load_catalog_now

    catalog = await asyncio.to_thread(load_catalog_now)  # file reads off the event loop
    found = await service.run(functools.partial(_visit, token=token, catalog=catalog))
    if found is None:
        return [{"type": "policy_profile_unknown"}]
    events, notices = found
    try:
        await service.rasa.set_slots(conversation_id, events)
    except BotUnavailable as error:
        # The chat still works: the bot asks again what it needs.
        logger.warning("saved profile not given to the bot for %s: %s", conversation_id, error)
    return [{"type": "notice", "kind": "policy_granted", **notice} for notice in notices]


def _visit(session: Session, token: object, catalog: Any) -> tuple[list[dict[str, Any]], list[dict[str, str]]] | None:
    from desk.policy.profiles import find_profile, new_notices, slot_events

    row = find_profile(session, token)
    if row is None:
        return None
    return slot_events(row), new_notices(session, row, catalog)
