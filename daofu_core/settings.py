"""Settings as frozen dataclasses whose fields name their ``DAOFU_*`` variable and help text.

A settings class declares each field with ``metadata={"env": "DAOFU_…", "help": "…"}`` and inherits
``from_env`` from ``EnvSettings``; values are read at entry points (CLI, launcher, action server,
desk), never at import. tests/test_settings_documented.py reads the same metadata to check that
every variable is in the README's settings table (datasette's rule).
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any, Self

from daofu_core.errors import ConfigurationError


class EnvSettings:
    """Mixin of the settings dataclasses: construction from ``DAOFU_*`` variables."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        return settings_from_env(cls, os.environ if environ is None else environ)


def settings_from_env(cls: type[Any], environ: Mapping[str, str]) -> Any:
    """Build a settings dataclass from ``DAOFU_*`` variables, converting to each field's type;
    a variable that is unset or empty leaves the field's default."""
    values: dict[str, Any] = {}
    for spec in fields(cls):
        name = spec.metadata.get("env")
        if not name or name not in environ or environ[name] == "":
            continue
        raw = environ[name]
        kind = spec.type if isinstance(spec.type, str) else getattr(spec.type, "__name__", str(spec.type))
        try:
            if kind == "Path":
                values[spec.name] = Path(raw).expanduser().resolve()
            elif kind == "int":
                values[spec.name] = int(raw)
            elif kind == "float":
                values[spec.name] = float(raw)
            elif kind == "bool":
                values[spec.name] = _parse_bool(raw, name)
            else:
                values[spec.name] = raw
        except ValueError as error:
            raise ConfigurationError(f"{name}={raw!r} is not a valid {kind}: {error}") from error
    return cls(**values)


def settings_environment(settings: object, leave_out: frozenset[str] = frozenset()) -> dict[str, str]:
    """The ``DAOFU_*`` variables that rebuild ``settings`` in a child process (``leave_out`` names
    variables the caller sets itself)."""
    if not is_dataclass(settings) or isinstance(settings, type):
        raise TypeError(f"expected a settings dataclass instance, got {settings!r}")
    values = {}
    for spec in fields(settings):
        name = spec.metadata.get("env")
        if name and name not in leave_out:
            values[name] = str(getattr(settings, spec.name))
    return values


def _parse_bool(raw: str, name: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"use true/false for {name}")
