"""Hybrid search over a built index: dense (e5 + faiss), BM25 (characters and jieba words), and
variant cues, fused on standardised scores; results carry a calibrated confidence.

Items are scored as wholes: the sum of three dense views (name; name + department; name,
department, materials and conditions) plus BM25 over the characters of the name. Policies are
scored by passage (dense + BM25 on jieba words + BM25 on character bigrams) and a document takes
its best passage. The weights come from the ablation in the README (``python -m indexer eval``).
"""
from __future__ import annotations

import contextlib
import functools
import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from daofu_core.clock import today_in_china
from indexer import features, layout, variants
from indexer.calibration import Calibration, QueryEvidence, calibration_for_model, coverage
from indexer.embedding import Encoder, OnnxEncoder, encode_queries
from indexer.errors import IndexMismatchError, IndexNotFoundError, InvalidQueryError, ModelNotFoundError
from indexer.kind_classifier import KindClassifier, load_kind_classifier
from indexer.layout import ITEM_VIEWS, VersionFiles, item_view_index
from indexer.lexical import Bm25Index
from indexer.matters import MatterMapError, get_matter_guide
from indexer.mentions import NameMentions
from indexer.model_setup import model_info
from indexer.ngram_classifier import NgramClassifier
from indexer.normalize import NORMALIZER_VERSION, normalize_text
from indexer.records import (
    Bundle,
    Chunk,
    FaqEntry,
    Kind,
    PolicyDoc,
    SearchHit,
    SearchResult,
    ServiceItem,
    record_from_dict,
)
from indexer.scope_classifier import is_outside_the_catalog, load_scope_classifier
from indexer.settings import IndexerSettings
from indexer.store import IndexStore, IndexVersion, check_compatible
from indexer.tokenize import search_tokens
from indexer.typos import QueryCorrector


@dataclass(frozen=True)
class FusionWeights:
    """Weights of the standardised retriever scores (chosen on the benchmarks; README ablation)."""

    item_dense: float = 1.0
    item_name_chars: float = 0.2
    item_text_words: float = 0.0
    item_fuzzy: float = 0.1
    item_variant: float = 0.25
    item_named: float = 1.5
    policy_dense: float = 1.0
    policy_words: float = 1.0
    policy_chars: float = 0.7


@dataclass(frozen=True)
class KindScores:
    """Per-record fused scores of one kind, with each retriever's part (for ablations and features)."""

    fused: np.ndarray
    parts: dict[str, np.ndarray]
    cosine: np.ndarray  # cosine similarity per record (items: mean over views; policies: best passage)
    best_chunk: np.ndarray | None = None  # policies: index of each document's best passage


