"""Errors of policy matching. Each names the field or record at fault and says what to do next."""
from __future__ import annotations

from indexer.errors import DaofuError


class PolicyMatchingError(DaofuError):
    """Base of the errors raised on purpose by policy matching."""


class ProfileError(PolicyMatchingError, ValueError):
    """An enterprise profile (or a size question) has a missing or bad field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class MeasureDataError(PolicyMatchingError):
    """A file of structured support measures cannot be loaded (bad JSON, bad schema, passage not in its document)."""
