"""The knowledge-gap loop: questions the bot could not serve, grouped by meaning for editors.

Three signals mark a question as a gap:
- unanswered: the bot answered with a not-found marker (``payload["custom"]["not_found"]``);
- escalated: the chat was handed to a person (a ``Handoff`` row);
- bad_rating: the user rated the chat 1 or 2 (the rating comment counts as a question too).

Questions are embedded with the served e5 model and grouped by average-linkage agglomerative
clustering on cosine distance, so one cluster is one thing the knowledge base is missing.

The cut (a cosine distance) depends on the model, so it is measured per model with
``python -m bench.gap_clustering`` on bench/data/gap_pairs.jsonl (44 colloquial enterprise questions
in 11 meaning groups), maximising the adjusted Rand index (ARI) against the groups:
- base model (var/models/e5-small-zh): best ARI 0.850 at 0.11 (11 clusters); 0.769 at 0.10, 0.707
  at 0.12, everything in one cluster from 0.16 on: e5 packs all questions within 0.16 of each other.
- fine-tuned served model (var/models/e5-small-zh-daofu): best ARI 0.883 on 0.66-0.72 (10 clusters,
  开饭店许可 and 外卖备案 merged); 0.858 at 0.61-0.65, 0.707 at 0.73; 0.028 at the base model's 0.11.
  Fine-tuning spreads questions apart, so the base model's cut would leave every question alone.
Re-run the benchmark after fine-tuning again and update BASE_THRESHOLD / FINETUNED_THRESHOLD.
"""
from __future__ import annotations

import dataclasses
import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from daofu_protocol import LEAVE_MESSAGE_PREFIX, CustomKey
from desk.analytics import not_found_marker
from desk.masking import mask_personal_data
from desk.models import Conversation, Handoff, Message
from desk.service import aware
from indexer.embedding import Encoder, encode_queries
from indexer.normalize import normalize_text

Source = Literal["unanswered", "escalated", "bad_rating"]
SOURCES: tuple[Source, ...] = ("unanswered", "escalated", "bad_rating")

# Cosine-distance cuts by model variant, measured (see the module docstring).
BASE_THRESHOLD = 0.11
FINETUNED_THRESHOLD = 0.68  # the middle of the best plateau 0.66-0.72
DEFAULT_THRESHOLD = BASE_THRESHOLD
MAX_QUESTIONS = 2000  # the most recent ones; average linkage needs an n x n distance matrix
QUESTIONS_PER_CHAT = 2  # an escalated or badly rated chat: its last questions say what went wrong
MAX_EXAMPLES = 5
MIN_COMMENT_CHARS = 5  # shorter rating comments are verdicts ("太差了", "没用"), not what was missing
_IN_CHUNK = 500  # conversation ids per IN (...) query, well below every database's parameter limit

# Messages that carry no question: greetings, thanks, yes/no and asking for a person.
_TRIVIAL = frozenset({
    "你好", "您好", "你好啊", "在吗", "在不在", "有人吗", "谢谢", "谢谢你", "多谢", "好的", "好", "嗯", "嗯嗯",
    "哦", "是", "是的", "否", "不是", "对", "对的", "没有", "不用了", "可以", "行", "再见", "拜拜",
    "hi", "hello", "ok", "okay",
})
_HANDOFF_REQUEST = re.compile(r"^(我要|我想|请|帮我|给我)?(转|找|接|转接)?人工(客服|服务|坐席)?(吧|啊|呀|谢谢)?$")
_NOT_TEXT = re.compile(r"[\W_]+", re.UNICODE)  # punctuation, spaces and emoji do not change a question


@dataclass(frozen=True)
class GapQuestion:
    """One question of one conversation; ``other_sources`` lists further signals for the same text."""

    text: str
    source: Source
    conversation_id: str
    created_at: datetime.datetime
    other_sources: tuple[Source, ...] = ()

    @property
    def sources(self) -> tuple[Source, ...]:
        return (self.source, *self.other_sources)


@dataclass(frozen=True)
class GapCluster:
    label: str  # the most central question
    count: int  # questions in the cluster (one per conversation and text)
    examples: tuple[str, ...]  # distinct texts, most central first
    sources: dict[str, int] = field(hash=False)  # questions per signal; one question may count twice
    conversation_ids: tuple[str, ...]  # most recent first

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "count": self.count, "examples": list(self.examples),
                "sources": dict(self.sources), "conversation_ids": list(self.conversation_ids)}


# ---------------------------------------------------------------------------------- collection

