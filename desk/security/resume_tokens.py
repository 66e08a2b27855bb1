"""Resume tokens: the secret that binds a widget to its conversation.

A conversation id is no secret (CSV exports, consoles and logs show it), so a widget resumes a
conversation only with the token it was given on first contact and keeps in its local storage.
The desk stores only a SHA-256 of the token: the token is 256 random bits, so a fast hash
suffices, and a leaked database row does not let anyone resume the chat.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

MAX_TOKEN_CHARS = 100


def new_resume_token() -> str:
    return secrets.token_urlsafe(32)


def resume_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def resume_token_matches(token: object, stored_hash: str | None) -> bool:
    """Whether ``token`` (as the widget sent it, any type) opens the conversation with ``stored_hash``.
    A conversation without a hash (from before tokens) opens for nobody."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS or not stored_hash:
        return False
    return hmac.compare_digest(resume_token_hash(token), stored_hash)