@dataclass
class SearchIndex:
    """One loaded index version (immutable once loaded)."""

    path: Path
    manifest: dict[str, Any]
    items: list[ServiceItem]
    policies_in_order: list[PolicyDoc]
    policy_chunks: list[Chunk]
    chunk_document: np.ndarray  # document row of each policy passage
    document_starts: np.ndarray  # first passage row of each document
    dense: dict[str, Any]  # faiss indexes: items_<view>, policies
    lexical: dict[str, Bm25Index]
    user_dictionary: Path
    faqs: list[FaqEntry] = field(default_factory=list)
    faq_dense: Any = None  # faiss index of FAQ questions and variants (query vectors)
    faq_owners: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # FAQ row per vector
    bundles: list[Bundle] = field(default_factory=list)
    bundle_dense: Any = None  # faiss index of bundle names and variants (query vectors)
    bundle_owners: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # bundle row per vector
    policy_expiry: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="<U10"))
    item_variants: list[frozenset[str]] = field(default_factory=list)
    item_names: list[str] = field(default_factory=list)  # normalised, for fuzzy matching
    corrector: QueryCorrector | None = None  # typing slips -> item-name pieces (indexer.typos)
    mentions: NameMentions | None = None  # item names a question spells out (indexer.mentions)
    _item_rows: dict[str, int] = field(default_factory=dict)
    _policy_rows: dict[str, int] = field(default_factory=dict)
    _faq_rows: dict[str, int] = field(default_factory=dict)
    _bundle_rows: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, model: dict[str, Any], vocabulary: Sequence[str] = ()) -> SearchIndex:
        """``vocabulary``: words beyond the item names that typing slips are corrected towards."""
        import faiss

        files = VersionFiles(path)
        manifest = json.loads(files.manifest.read_text(encoding="utf-8"))
        check_compatible(manifest, model, NORMALIZER_VERSION)
        items: list[ServiceItem] = []
        policies: list[PolicyDoc] = []
        faqs: list[FaqEntry] = []
        bundles: list[Bundle] = []
        with files.records.open(encoding="utf-8") as lines:
            for line in lines:
                record = record_from_dict(json.loads(line))
                if isinstance(record, ServiceItem):
                    items.append(record)
                elif isinstance(record, PolicyDoc):
                    policies.append(record)
                elif isinstance(record, Bundle):
                    bundles.append(record)
                else:
                    faqs.append(record)
        chunks = []
        with files.chunks.open(encoding="utf-8") as lines:
            for line in lines:
                chunks.append(Chunk(**json.loads(line)))
        row_of = {policy.id: row for row, policy in enumerate(policies)}
        chunk_document = np.array([row_of[chunk.record_id] for chunk in chunks], dtype=np.int64)
        if len(chunk_document) and np.any(np.diff(chunk_document) < 0):
            raise IndexMismatchError(f"{path}: policy passages are not grouped by document; rebuild the index")
        document_starts = np.searchsorted(chunk_document, np.arange(len(policies)))
        dense = {name: faiss.read_index(str(files.dense(name))) for name in layout.DENSE_INDEXES}
        lexical = {name: Bm25Index.load(path, name) for name in layout.LEXICAL_INDEXES}
        index = cls(path, manifest, items, policies, chunks, chunk_document, document_starts, dense, lexical,
                    files.user_dictionary, item_variants=[variants.item_variants(item.name) for item in items],
                    item_names=[normalize_text(item.name) for item in items])
        pinyin = json.loads(files.name_pinyin.read_text(encoding="utf-8"))
        if len(pinyin["syllables"]) != len(items):
            raise IndexMismatchError(f"{path}: {layout.NAME_PINYIN_FILE} has {len(pinyin['syllables'])} names for {len(items)} items; rebuild the index")
        index.corrector = QueryCorrector(index.item_names, pinyin["syllables"], pinyin["readings"], terms=vocabulary)
        index.mentions = NameMentions(index.item_names)
        index.faqs = faqs
        if files.questions("faq").exists():
            index.faq_dense = faiss.read_index(str(files.questions("faq")))
            index.faq_owners = np.load(files.question_owners("faq"))
        index.bundles = bundles
        if files.questions("bundle").exists():  # versions built before bundles have none
            index.bundle_dense = faiss.read_index(str(files.questions("bundle")))
            index.bundle_owners = np.load(files.question_owners("bundle"))
        index.policy_expiry = np.array([policy.expiry_date or "9999-12-31" for policy in policies], dtype="<U10")
        index._validate()
        index._faq_rows = {faq.id: row for row, faq in enumerate(faqs)}
        index._bundle_rows = {bundle.id: row for row, bundle in enumerate(bundles)}
        index._item_rows = {item.id: row for row, item in enumerate(items)}
        index._policy_rows = {policy.id: row for row, policy in enumerate(policies)}
        return index

    def _validate(self) -> None:
        expected = {**{item_view_index(view): len(self.items) for view in ITEM_VIEWS},
                    layout.POLICY_PASSAGES: len(self.policy_chunks)}
        for name, count in expected.items():
            if self.dense[name].ntotal != count:
                raise IndexMismatchError(f"{self.path}: {name} holds {self.dense[name].ntotal} vectors for {count} records; rebuild the index")
        lexical_sizes = {layout.ITEM_NAME_CHARS: len(self.items), layout.ITEM_TEXT_WORDS: len(self.items),
                         layout.POLICY_WORDS: len(self.policy_chunks), layout.POLICY_CHARS: len(self.policy_chunks)}
        for name, count in lexical_sizes.items():
            if self.lexical[name].size != count and count:
                raise IndexMismatchError(f"{self.path}: {name} covers {self.lexical[name].size} rows for {count}; rebuild the index")
        if len(self.policies_in_order) and len(self.policy_chunks) == 0:
            raise IndexMismatchError(f"{self.path}: policies without passages; rebuild the index")

    def closest_by_question(self, kind: Kind, vector: np.ndarray, limit: int) -> list[tuple[int, float]]:
        """(row, cosine) of the FAQ entries or bundles (``kind``) whose closest question or variant
        is nearest the query, best first, at most ``limit``; [] when the index has none."""
        dense, owners = (self.faq_dense, self.faq_owners) if kind == "faq" else (self.bundle_dense, self.bundle_owners)
        if dense is None or dense.ntotal == 0:
            return []
        values, rows = dense.search(vector.reshape(1, -1), 1 if limit == 1 else dense.ntotal)
        best: dict[int, float] = {}
        for value, row in zip(values[0], rows[0], strict=True):
            best.setdefault(int(owners[row]), float(value))
        return list(best.items())[:limit]

    def correct(self, normalized: str) -> str:
        """The question with typing slips replaced by the item-name pieces they stand for
        (社宝 -> 社保); unchanged when nothing reads or looks like a piece it is not."""
        return self.corrector.correct(normalized).text if self.corrector is not None else normalized

    def item_row(self, item_id: str) -> int:
        return self._item_rows[item_id]

    def policy_row(self, policy_id: str) -> int:
        return self._policy_rows[policy_id]

    def raw_search_check(self, text: str) -> None:
        """A lexical probe used by the build before publishing (no model needed)."""
        text = normalize_text(text)
        if self.items:
            self.lexical[layout.ITEM_NAME_CHARS].scores(features.character_ngrams(text))
        if self.policy_chunks:
            self.lexical[layout.POLICY_CHARS].scores(features.character_ngrams(text, sizes=(2,)))

    def dense_scores(self, name: str, vector: np.ndarray) -> np.ndarray:
        index = self.dense[name]
        scores = np.zeros(index.ntotal, dtype=np.float32)
        if index.ntotal:
            values, rows = index.search(vector.reshape(1, -1), index.ntotal)
            scores[rows[0]] = values[0]
        return scores

    def score_items(self, query: str, vector: np.ndarray, weights: FusionWeights) -> KindScores:
        dense = np.asarray(sum(self.dense_scores(item_view_index(view), vector) for view in ITEM_VIEWS), dtype=np.float32)
        name_chars = self.lexical[layout.ITEM_NAME_CHARS].scores(features.character_ngrams(query))
        parts = {
            "dense": dense,
            "name_chars": name_chars,
            "text_words": self.lexical[layout.ITEM_TEXT_WORDS].scores(search_tokens(query, self.user_dictionary)),
            "fuzzy": _fuzzy_scores(query, self.item_names, _top_rows(dense, name_chars)),
            "variant": variants.variant_agreement(query, self.item_variants),
            "named": (self.mentions.scores(query) if self.mentions is not None
                      else np.zeros(len(self.items), dtype=np.float32)),
        }
        return KindScores(fuse_item_parts(parts, weights), parts, dense / len(ITEM_VIEWS))

    def score_policies(self, query: str, vector: np.ndarray, weights: FusionWeights) -> KindScores:
        parts = {
            "dense": self.dense_scores(layout.POLICY_PASSAGES, vector),
            "words": self.lexical[layout.POLICY_WORDS].scores(search_tokens(query, self.user_dictionary)),
            "chars": self.lexical[layout.POLICY_CHARS].scores(features.character_ngrams(query, sizes=(2,))),
        }
        passage = fuse_passage_parts(parts, weights)
        if not len(passage):
            empty = np.zeros(0, dtype=np.float32)
            return KindScores(empty, parts, empty, np.zeros(0, dtype=np.int64))
        fused = np.maximum.reduceat(passage, self.document_starts)
        # Best passage of each document: the first passage reaching the document's maximum.
        is_best = passage == fused[self.chunk_document]
        best_chunk = np.full(len(self.policies_in_order), -1, dtype=np.int64)
        rows = np.flatnonzero(is_best)[::-1]
        best_chunk[self.chunk_document[rows]] = rows
        return KindScores(fused.astype(np.float32), parts, parts["dense"][best_chunk], best_chunk)


