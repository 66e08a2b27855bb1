"""Publishing a built index version: what the CLI's ``build`` and the editor's "publish" both do.

The index's ``CURRENT`` pointer switches first (atomic; searches pick the version up without a
restart), then the workspace records which knowledge-base version is now served, so the console
shows what the bot answers from. Rasa's jieba dictionary is not touched: it comes from the shipped
knowledge base only (``python -m indexer userdict``), so an editor's change never retrains Rasa.
"""
from __future__ import annotations

from pathlib import Path

from indexer.store import IndexStore
from indexer.workspace import KnowledgeWorkspace


def publish_index(index_dir: Path, index_version: str, workspace: KnowledgeWorkspace | None = None,
                  kb_version: int | None = None) -> None:
    """Serve the complete index version ``index_version`` under ``index_dir`` and, given the
    workspace and the knowledge-base version it was built from, mark that version published."""
    IndexStore(index_dir).switch(index_version)
    if workspace is not None and kb_version is not None:
        workspace.set_published(kb_version)
