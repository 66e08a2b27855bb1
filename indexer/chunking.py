"""Searchable units: one per service item, and bounded passages of policy documents.

Policy passages are made of whole sentences (spaCy's sentencizer; a sentence longer than the
bound is cut at commas, then hard) packed up to ``max_chars`` characters, the last sentence of a
passage repeated at the start of the next so an answer spanning the boundary is still found.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from indexer.records import Chunk, PolicyDoc, ServiceItem

DEFAULT_MAX_CHARS = 300
DEFAULT_OVERLAP_SENTENCES = 1
_CLAUSE_BREAK = re.compile(r"(?<=[,，、:：])")

SentenceSplitter = Callable[[str], Sequence[tuple[int, str]]]


@dataclass(frozen=True)
class ChunkingSettings:
    max_chars: int = DEFAULT_MAX_CHARS
    overlap_sentences: int = DEFAULT_OVERLAP_SENTENCES

    def __post_init__(self) -> None:
        if self.max_chars < 50:
            raise ValueError(f"max_chars must be at least 50, got {self.max_chars}")
        if self.overlap_sentences < 0:
            raise ValueError(f"overlap_sentences must be >= 0, got {self.overlap_sentences}")


def item_text(item: ServiceItem) -> str:
    """What lexical and dense search see of an item: name, department, materials, conditions."""
    parts = [item.name]
    if item.catalog_name and item.catalog_name not in item.name:
        parts.append(item.catalog_name)
    parts.append(f"实施部门:{item.department}")
    if item.item_type:
        parts.append(f"类型:{item.item_type}")
    if item.materials:
        parts.append("材料:" + "、".join(item.materials))
    if item.conditions:
        parts.append("条件:" + item.conditions)
    return "\n".join(parts)


def item_chunk(item: ServiceItem) -> Chunk:
    return Chunk(id=f"{item.id}#0", record_id=item.id, kind="item", title=item.name, text=item_text(item))


def policy_chunks(policy: PolicyDoc, split_sentences: SentenceSplitter,
                  settings: ChunkingSettings = ChunkingSettings()) -> list[Chunk]:
    pieces = list(_bounded_sentences(split_sentences(policy.body), settings.max_chars))
    chunks: list[Chunk] = []
    start_index = 0
    while start_index < len(pieces):
        end_index = start_index
        length = 0
        while end_index < len(pieces) and (end_index == start_index or length + len(pieces[end_index][1]) <= settings.max_chars):
            length += len(pieces[end_index][1])
            end_index += 1
        offset = pieces[start_index][0]
        text = "".join(sentence for _, sentence in pieces[start_index:end_index]).strip()
        chunks.append(Chunk(
            id=f"{policy.id}#{len(chunks)}", record_id=policy.id, kind="policy", title=policy.title,
            text=text, position=len(chunks), start=offset,
        ))
        if end_index >= len(pieces):
            break
        start_index = max(start_index + 1, end_index - settings.overlap_sentences)
    return chunks


def _bounded_sentences(sentences: Sequence[tuple[int, str]], max_chars: int) -> Iterator[tuple[int, str]]:
    for offset, sentence in sentences:
        if len(sentence) <= max_chars:
            yield offset, sentence
            continue
        # Over-long sentence: cut at clause punctuation, then hard at the bound.
        buffer, buffer_offset = "", offset
        position = offset
        for clause in _CLAUSE_BREAK.split(sentence):
            while len(clause) > max_chars:
                if buffer:
                    yield buffer_offset, buffer
                    buffer = ""
                yield position, clause[:max_chars]
                position += max_chars
                clause = clause[max_chars:]
            if buffer and len(buffer) + len(clause) > max_chars:
                yield buffer_offset, buffer
                buffer = ""
            if not buffer:
                buffer_offset = position
            buffer += clause
            position += len(clause)
        if buffer:
            yield buffer_offset, buffer