LEXICAL_Z_CLIP = 3.0


def fuse_item_parts(parts: dict[str, np.ndarray], weights: FusionWeights) -> np.ndarray:
    """Item score: standardised dense score plus weighted lexical evidence and variant agreement.

    Lexical z-scores are clipped at LEXICAL_Z_CLIP: over short names most scores are 0, so one
    character overlap can reach z = 10 and outvote the model (measured on gov_paraphrase_60).
    """
    def lexical(name: str) -> np.ndarray:
        return np.clip(features.standardize(parts[name]), -LEXICAL_Z_CLIP, LEXICAL_Z_CLIP)

    fused = (weights.item_dense * features.standardize(parts["dense"])
             + weights.item_name_chars * lexical("name_chars")
             + weights.item_text_words * lexical("text_words")
             + weights.item_fuzzy * lexical("fuzzy")
             + weights.item_variant * parts["variant"]
             + weights.item_named * parts.get("named", 0.0))
    return np.asarray(fused, dtype=np.float32)


def fuse_passage_parts(parts: dict[str, np.ndarray], weights: FusionWeights) -> np.ndarray:
    """Passage score: dense plus BM25 over words and character pairs (long texts: no clipping)."""
    fused = (weights.policy_dense * features.standardize(parts["dense"])
             + weights.policy_words * features.standardize(parts["words"])
             + weights.policy_chars * features.standardize(parts["chars"]))
    return np.asarray(fused, dtype=np.float32)


