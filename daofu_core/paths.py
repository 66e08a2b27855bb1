"""Where the repository lives: the default of every path setting is relative to it."""
from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
