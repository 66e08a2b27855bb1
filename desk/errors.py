"""The desk's exceptions; request handlers turn them into clear answers (HTTP detail / error frame)."""
from __future__ import annotations

from daofu_core.errors import DaofuError


class DeskError(DaofuError):
    """Base of desk errors; ``code`` goes into widget error frames, ``status`` into HTTP answers."""

    code = "bad_request"
    status = 400


class NotFound(DeskError):
    code = "not_found"
    status = 404


class Conflict(DeskError):
    code = "conflict"
    status = 409


class Forbidden(DeskError):
    code = "forbidden"
    status = 403


class NotLoggedIn(DeskError):
    code = "not_logged_in"
    status = 401


class BadFrame(DeskError):
    code = "bad_frame"
    status = 400