class SearchService:
    """Answers searches from the current index version; picks up new versions without restart."""

    def __init__(self, settings: IndexerSettings, encoder: Encoder | None = None,
                 weights: FusionWeights = FusionWeights(), calibration: Calibration | None = None,
                 kind_classifier: KindClassifier | None = None, pinned_version: str | None = None,
                 encoders: Sequence[Encoder] = (), scope_classifier: NgramClassifier | None = None) -> None:
        """``pinned_version``: serve that index version only (the editor's try-it on a new build).

        Queries are embedded by the model the served index was built with (its manifest says
        which): ``encoder`` and ``encoders`` are models already loaded; any other is loaded from
        DAOFU_MODEL_DIR or DAOFU_BASE_MODEL_DIR, whichever holds it. So a switch from the base
        model's index to the fine-tuned one (first start) needs no restart."""
        self.settings = settings
        self.pinned_version = pinned_version
        self.weights = weights
        # None: the calibration fitted for the served index's model (calibration_for_model).
        self._calibration_override = calibration
        self.kind_classifier = kind_classifier or load_kind_classifier()
        self.scope_classifier = scope_classifier or load_scope_classifier()
        self._store = IndexStore(settings.index_dir)
        self._encoder = encoder
        self._encoders: dict[str, Encoder] = {
            str(e.model_id.get("fingerprint")): e for e in (*encoders, *([encoder] if encoder else []))}
        self._index: SearchIndex | None = None
        self._index_name: str | None = None
        self._lock = threading.RLock()  # re-entered: loading an index first loads the encoder
        self._reloading: threading.Thread | None = None
        # Per service, so a dropped service (the editor's try-it builds one per candidate index)
        # is freed with its encoder and index; a class-level cache kept every one alive.
        self._encoded_query = functools.lru_cache(maxsize=2048)(self._encode_query)

    @property
    def encoder(self) -> Encoder:
        """The model of the served index (loads the index if needed); without any index, DAOFU_MODEL_DIR's."""
        if self._encoder is None:
            with self._lock:
                if self._encoder is None:
                    try:
                        self.index()
                    except IndexNotFoundError:
                        self._encoder = self._load_encoder(self.settings.model_dir)
        assert self._encoder is not None
        return self._encoder

    def _load_encoder(self, model_dir: Path) -> Encoder:
        encoder = OnnxEncoder(model_dir, threads=self.settings.query_threads)
        _limit_vector_search_threads(self.settings.query_threads)
        self._encoders[str(encoder.model_id.get("fingerprint"))] = encoder
        return encoder

    def _encoder_for(self, model: dict[str, Any]) -> Encoder:
        """The encoder of the model an index was built with (one of the prepared model folders)."""
        key = str(model.get("fingerprint"))
        if key in self._encoders:
            return self._encoders[key]
        for folder in (self.settings.model_dir, self.settings.base_model_dir):
            try:
                if str(model_info(folder).get("fingerprint")) == key:
                    return self._load_encoder(folder)
            except ModelNotFoundError:
                continue
        raise IndexMismatchError(
            f"the index was built with embedding model {model.get('variant')!r} (fingerprint {key}), which is in "
            f"neither DAOFU_MODEL_DIR ({self.settings.model_dir}) nor DAOFU_BASE_MODEL_DIR "
            f"({self.settings.base_model_dir}); rebuild the index with `python -m indexer build` or point "
            "DAOFU_MODEL_DIR at that model")

    def warm_up(self) -> None:
        """Load model and index now instead of on the first question."""
        self.index()
        self._query_vector("预热")

    def index(self) -> SearchIndex:
        """The current index; a newer published version is loaded in the background and swapped in."""
        if self.pinned_version is not None:
            with self._lock:
                if self._index is None:
                    self._swap(IndexVersion(self.pinned_version, self._store.versions_dir / self.pinned_version))
            assert self._index is not None
            return self._index
        name = self._store.current_name()
        if self._index is not None and (name == self._index_name or name is None):
            return self._index
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._swap(self._store.current())
            assert self._index is not None
            return self._index
        with self._lock:
            if self._reloading is None or not self._reloading.is_alive():
                self._reloading = threading.Thread(target=self._reload_quietly, name="index-reload", daemon=True)
                self._reloading.start()
        return self._index

    def watch(self, interval: float = 1.0) -> None:
        """Check for a newly published version every ``interval`` seconds and load it in the
        background, so the first question after a publish already gets the new index."""
        def loop() -> None:
            import time

            while True:
                time.sleep(interval)
                if self._index is not None:
                    # the served index stays on failure; the reload itself logs it
                    with contextlib.suppress(Exception):
                        self.index()
        threading.Thread(target=loop, name="index-watch", daemon=True).start()

    def reload(self) -> SearchIndex:
        """Load the current version now (blocking); used by tests and the editor's publish step."""
        with self._lock:
            self._swap(self._store.current())
        assert self._index is not None
        return self._index

    def _reload_quietly(self) -> None:
        try:
            version = self._store.current()
            if version.name != self._index_name:
                self._swap(version)
        except Exception:  # a bad new version must never stop the service: keep the old one
            import logging

            logging.getLogger(__name__).exception("could not load the new index version; still serving %s", self._index_name)

    def _swap(self, version: IndexVersion) -> None:
        encoder = self._encoder_for(version.manifest().get("model", {}))
        index = SearchIndex.load(version.path, encoder.model_id, vocabulary=self._matter_terms())
        self._encoder, self._index, self._index_name = encoder, index, version.name

    def _matter_terms(self) -> tuple[str, ...]:
        """The words of the matters the catalog lacks (社保开户, 营业执照): a slip in them (社宝) must be
        corrected too, or the referral never recognises the matter."""
        try:
            guide = get_matter_guide(self.settings.knowledge_base_dir)
        except MatterMapError as error:  # the referral reports it where it is used; searching goes on
            logging.getLogger(__name__).warning("typing slips corrected towards item names only: %s", error)
            return ()
        return tuple(term for matter in guide.matters for term in matter.terms) if guide is not None else ()

    @property
    def version(self) -> str | None:
        return self._index_name

    @property
    def calibration(self) -> Calibration:
        """The served index's calibration (loads the index), or the one given to the service."""
        return self._calibration_of(self.index())

    @calibration.setter
    def calibration(self, value: Calibration | None) -> None:
        self._calibration_override = value

    def _calibration_of(self, index: SearchIndex) -> Calibration:
        if self._calibration_override is not None:
            return self._calibration_override
        return calibration_for_model(index.manifest.get("model", {}))

    def _query_vector(self, normalized: str) -> np.ndarray:
        return self._encoded_query(normalized, self.encoder)

    # Cached per service (``_encoded_query``), keyed by the encoder too: a vector an old model
    # computed while the index switched models must not be served with the new index.
    def _encode_query(self, normalized: str, encoder: Encoder) -> np.ndarray:
        vector: np.ndarray = encode_queries(encoder, [normalized])[0]
        return vector

    def prepare_query(self, query: object) -> str:
        """The normalised, length-bounded query; '' when nothing searchable is left."""
        if not isinstance(query, str):
            raise InvalidQueryError(f"a query must be text, got {type(query).__name__}")
        limit = self.settings.max_query_chars
        return normalize_text(query[:limit * 4])[:limit]

    def searchable(self, query: object) -> str:
        """What the retrievers score: the prepared query with typing slips corrected towards the
        catalog's names (benchmarks and fitting score exactly what ``search`` scores)."""
        return self.index().correct(self.prepare_query(query))

    def search(self, query: str, k: int = 10, kind: Kind | None = None, department: str | None = None,
               service_object: str | None = None) -> SearchResult:
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        if kind not in (None, "item", "policy", "faq", "bundle"):
            raise ValueError(f"kind must be 'item', 'policy', 'faq', 'bundle' or None, got {kind!r}")
        normalized = self.prepare_query(query)
        if not normalized.strip():
            return SearchResult(query=query, normalized_query="", hits=(), confidence=0.0, level="none")
        index = self.index()
        if kind == "faq":
            return self._search_questions(index, "faq", query, normalized, k)
        if kind == "bundle":
            return self._search_questions(index, "bundle", query, normalized, k)
        # Editors' answers to this very question: an FAQ entry, or a bundle (一件事) asked for as one
        # thing ("开饭店要办什么证" -> 开餐馆); the closer of the two comes first.
        matches = [hit for hit in (self._question_match(index, "faq", normalized),
                                   self._question_match(index, "bundle", normalized))
                   if hit is not None] if kind is None else []
        answered = max(matches, key=lambda hit: hit.score) if matches else None
        searched = index.correct(normalized)
        item_scores, policy_scores, evidence = self.evidence(index, searched, kind)
        calibration = self._calibration_of(index)
        ranked = calibration.rank(
            evidence,
            item_mask=_item_mask(index, department, service_object),
            policy_mask=_policy_mask(index, department, today_in_china()),
        )
        hits = []
        for kind_name, row, probability in ranked[:k]:
            if kind_name == "item":
                hits.append(_item_hit(index, row, probability, item_scores))
            else:
                hits.append(_policy_hit(index, row, probability, policy_scores))
        second = ranked[1][2] if len(ranked) > 1 else 0.0
        confidence = self.confidence_of(searched, hits, second, item_scores, policy_scores, index)
        second_share = second / hits[0].score if hits and hits[0].score > 0 else 0.0
        if answered is not None:
            # An editor's answer to this very question comes before anything the index ranks.
            return SearchResult(query=query, normalized_query=normalized, hits=(answered, *hits[:k - 1]),
                                confidence=max(confidence, answered.score), level="high", searched_query=searched)
        level = calibration.level(confidence, second_share)
        if level == "high" and not fits_the_question(searched, hits[0]):
            level = "medium"  # offer it among candidates, never assert it
        elif level == "high" and is_outside_the_catalog(self.scope_classifier, searched):
            level = "medium"  # worded like the matters the catalog lacks: offer, or refer (indexer.matters)
        return SearchResult(query=query, normalized_query=normalized, hits=tuple(hits),
                            confidence=confidence, level=level, searched_query=searched)

    def _question_match(self, index: SearchIndex, kind: Kind, normalized: str) -> SearchHit | None:
        """The FAQ entry or bundle asked for by this very question, if one is close enough."""
        hits = self._question_hits(index, kind, normalized, 1)
        return hits[0] if hits and hits[0].score >= self._question_threshold(kind) else None

    def _search_questions(self, index: SearchIndex, kind: Kind, query: str, normalized: str, k: int) -> SearchResult:
        hits = self._question_hits(index, kind, normalized, k)
        if not hits:
            return SearchResult(query=query, normalized_query=normalized, hits=(), confidence=0.0, level="none")
        top = hits[0].score
        return SearchResult(query=query, normalized_query=normalized, hits=tuple(hits), confidence=top,
                            level="high" if top >= self._question_threshold(kind) else "low")

    def _question_hits(self, index: SearchIndex, kind: Kind, normalized: str, k: int) -> list[SearchHit]:
        found = index.closest_by_question(kind, self._query_vector(normalized), k)
        if kind == "faq":
            return [_faq_hit(index.faqs[row], cosine) for row, cosine in found]
        return [_bundle_hit(index.bundles[row], cosine) for row, cosine in found]

    def _question_threshold(self, kind: Kind) -> float:
        threshold = faq_match_threshold if kind == "faq" else bundle_match_threshold
        return threshold(self.encoder.model_id)

    def evidence(self, index: SearchIndex, normalized: str,
                 kind: Kind | None = None) -> tuple[KindScores | None, KindScores | None, QueryEvidence]:
        """Per-kind scores of a normalised (and corrected: ``searchable``) question and the evidence
        the calibration ranks with."""
        vector = self._query_vector(normalized)
        item_scores = index.score_items(normalized, vector, self.weights) if kind in (None, "item") and index.items else None
        policy_scores = (index.score_policies(normalized, vector, self.weights)
                         if kind in (None, "policy") and index.policies_in_order else None)
        evidence = QueryEvidence(
            item_scores=item_scores.fused if item_scores else None,
            policy_scores=policy_scores.fused if policy_scores else None,
            item_cosine=item_scores.cosine if item_scores else None,
            policy_cosine=policy_scores.cosine if policy_scores else None,
            kind_logit=self.kind_classifier.logit(normalized) if item_scores and policy_scores else 0.0,
        )
        return item_scores, policy_scores, evidence

    def confidence_of(self, normalized: str, hits: Sequence[SearchHit], second: float, item_scores: KindScores | None,
                      policy_scores: KindScores | None, index: SearchIndex) -> float:
        if not hits:
            return 0.0
        top = hits[0]
        if top.kind == "item":
            assert item_scores is not None
            row = index.item_row(top.id)
            cosine = float(item_scores.cosine[row])
            assert isinstance(top.record, ServiceItem)  # an item hit's record
            text = normalize_text(top.record.name + " " + getattr(top.record, "catalog_name", ""))
        else:
            assert policy_scores is not None
            row = index.policy_row(top.id)
            cosine = float(policy_scores.cosine[row])
            text = normalize_text(top.title + " " + top.snippet)
        return self._calibration_of(index).confidence(top.score, second, cosine, coverage(normalized, text))

    def record(self, record_id: str) -> ServiceItem | PolicyDoc | FaqEntry | Bundle | None:
        """The item, policy document, FAQ entry or bundle with this id in the current index, or None."""
        index = self.index()
        if record_id in index._item_rows:
            return index.items[index._item_rows[record_id]]
        if record_id in index._policy_rows:
            return index.policies_in_order[index._policy_rows[record_id]]
        if record_id in index._faq_rows:
            return index.faqs[index._faq_rows[record_id]]
        if record_id in index._bundle_rows:
            return index.bundles[index._bundle_rows[record_id]]
        return None

    def search_many(self, queries: Sequence[str], **options: Any) -> list[SearchResult]:
        return [self.search(query, **options) for query in queries]


