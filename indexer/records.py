"""Typed records of the knowledge base and of search results."""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["item", "policy", "faq", "bundle"]
KINDS: tuple[Kind, ...] = ("item", "policy", "faq", "bundle")


@dataclass(frozen=True)
class ServiceItem:
    """One government service item (办事事项) of the catalog."""

    id: str  # TASK_CODE: stable across catalog updates
    name: str
    department: str
    item_type: str = ""
    materials: tuple[str, ...] = ()
    statutory_time_limit: str = ""
    promised_time_limit: str = ""
    location: str = ""
    consult_phone: str = ""
    complaint_phone: str = ""
    conditions: str = ""  # accept_standard: conditions and legal basis
    service_objects: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    level: str = ""
    url: str = ""
    online_booking: bool = False
    courier: bool = False
    region: str = ""
    catalog_name: str = ""  # the parent catalog entry when the item is one of its sub-items
    source: str = ""  # file the record came from

    kind: Kind = field(default="item", init=False)

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)


@dataclass(frozen=True)
class PolicyDoc:
    """One policy document (政策文件)."""

    id: str  # docid of the JSONL corpus, or the file name without extension
    title: str
    body: str
    issuer: str = ""
    doc_number: str = ""  # 发文字号, e.g. 国办发〔2020〕6号
    date: str = ""  # ISO date (YYYY-MM-DD) when one was found
    source: str = ""
    effective_date: str = ""  # ISO dates set by editors; empty: no limit
    expiry_date: str = ""  # last day the document applies; after it the bot no longer answers from it

    kind: Kind = field(default="policy", init=False)

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)

    def expired(self, today: str) -> bool:
        """Whether the document no longer applies on ``today`` (ISO date)."""
        return bool(self.expiry_date) and self.expiry_date < today


@dataclass(frozen=True)
class FaqEntry:
    """A question editors answered themselves (常见问题), often from a staff member's reply."""

    id: str
    question: str
    answer: str
    variants: tuple[str, ...] = ()  # other ways people ask the same thing
    item_id: str = ""  # an item the answer refers to (its card is shown with the answer)
    author: str = ""
    source: str = ""

    kind: Kind = field(default="faq", init=False)

    @property
    def title(self) -> str:
        return self.question

    def questions(self) -> tuple[str, ...]:
        return (self.question, *self.variants)

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)


@dataclass(frozen=True)
class BundleStep:
    """One step of a bundle: a catalog item, with the editors' note on when or why it is needed."""

    item_id: str
    note: str = ""
    # The item's name and department as the catalog has them; filled when the bundle is saved and
    # again at every build, so a renamed item never shows its old name.
    title: str = ""
    department: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"item_id": self.item_id, "note": self.note, "title": self.title, "department": self.department}


@dataclass(frozen=True)
class Bundle:
    """An integrated service enterprises ask for as one thing (一件事: 开餐馆, 企业注销 ...): the
    catalog items it takes, in order. Editors maintain it; every step must be a known item."""

    id: str
    name: str
    steps: tuple[BundleStep, ...]
    variants: tuple[str, ...] = ()  # everyday ways of asking for it ("开饭店要办什么证")
    intro: str = ""
    # Steps that belong to the matter but that the catalog lacks, with who handles them: said
    # honestly in the answer instead of being invented as items.
    outside_catalog: tuple[str, ...] = ()
    author: str = ""
    source: str = ""

    kind: Kind = field(default="bundle", init=False)

    @property
    def title(self) -> str:
        return self.name

    def questions(self) -> tuple[str, ...]:
        return (self.name, *self.variants)

    def item_ids(self) -> tuple[str, ...]:
        return tuple(step.item_id for step in self.steps)

    def to_dict(self) -> dict[str, Any]:
        data = _to_dict(self)
        data["steps"] = [step.to_dict() for step in self.steps]
        return data


Record = ServiceItem | PolicyDoc | FaqEntry | Bundle


