"""The indexer's exceptions. Each message says what went wrong and what to do next."""
from __future__ import annotations


class DaofuError(Exception):
    """Base of every error raised on purpose by daofu code."""


class ConfigurationError(DaofuError):
    """A setting is missing or has a bad value."""


class InvalidQueryError(DaofuError, ValueError):
    """A search query cannot be served (empty, or only whitespace)."""


class IndexNotFoundError(DaofuError):
    """No built index exists where the settings point."""


class IndexMismatchError(DaofuError):
    """A built index was made with another model or normaliser than the one configured."""


class ModelNotFoundError(DaofuError):
    """The embedding model directory is missing or incomplete."""


class RecordError(DaofuError):
    """One record or file of the knowledge base cannot be read; the build reports it and goes on."""


class BuildError(DaofuError):
    """An index build failed as a whole (nothing usable was read, or writing failed)."""
