"""The shipped measures (knowledge_base/policy_measures/*.jsonl) and the policy texts they cite."""
from __future__ import annotations

import json
from pathlib import Path

from indexer.policy_matching.errors import MeasureDataError
from indexer.policy_matching.measures import SupportMeasure, check_against_documents, load_measures

MEASURES_DIR = "policy_measures"
POLICIES_DIR = "policies"


def measure_files(knowledge_base_dir: Path) -> list[Path]:
    return sorted((knowledge_base_dir / MEASURES_DIR).glob("*.jsonl"))


def policy_texts(knowledge_base_dir: Path) -> dict[str, str]:
    """Raw text of every document of the JSONL policy corpora ({docid, text} per line), by id."""
    texts: dict[str, str] = {}
    for path in sorted((knowledge_base_dir / POLICIES_DIR).glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                texts[str(record["docid"])] = str(record["text"])
    return texts


def load_catalog(knowledge_base_dir: Path, check_sources: bool = True) -> list[SupportMeasure]:
    """Every shipped measure, validated; with ``check_sources`` each passage must be in its document."""
    files = measure_files(knowledge_base_dir)
    if not files:
        raise MeasureDataError(f"no measures in {knowledge_base_dir / MEASURES_DIR}; "
                               "add *.jsonl files of support measures (see knowledge_base/README.md)")
    measures = load_measures(files)
    if check_sources:
        problems = check_against_documents(measures, policy_texts(knowledge_base_dir))
        if problems:
            raise MeasureDataError("measures do not match the policy corpus: " + "; ".join(problems[:5])
                                   + "; correct the passages so they quote the document exactly")
    return measures