FUZZY_CANDIDATES = 100
# An FAQ answers when one of its questions is this close (cosine of e5 query vectors) to the user's.
# Chosen for precision on bench/data/gap_pairs.jsonl (44 questions, 11 meanings; each question
# against all others): base e5 at 0.94 matched 30% of paraphrases and 0% of other meanings; the
# fine-tuned model spreads questions apart, and at 0.65 matched 52% and 0%. A missed FAQ still
# gets the ordinary search; a wrong FAQ answer would not.
FAQ_MATCH_COSINE = 0.94
FAQ_MATCH_COSINE_FINETUNED = 0.65


def fits_the_question(searched: str, top: SearchHit) -> bool:
    """Whether a first hit may be asserted as the answer (level "high") to a question (normalised and
    corrected), beyond its calibrated score. Every refusal here is a semantic match the catalog
    offers for a matter it lacks: the question then gets candidates to choose from, or a referral.
    """
    if top.kind == "item":
        if variants.asks_for_procedure(searched) and variants.serves_information(top.title):
            # A look-up service answering "how do I get …" means the catalog likely lacks the
            # procedure (食品证怎么办理 -> 食品相关产品生产许可证信息).
            return False
        if not variants.asks_for_the_service_of(searched, top.title):
            return False  # 公司想办个专利怎么申请 is no question for 办理专利权委托公证指引
        # An item whose name shares not one character pair with the question is a leap of meaning
        # alone (公章丢了怎么办 -> 公证员执业证书损毁或者遗失的换发或者补发), right too rarely to assert.
        return coverage(searched, normalize_text(top.title)) > 0
    if top.kind == "policy":
        # The policy corpus is regional notices: a question they answer says a policy word, a fee or
        # a place. "新公司开对公帐户去哪个银行" is a procedure, not a notice about loans to small firms.
        return variants.asks_about_policy(searched)
    return True


