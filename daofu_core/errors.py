"""The root of daofu's exception hierarchy; each part subclasses it (indexer/errors.py, desk/errors.py).

Boundaries (the CLI, the request handlers, the actions, the launcher) catch ``DaofuError`` once and
tell the user what to do next; every message says what went wrong and how to fix it.
"""
from __future__ import annotations


class DaofuError(Exception):
    """Base of every error raised on purpose by daofu code."""


class ConfigurationError(DaofuError):
    """A setting is missing or has a bad value."""
