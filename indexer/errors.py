"""The indexer's exceptions. Each message says what went wrong and what to do next."""
from __future__ import annotations

# The base and the settings error are shared by every part (daofu_core); named here too so that
# indexer code and its callers find all the indexer's errors in one module.
from daofu_core.errors import ConfigurationError, DaofuError

__all__ = [
    "BuildError", "ConfigurationError", "DaofuError", "IndexMismatchError", "IndexNotFoundError", "InvalidQueryError",
    "ModelNotFoundError", "RecordError",
]


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