def _limit_vector_search_threads(threads: int) -> None:
    """One query is too small to split across cores; idle OpenMP workers spin and take CPU from
    the other requests (and from Rasa) on a small machine. Process-wide, so only the serving path
    sets it."""
    import faiss

    faiss.omp_set_num_threads(threads)


def faq_match_threshold(model: dict[str, Any]) -> float:
    return FAQ_MATCH_COSINE_FINETUNED if str(model.get("variant", "")).endswith("+finetuned") else FAQ_MATCH_COSINE


# A bundle (一件事) answers when its name or a variant is this close. Bundle questions share one
# template ("开X要办什么证"), so base e5 needs a little more than an FAQ: at 0.95, 27 of 31
# team-written paraphrases outside the variants matched their bundle and none another, 1 of the
# 360 item dev questions matched (工人干活受伤了 -> 员工工伤, whose first step is its item) and none
# of the 82 out-of-catalog questions (at 0.94: 28/31, but 开网吧/开药店 matched 开餐馆/开办企业).
# `python -m bench.bundle_matching` (2026-12-03; 35 paraphrases, 360 item questions, 645 out-of-catalog
# questions): base at 0.95 matches 74% of paraphrases, 1 item question, 7 out-of-catalog ones. The
# fine-tuned model pulls enterprise questions together: at the FAQ threshold (0.65) it answered
# 股权出质注销登记在哪里办 with 企业注销 and 27 out-of-catalog questions with a bundle (开网吧 -> 开餐馆);
# at 0.75: 83% of paraphrases, 1 item question, 6 out-of-catalog ones.
BUNDLE_MATCH_COSINE = 0.95
BUNDLE_MATCH_COSINE_FINETUNED = 0.75


