"""What every part of daofu shares and nothing else: the error base, the settings machinery, the
clock and the project root.

It imports nothing of the project (tests/test_import_directions.py checks), so the indexer, the
desk, the launcher and the action server can all build on it without depending on one another.
"""
from __future__ import annotations