def collect_gap_questions(session: Session, since: datetime.datetime,
                          limit: int = MAX_QUESTIONS) -> list[GapQuestion]:
    """Gap questions from ``since`` on, most recent first, at most ``limit``.

    The same text in the same conversation is one question whatever signals point at it.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    since = _utc(since)
    markers = _not_found_messages(session, since, limit)
    handoffs = list(session.scalars(select(Handoff).where(Handoff.created_at >= since)
                                    .order_by(Handoff.created_at.desc()).limit(limit)))
    rated = list(session.scalars(select(Conversation).where(Conversation.rating <= 2,
                                                            Conversation.updated_at >= since)
                                 .order_by(Conversation.updated_at.desc()).limit(limit)))
    chats = _user_messages(session, {m.conversation_id for m in markers}
                           | {h.conversation_id for h in handoffs} | {c.id for c in rated})
    # Editors see what was asked, not whose it was: personal numbers are masked here, before grouping,
    # so neither a cluster's label nor its examples carry them (issue 13 item 9).
    found = [dataclasses.replace(question, text=mask_personal_data(question.text))
             for question in (*_unanswered(markers, chats), *_escalated(handoffs, chats), *_badly_rated(rated, chats))]
    merged = _merge(found)
    merged.sort(key=lambda q: (q.created_at, q.conversation_id, q.text), reverse=True)
    return merged[:limit]


def is_trivial(text: str) -> bool:
    """True for messages that are no question: greetings, thanks, 转人工, button payloads."""
    stripped = text.strip()
    if stripped.startswith("/"):
        return True
    key = question_key(stripped)
    return len(key) < 2 or key in _TRIVIAL or _HANDOFF_REQUEST.match(key) is not None


def question_key(text: str) -> str:
    """What makes two texts the same question: normalised, lower case, without punctuation."""
    return _NOT_TEXT.sub("", normalize_text(text).lower())


def _not_found_messages(session: Session, since: datetime.datetime, limit: int) -> list[Message]:
    # The text match narrows the scan in SQL (JSON paths differ between SQLite and PostgreSQL);
    # the marker itself is checked in Python.
    rows = session.scalars(select(Message).where(Message.sender == "bot", Message.created_at >= since,
                                                 cast(Message.payload, String).contains(CustomKey.NOT_FOUND.value))
                           .order_by(Message.created_at.desc()).limit(limit))
    return [m for m in rows if not_found_marker(m.payload) is not None]


def _not_found_question(message: Message) -> str:
    marker = not_found_marker(message.payload)
    return marker["question"].strip() if marker is not None else ""


def _user_messages(session: Session, conversation_ids: set[str]) -> dict[str, list[Message]]:
    """User messages per conversation, in the order they were sent."""
    chats: dict[str, list[Message]] = defaultdict(list)
    ids = sorted(conversation_ids)
    for start in range(0, len(ids), _IN_CHUNK):
        rows = session.scalars(select(Message).where(Message.conversation_id.in_(ids[start:start + _IN_CHUNK]),
                                                     Message.sender == "user").order_by(Message.id))
        for message in rows:
            chats[message.conversation_id].append(message)
    return chats


def _typed_questions(messages: Iterable[Message]) -> list[Message]:
    """User messages that are questions as typed (a button press stores the button's title)."""
    return [m for m in messages if not (m.payload or {}).get("button_payload") and not is_trivial(_typed(m))]


def _typed(message: Message) -> str:
    return message.text.strip().removeprefix(LEAVE_MESSAGE_PREFIX).strip()


def _unanswered(markers: list[Message], chats: dict[str, list[Message]]) -> Iterable[GapQuestion]:
    for message in markers:
        before = [m for m in chats.get(message.conversation_id, []) if m.id < message.id]
        typed = _typed_questions(before[-1:])  # only the message the bot was answering
        text = _typed(typed[0]) if typed else _not_found_question(message)
        if text and not is_trivial(text):
            yield GapQuestion(text, "unanswered", message.conversation_id, _utc(message.created_at))


def _escalated(handoffs: list[Handoff], chats: dict[str, list[Message]]) -> Iterable[GapQuestion]:
    for handoff in handoffs:
        handed_at = _utc(handoff.created_at)
        before = [m for m in chats.get(handoff.conversation_id, []) if _utc(m.created_at) <= handed_at]
        for message in _typed_questions(before)[-QUESTIONS_PER_CHAT:]:
            yield GapQuestion(_typed(message), "escalated", handoff.conversation_id, _utc(message.created_at))


def _badly_rated(conversations: list[Conversation], chats: dict[str, list[Message]]) -> Iterable[GapQuestion]:
    for conversation in conversations:
        for message in _typed_questions(chats.get(conversation.id, []))[-QUESTIONS_PER_CHAT:]:
            yield GapQuestion(_typed(message), "bad_rating", conversation.id, _utc(message.created_at))
        comment = (conversation.rating_comment or "").strip()
        if len(question_key(comment)) >= MIN_COMMENT_CHARS:
            yield GapQuestion(comment, "bad_rating", conversation.id, _utc(conversation.updated_at))


def _merge(found: Iterable[GapQuestion]) -> list[GapQuestion]:
    """One question per conversation and text: the first signal found leads, the wording asked first
    is shown, the latest time counts (for the window and the most-recent cap)."""
    merged: dict[tuple[str, str], GapQuestion] = {}
    first_asked: dict[tuple[str, str], datetime.datetime] = {}
    for question in found:
        key = (question.conversation_id, question_key(question.text))
        seen = merged.get(key)
        if seen is None:
            merged[key], first_asked[key] = question, question.created_at
            continue
        text = seen.text
        if question.created_at < first_asked[key]:
            text, first_asked[key] = question.text, question.created_at
        sources = [s for s in SOURCES if s in seen.sources or s == question.source]
        merged[key] = GapQuestion(text, seen.source, seen.conversation_id, max(seen.created_at, question.created_at),
                                  tuple(s for s in sources if s != seen.source))
    return list(merged.values())


def _utc(value: datetime.datetime) -> datetime.datetime:
    # SQLite gives naive datetimes back (stored as UTC); compare and sort in aware UTC only.
    stamped = aware(value)
    assert stamped is not None
    return stamped.astimezone(datetime.UTC)


# ---------------------------------------------------------------------------------- clustering

def embed_questions(encoder: Encoder, questions: Sequence[GapQuestion]) -> np.ndarray:
    """Normalised query vectors (e5 "query: " prefix) of the questions' normalised texts."""
    return encode_queries(encoder, [normalize_text(q.text) for q in questions])


def threshold_for(model_id: Mapping[str, Any]) -> float:
    """The measured cut for an encoder's ``model_id`` (indexer.model_setup.model_info)."""
    # indexer.finetune marks its output by appending "+finetuned" to the base variant.
    return FINETUNED_THRESHOLD if str(model_id.get("variant", "")).endswith("+finetuned") else BASE_THRESHOLD


def cluster_labels(vectors: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """Flat cluster number (from 1) per row: average linkage on cosine distance, cut at ``threshold``."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    _check_threshold(threshold)
    count = len(vectors)
    if count < 2:
        return np.ones(count, dtype=np.int64)
    distance = 1.0 - _similarities(vectors)
    distance = np.clip((distance + distance.T) / 2.0, 0.0, 2.0)  # rounding leaves it slightly asymmetric
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    return np.asarray(fcluster(tree, t=threshold, criterion="distance"), dtype=np.int64)


def cluster_questions(questions: Sequence[GapQuestion], vectors: np.ndarray,
                      threshold: float = DEFAULT_THRESHOLD) -> list[GapCluster]:
    """Clusters of questions with the same meaning, largest first (ties: most recent first)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) != len(questions):
        raise ValueError(f"need one vector per question, got {len(questions)} questions and vectors "
                         f"of shape {vectors.shape}")
    _check_threshold(threshold)
    if not questions:
        return []
    similarity = _similarities(vectors)
    members: dict[int, list[int]] = defaultdict(list)
    for row, number in enumerate(cluster_labels(vectors, threshold)):
        members[int(number)].append(row)
    clusters = [(_cluster(questions, rows, similarity), max(questions[r].created_at for r in rows))
                for rows in members.values()]
    clusters.sort(key=lambda pair: (-pair[0].count, -pair[1].timestamp(), pair[0].label))
    return [cluster for cluster, _ in clusters]


def _cluster(questions: Sequence[GapQuestion], rows: list[int], similarity: np.ndarray) -> GapCluster:
    centrality = _centrality(rows, similarity)
    by_centrality = sorted(rows, key=lambda r: (-centrality[r], -questions[r].created_at.timestamp(), r))
    examples: list[str] = []
    seen: set[str] = set()
    for row in by_centrality:
        key = question_key(questions[row].text)
        if key not in seen and len(examples) < MAX_EXAMPLES:
            seen.add(key)
            examples.append(questions[row].text)
    sources: dict[str, int] = dict.fromkeys(SOURCES, 0)
    for row in rows:
        for source in questions[row].sources:
            sources[source] += 1
    by_time = sorted(rows, key=lambda r: (-questions[r].created_at.timestamp(), r))
    conversation_ids = tuple(dict.fromkeys(questions[r].conversation_id for r in by_time))
    return GapCluster(label=examples[0], count=len(rows), examples=tuple(examples), sources=sources,
                      conversation_ids=conversation_ids)


def _centrality(rows: list[int], similarity: np.ndarray) -> dict[int, float]:
    """Mean similarity of each member to the other members (1.0 for a lone question)."""
    if len(rows) == 1:
        return {rows[0]: 1.0}
    block = similarity[np.ix_(rows, rows)]
    means = (block.sum(axis=1) - np.diag(block)) / (len(rows) - 1)
    return {row: float(mean) for row, mean in zip(rows, means, strict=True)}


def _similarities(vectors: np.ndarray) -> np.ndarray:
    # Encoders return unit vectors already; normalising again keeps hand-made vectors honest.
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms > 0, norms, 1.0)
    return np.asarray(unit @ unit.T, dtype=np.float64)


def _check_threshold(threshold: float) -> None:
    if not 0.0 < threshold < 2.0:
        raise ValueError(f"threshold is a cosine distance between 0 and 2 (exclusive), got {threshold}")