def bundle_match_threshold(model: dict[str, Any]) -> float:
    return BUNDLE_MATCH_COSINE_FINETUNED if str(model.get("variant", "")).endswith("+finetuned") else BUNDLE_MATCH_COSINE


def _top_rows(*scores: np.ndarray, count: int = FUZZY_CANDIDATES) -> np.ndarray:
    """Rows in the top ``count`` of any of ``scores``: the only ones worth a costly fuzzy match."""
    rows = [np.argpartition(-s, min(count, len(s)) - 1)[:count] for s in scores if len(s)]
    return np.unique(np.concatenate(rows)) if rows else np.zeros(0, dtype=np.int64)


def _fuzzy_scores(query: str, names: list[str], rows: np.ndarray | None = None) -> np.ndarray:
    """How well each item name appears inside the question (rapidfuzz partial ratio, 0-100).

    Partial ratio costs ~10 ms over all names for a long question, so only candidate ``rows``
    (top of dense and BM25) are scored; the rest get 0.
    """
    from rapidfuzz import fuzz, process

    scores = np.zeros(len(names), dtype=np.float32)
    if not names:
        return scores
    if rows is None:
        rows = np.arange(len(names))
    if len(rows):
        scores[rows] = process.cdist([query], [names[row] for row in rows], scorer=fuzz.partial_ratio,
                                     dtype=np.float32, workers=1)[0]
    return scores


