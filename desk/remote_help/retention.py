"""Retention of remote help: it goes with its conversation (``python -m desk purge``,
desk/security/retention.py), rows and kept files alike."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from desk.models import RemoteHelp, RemoteHelpEntry, RemoteHelpEvent, RemoteHelpField, RemoteHelpFile


def purge_conversations(session: Session, conversation_ids: Sequence[object]) -> int:
    """Delete the remote help of these conversations, with its files; the number of helps deleted."""
    helps = list(session.scalars(select(RemoteHelp.id).where(RemoteHelp.conversation_id.in_(conversation_ids))))
    if not helps:
        return 0
    for stored in session.scalars(select(RemoteHelpFile.path).where(RemoteHelpFile.help_id.in_(helps))):
        path = Path(stored)
        path.unlink(missing_ok=True)
        if path.parent.is_dir() and not any(path.parent.iterdir()):
            path.parent.rmdir()  # the help's own folder
    for table in (RemoteHelpEvent, RemoteHelpField, RemoteHelpFile, RemoteHelpEntry):
        session.execute(delete(table).where(table.help_id.in_(helps)))
    session.execute(delete(RemoteHelp).where(RemoteHelp.id.in_(helps)))
    return len(helps)
