"""Knowledge index for daofu: ingest, normalise, chunk, embed and search.

Importing this package is cheap: models and indexes load lazily behind functions
(`indexer.search.get_search_service`). The indexer never imports Rasa or the desk.
"""
from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