def _item_mask(index: SearchIndex, department: str | None, service_object: str | None) -> np.ndarray | None:
    if not department and not service_object:
        return None
    return np.array([
        (not department or department in item.department)
        and (not service_object or service_object in item.service_objects)
        for item in index.items
    ], dtype=bool)


def _policy_mask(index: SearchIndex, department: str | None, today: str) -> np.ndarray | None:
    """Documents an answer may come from: not expired (editors' expiry dates), of ``department``."""
    valid = index.policy_expiry >= today
    if department:
        valid &= np.array([department in policy.issuer for policy in index.policies_in_order], dtype=bool)
    return None if valid.all() else valid


def _faq_hit(faq: FaqEntry, cosine: float) -> SearchHit:
    return SearchHit(id=faq.id, kind="faq", title=faq.question, score=cosine, snippet=faq.answer,
                     sources=("faq",), record=faq)


def _bundle_hit(bundle: Bundle, cosine: float) -> SearchHit:
    steps = "；".join(f"{i}. {step.title}" for i, step in enumerate(bundle.steps, start=1))
    return SearchHit(id=bundle.id, kind="bundle", title=bundle.name, score=cosine, snippet=steps,
                     sources=("bundle",), record=bundle)


def _sources(parts: dict[str, np.ndarray], row: int) -> tuple[str, ...]:
    found = []
    for name, values in parts.items():
        if name == "variant" or not len(values):
            continue
        # A retriever "found" a record when it ranks it among its own top 10.
        if values[row] > 0 and np.sum(values > values[row]) < 10:
            found.append(name)
    return tuple(found)


def _item_hit(index: SearchIndex, row: int, probability: float, scores: KindScores | None) -> SearchHit:
    item = index.items[row]
    snippet = item.name + ("。材料:" + "、".join(item.materials[:5]) if item.materials else "")
    return SearchHit(id=item.id, kind="item", title=item.name, score=probability, snippet=snippet,
                     sources=_sources(scores.parts, row) if scores else (), record=item)


def _policy_hit(index: SearchIndex, row: int, probability: float, scores: KindScores | None) -> SearchHit:
    policy = index.policies_in_order[row]
    snippet = ""
    sources: tuple[str, ...] = ()
    if scores is not None and scores.best_chunk is not None and scores.best_chunk[row] >= 0:
        chunk_row = int(scores.best_chunk[row])
        snippet = index.policy_chunks[chunk_row].text
        sources = _sources(scores.parts, chunk_row)
    return SearchHit(id=policy.id, kind="policy", title=policy.title, score=probability, snippet=snippet,
                     sources=sources, record=policy)


@functools.cache
def get_search_service() -> SearchService:
    """The process-wide search service, configured from the environment (loads lazily)."""
    service = SearchService(IndexerSettings.from_env())
    service.watch()
    return service