@dataclass(frozen=True)
class Chunk:
    """A searchable unit: a whole item, or a passage of a policy document."""

    id: str  # "<record id>#<position>"
    record_id: str
    kind: Kind
    title: str
    text: str  # what BM25 and the embedding model see (normalised)
    position: int = 0  # order of the passage inside its document
    start: int = 0  # character offset of the passage in the normalised body

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class SearchHit:
    """One result: an item, or a policy document with its best passage."""

    id: str
    kind: Kind
    title: str
    score: float
    snippet: str
    sources: tuple[str, ...]  # which retrievers found it: dense, bm25, fuzzy
    record: Record

    def to_dict(self, with_record: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "score": round(self.score, 4),
            "snippet": self.snippet,
            "sources": list(self.sources),
        }
        if with_record:
            data["fields"] = self.record.to_dict()
        return data


ConfidenceLevel = Literal["high", "medium", "low", "none"]


@dataclass(frozen=True)
class SearchResult:
    query: str
    normalized_query: str
    hits: tuple[SearchHit, ...]
    confidence: float  # estimated probability that hits[0] is what the user means
    level: ConfidenceLevel
    # The normalised question with its typing slips corrected (社宝 -> 社保): what was scored.
    searched_query: str = ""

    def to_dict(self, with_record: bool = True) -> dict[str, Any]:
        return {
            "query": self.query,
            "normalized_query": self.normalized_query,
            "searched_query": self.searched_query,
            "hits": [hit.to_dict(with_record) for hit in self.hits],
            "confidence": round(self.confidence, 4),
            "level": self.level,
        }


def _to_dict(record: Record) -> dict[str, Any]:
    # Records are flat (text, bools, tuples of text): a shallow copy is enough, and much faster
    # than dataclasses.asdict's deep copy over thousands of records per build.
    data: dict[str, Any] = {}
    for spec in dataclasses.fields(record):
        value = getattr(record, spec.name)
        data[spec.name] = list(value) if isinstance(value, tuple) else value
    return data


def record_from_dict(data: dict[str, Any]) -> Record:
    """Inverse of ``to_dict``, used to read records back from a built index."""
    values = dict(data)
    kind = values.pop("kind")
    if kind == "item":
        for key in ("materials", "service_objects", "themes"):
            values[key] = tuple(values.get(key, ()))
        return ServiceItem(**values)
    if kind == "policy":
        return PolicyDoc(**values)
    if kind == "faq":
        values["variants"] = tuple(values.get("variants", ()))
        return FaqEntry(**values)
    if kind == "bundle":
        return bundle_from_dict(values)
    raise ValueError(f"unknown record kind {kind!r}; expected one of {KINDS}")


def bundle_from_dict(values: dict[str, Any]) -> Bundle:
    """A bundle from its ``to_dict`` form (without ``kind``); steps may omit title and department."""
    steps = tuple(BundleStep(item_id=str(step["item_id"]), note=str(step.get("note", "")),
                             title=str(step.get("title", "")), department=str(step.get("department", "")))
                  for step in values.get("steps", ()))
    return Bundle(id=values["id"], name=values["name"], steps=steps, variants=tuple(values.get("variants", ())),
                  intro=values.get("intro", ""), outside_catalog=tuple(values.get("outside_catalog", ())),
                  author=values.get("author", ""), source=values.get("source", ""))


def resolve_bundle(bundle: Bundle, items: Mapping[str, ServiceItem]) -> tuple[Bundle, tuple[str, ...]]:
    """The bundle with each step's title and department taken from ``items``, and the ids of steps
    whose item is unknown (left out of the returned bundle)."""
    steps = []
    unknown = []
    for step in bundle.steps:
        item = items.get(step.item_id)
        if item is None:
            unknown.append(step.item_id)
            continue
        steps.append(dataclasses.replace(step, title=item.name, department=item.department))
    return dataclasses.replace(bundle, steps=tuple(steps)), tuple(unknown)
