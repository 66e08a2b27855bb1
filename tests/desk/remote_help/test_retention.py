"""Remote help goes with its conversation: ``python -m desk purge`` deletes its rows and kept files."""
from __future__ import annotations

import datetime
from pathlib import Path

from sqlalchemy import select

from desk.models import Conversation, RemoteHelp, RemoteHelpEvent, RemoteHelpFile, utcnow
from desk.security.retention import purge
from tests.desk.remote_help.conftest import CONVERSATION, PLEDGE, Desk, png_bytes

RECENT = "recent" * 5


def test_purge_deletes_old_help_with_its_files_and_keeps_recent_help(desk: Desk) -> None:
    old = desk.start()
    assert desk.upload(old["entries"][0]["id"], png_bytes()).status_code == 201
    desk.live_chat(RECENT, "token-of-the-recent-chat-0123456789abcdef", "bob", candidates=[])
    recent = desk["bob"].post(f"/api/conversations/{RECENT}/remote-help", json={"item_id": PLEDGE})
    assert recent.status_code == 201
    with desk.database.session() as session:
        old_file = Path(session.scalars(select(RemoteHelpFile.path)).one())
        assert old_file.is_file()
        conversation = session.get(Conversation, CONVERSATION)
        assert conversation is not None
        conversation.status = "closed"  # purge never takes a chat still in a person's hands
        conversation.updated_at = utcnow() - datetime.timedelta(days=400)
    with desk.database.session() as session:
        result = purge(session, 30)
    assert result.remote_helps == 1 and result.conversations == 1 and "1 remote helps" in result.summary()
    with desk.database.session() as session:
        assert list(session.scalars(select(RemoteHelp.conversation_id))) == [RECENT]
        left = {e.help_id for e in session.scalars(select(RemoteHelpEvent))}
    assert left == {recent.json()["id"]}
    assert not old_file.exists() and not old_file.parent.exists()
