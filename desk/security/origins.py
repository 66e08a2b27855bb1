"""Which browser origins may open the staff console socket (issue 13 item 6).

SameSite cookies stop other sites, not another origin of the same site (another port or subdomain),
so the console socket also checks the Origin header a browser always sends on a WebSocket handshake.
"""
from __future__ import annotations

from urllib.parse import urlsplit


def parse_origins(value: str) -> frozenset[str]:
    """``DAOFU_ALLOWED_ORIGINS``: comma-separated ``scheme://host[:port]``; empty: the desk's own only."""
    return frozenset(_normalise(part) for part in value.split(",") if part.strip())


def origin_allowed(origin: str | None, host: str | None, allowed: frozenset[str]) -> bool:
    """An Origin is allowed when it is the desk's own (same host and port as the request's Host
    header) or listed; a handshake without Origin (no browser sent it) is refused."""
    if not origin or origin == "null":
        return False
    normalised = _normalise(origin)
    if normalised in allowed:
        return True
    parts = urlsplit(normalised)
    return bool(host) and parts.scheme in ("http", "https") and parts.netloc == host.strip().lower()


def _normalise(origin: str) -> str:
    parts = urlsplit(origin.strip().lower())
    netloc = parts.netloc
    # Browsers leave the default port out; a configured value may spell it.
    if (parts.scheme, parts.port) in (("http", 80), ("https", 443)):
        netloc = parts.hostname or netloc
    return f"{parts.scheme}://{netloc}"
