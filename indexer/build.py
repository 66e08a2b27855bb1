"""Build a new index version from the knowledge base and switch to it atomically.

load -> normalise -> annotate policies (spaCy) -> chunk -> BM25 (jieba, characters) -> embed
(cached) -> faiss -> records, manifest -> check by loading and searching -> commit.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from indexer import features, layout
from indexer.chunking import ChunkingSettings, item_chunk, policy_chunks
from indexer.embedding import Encoder, OnnxEncoder, encode_passages, encode_queries
from indexer.embedding_cache import EmbeddingCache, JsonCache
from indexer.errors import BuildError, DaofuError
from indexer.layout import ITEM_VIEWS
from indexer.lexical import Bm25Index
from indexer.loaders import LoadedKnowledge, LoadReport, load_knowledge_base
from indexer.model_setup import model_info
from indexer.nlp import PolicyAnnotator
from indexer.normalize import NORMALIZER_VERSION, normalize_text
from indexer.publishing import publish_index
from indexer.records import Bundle, Chunk, FaqEntry, PolicyDoc, Record, ServiceItem, resolve_bundle
from indexer.settings import IndexerSettings
from indexer.store import FORMAT_VERSION, IndexStore, IndexVersion
from indexer.tokenize import dictionary_terms, search_tokens, write_user_dictionary
from indexer.typos import name_syllables, reading_table
from indexer.workspace import KnowledgeWorkspace

# Bump when what a build writes changes for the same input (views, chunking, tokenisation).
BUILD_VERSION = "4"  # 3: pinyin of item names (typo correction); 4: with character readings
_ITEM_TEXT_VIEW_CHARS = 200  # the dense "text" view: name, department, materials, start of conditions

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class BuildResult:
    version: IndexVersion
    manifest: dict[str, Any]
    report: LoadReport
    seconds: float
    embedded: int  # passages actually computed (the rest came from the cache)


def build_index(settings: IndexerSettings, progress: Progress | None = None,
                knowledge: LoadedKnowledge | None = None, encoder: Encoder | None = None,
                publish: bool = True, kb_version: int | None = None,
                workspace: KnowledgeWorkspace | None = None) -> BuildResult:
    """Build from ``settings.knowledge_base_dir`` (or ``knowledge``) and, if ``publish``, serve it
    (``indexer.publishing.publish_index``; with ``workspace`` and ``kb_version`` that knowledge-base
    version is marked published too).

    An unpublished build is complete and checked but not served until ``publish_index`` (the
    editor's "publish"); ``kb_version`` records which knowledge-base version it holds.
    """
    started = time.perf_counter()
    progress = progress or (lambda stage, done, total: None)
    encoder = encoder or OnnxEncoder(settings.model_dir, threads=settings.threads)
    model = encoder.model_id
    knowledge = knowledge or load_knowledge_base(settings.knowledge_base_dir)
    if not knowledge.items and not knowledge.policies:
        raise BuildError(
            f"no readable item or policy under {settings.knowledge_base_dir}; "
            f"{knowledge.report.summary()}"
        )
    store = IndexStore(settings.index_dir)
    name, folder = store.new_version_dir()
    try:
        embedded = _write_index(folder, knowledge, settings, encoder, progress)
        manifest = _manifest(name, knowledge, settings, model, folder, started)
        manifest["embedded"] = embedded
        manifest["kb_version"] = kb_version
        layout.VersionFiles(folder).manifest.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        _check(folder, encoder)
        version = store.commit(name, folder, switch=False)
        if publish:
            publish_index(settings.index_dir, name, workspace, kb_version)
    except BaseException:
        # Nothing half-written is ever served; the partial folder is removed (or, if the
        # process dies here, ignored and cleaned by a later build).
        shutil.rmtree(folder, ignore_errors=True)
        raise
    store.clean(keep=settings.keep_versions)
    return BuildResult(version, manifest, knowledge.report, time.perf_counter() - started, embedded)


def _write_index(folder: Path, knowledge: LoadedKnowledge, settings: IndexerSettings,
                 encoder: Encoder, progress: Progress) -> int:
    model = encoder.model_id
    files = layout.VersionFiles(folder)
    items = knowledge.items
    departments = sorted({item.department for item in items})
    user_dictionary = files.user_dictionary
    write_user_dictionary(user_dictionary, _dictionary_terms(items, departments, settings))

    annotator = PolicyAnnotator(departments, sorted({item.region for item in items}), user_dictionary)
    policies, passages_of = _prepare_policies(knowledge.policies, annotator, settings, user_dictionary, progress)
    chunks: list[Chunk] = [item_chunk(item) for item in items]
    for policy in policies:
        chunks.extend(passages_of[policy.id].chunks)
    policy_chunk_list = [chunk for chunk in chunks if chunk.kind == "policy"]
    policy_words = [tokens for policy in policies for tokens in passages_of[policy.id].words]
    policy_texts = [text for policy in policies for text in passages_of[policy.id].texts]

    bundles = _resolved_bundles(knowledge)
    _write_jsonl(files.records,
                 [record.to_dict() for record in _all_records(items, policies, knowledge.faqs, bundles)])
    _write_jsonl(files.chunks, [chunk.to_dict() for chunk in policy_chunk_list])

    views, item_words = _prepare_items(items, settings, user_dictionary)
    progress("lexical", 0, 1)
    item_names = views["name"]
    Bm25Index.build([features.character_ngrams(text) for text in item_names]).save(folder, layout.ITEM_NAME_CHARS)
    Bm25Index.build(item_words).save(folder, layout.ITEM_TEXT_WORDS)
    syllables = _name_syllables(item_names, settings)
    readings = reading_table("".join(item_names))
    files.name_pinyin.write_text(json.dumps({"syllables": syllables, "readings": readings}, ensure_ascii=False),
                                           encoding="utf-8")
    Bm25Index.build(policy_words).save(folder, layout.POLICY_WORDS)
    Bm25Index.build([features.character_ngrams(text, sizes=(2,)) for text in policy_texts]).save(folder, layout.POLICY_CHARS)
    progress("lexical", 1, 1)

    cache = EmbeddingCache(settings.embedding_cache, f"{model['name']}:{model['fingerprint']}", encoder.dimension)
    passages = [*(views[view] for view in ITEM_VIEWS), policy_texts]
    flat = [text for group in passages for text in group]
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        progress("embed", done, len(flat))

    vectors, computed = cache.embed(flat, lambda texts: encode_passages(encoder, texts), progress=advance)
    offset = 0
    import faiss

    for label, group in zip(layout.DENSE_INDEXES, passages, strict=True):
        index = faiss.IndexFlatIP(encoder.dimension)
        if group:
            index.add(np.ascontiguousarray(vectors[offset:offset + len(group)]))
        faiss.write_index(index, str(files.dense(label)))
        offset += len(group)
    computed += _write_question_index(folder, "faq", knowledge.faqs, settings, encoder)
    computed += _write_question_index(folder, "bundle", bundles, settings, encoder)
    knowledge.report.write_jsonl(files.errors)
    return computed


@dataclass(frozen=True)
class PreparedPolicy:
    policy: PolicyDoc  # with issuer, number and date filled where the text shows them
    chunks: list[Chunk]
    texts: list[str]  # normalised title + passage: what the model and character BM25 see
    words: list[list[str]]  # jieba tokens of each text, for BM25


def _dictionary_terms(items: list[ServiceItem], departments: list[str], settings: IndexerSettings) -> list[tuple[str, int]]:
    """The jieba user dictionary's terms, recomputed only when item names or departments change."""
    names = sorted({item.name for item in items} | {item.catalog_name for item in items if item.catalog_name})
    cache = JsonCache(settings.embedding_cache, f"userdict:{BUILD_VERSION}")
    key = JsonCache.digest(json.dumps([names, departments], ensure_ascii=False))
    found = cache.get_many([key]).get(key)
    if found is None:
        found = dictionary_terms(items, departments)
        cache.put_many([(key, found)])
    return [(term, int(frequency)) for term, frequency in found]


def _name_syllables(names: list[str], settings: IndexerSettings) -> list[list[str]]:
    """Pinyin of each normalised item name (pypinyin takes seconds over the catalog), cached by name."""
    cache = JsonCache(settings.embedding_cache, f"pinyin:{BUILD_VERSION}")
    keys = [JsonCache.digest(name) for name in names]
    found = cache.get_many(keys)
    missing = sorted({name for name, key in zip(names, keys, strict=True) if key not in found})
    fresh = list(zip((JsonCache.digest(name) for name in missing), name_syllables(missing), strict=True)) if missing else []
    cache.put_many(fresh)
    found.update(fresh)
    return [list(found[key]) for key in keys]


def _prepare_items(items: list[ServiceItem], settings: IndexerSettings,
                   user_dictionary: Path) -> tuple[dict[str, list[str]], list[list[str]]]:
    """The texts of each item (``item_views``) and the jieba tokens of its full text, by item."""
    vocabulary = hashlib.sha256(user_dictionary.read_bytes()).hexdigest()[:16]
    cache = JsonCache(settings.embedding_cache, f"item:{BUILD_VERSION}:{NORMALIZER_VERSION}:{vocabulary}")
    keys = [JsonCache.digest(json.dumps(item.to_dict(), ensure_ascii=False, sort_keys=True)) for item in items]
    found = cache.get_many(keys)
    fresh: list[tuple[str, Any]] = []
    views: dict[str, list[str]] = {name: [] for name in (*ITEM_VIEWS, "full")}
    words: list[list[str]] = []
    for item, key in zip(items, keys, strict=True):
        entry = found.get(key)
        if entry is None:
            single = item_views([item])
            entry = {"views": {name: texts[0] for name, texts in single.items()},
                     "words": search_tokens(single["full"][0], user_dictionary)}
            fresh.append((key, entry))
        for name in views:
            views[name].append(entry["views"][name])
        words.append(entry["words"])
    cache.put_many(fresh)
    return views, words


def _prepare_policies(raw: list[PolicyDoc], annotator: PolicyAnnotator, settings: IndexerSettings,
                      user_dictionary: Path, progress: Progress) -> tuple[list[PolicyDoc], dict[str, PreparedPolicy]]:
    """Annotate, chunk and tokenise each document, reusing what an earlier build derived from the
    same document: spaCy and jieba over every body are what make an unchanged rebuild slow."""
    vocabulary = hashlib.sha256(user_dictionary.read_bytes()).hexdigest()[:16]
    cache = JsonCache(settings.embedding_cache,
                      f"policy:{BUILD_VERSION}:{NORMALIZER_VERSION}:{settings.chunk_max_chars}:{vocabulary}:2")
    keys = [JsonCache.digest(json.dumps(policy.to_dict(), ensure_ascii=False, sort_keys=True)) for policy in raw]
    found = cache.get_many(keys)
    chunking = ChunkingSettings(max_chars=settings.chunk_max_chars, overlap_sentences=0)
    prepared: dict[str, PreparedPolicy] = {}
    fresh: list[tuple[str, Any]] = []
    for done, (policy, key) in enumerate(zip(raw, keys, strict=True), start=1):
        entry = found.get(key)
        if entry is None:
            normalized = dataclasses.replace(policy, title=normalize_text(policy.title), body=normalize_text(policy.body))
            annotated = annotator.annotate(normalized)
            # Passages quote the document as written (normalised only for search).
            chunks = policy_chunks(dataclasses.replace(policy, issuer=annotated.issuer, doc_number=annotated.doc_number,
                                                       date=annotated.date), annotator.sentences, chunking)
            texts = [normalize_text(chunk.title + "\n" + chunk.text) for chunk in chunks]
            entry = {"metadata": {"issuer": annotated.issuer, "doc_number": annotated.doc_number, "date": annotated.date},
                     "chunks": [chunk.to_dict() for chunk in chunks], "texts": texts,
                     "words": [search_tokens(text, user_dictionary) for text in texts]}
            fresh.append((key, entry))
        prepared[policy.id] = PreparedPolicy(dataclasses.replace(policy, **entry["metadata"]),
                                             [Chunk(**chunk) for chunk in entry["chunks"]], entry["texts"], entry["words"])
        if done % 50 == 0 or done == len(raw):
            progress("annotate", done, len(raw))
    cache.put_many(fresh)
    return [prepared[policy.id].policy for policy in raw], prepared


def _resolved_bundles(knowledge: LoadedKnowledge) -> list[Bundle]:
    """Bundles with their steps' current item names; a step whose item is gone is left out and
    reported, and a bundle with no step left is not served (the workspace refuses such changes,
    so this only meets knowledge bases put together by hand)."""
    items = {item.id: item for item in knowledge.items}
    bundles = []
    for bundle in knowledge.bundles:
        fixed, unknown = resolve_bundle(bundle, items)
        for item_id in unknown:
            knowledge.report.add(bundle.source or "bundles", None,
                                 f"bundle {bundle.id} ({bundle.name}): step item {item_id} is not in the knowledge base; step left out")
        if fixed.steps:
            bundles.append(fixed)
    return bundles


def _write_question_index(folder: Path, kind: layout.QuestionKind, records: Sequence[FaqEntry | Bundle], settings: IndexerSettings,
                          encoder: Encoder) -> int:
    """FAQ questions or bundle names, each with its variants, as query vectors (a question is
    matched against questions): ``<kind>s.faiss`` and the record row of each vector."""
    import faiss

    questions = [normalize_text(text) for record in records for text in record.questions()]
    owners = [row for row, record in enumerate(records) for _ in record.questions()]
    model = encoder.model_id
    cache = EmbeddingCache(settings.embedding_cache, f"{model['name']}:{model['fingerprint']}:query", encoder.dimension)
    vectors, computed = cache.embed(questions, lambda texts: encode_queries(encoder, texts)) if questions else (
        np.zeros((0, encoder.dimension), dtype=np.float32), 0)
    index = faiss.IndexFlatIP(encoder.dimension)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors))
    files = layout.VersionFiles(folder)
    faiss.write_index(index, str(files.questions(kind)))
    np.save(files.question_owners(kind), np.asarray(owners, dtype=np.int64))
    return computed


def item_views(items: list[ServiceItem]) -> dict[str, list[str]]:
    """Normalised texts of each item: the dense views plus the full text for BM25."""
    full = [normalize_text(item_chunk(item).text) for item in items]
    return {
        "name": [normalize_text(item.name) for item in items],
        "name_department": [normalize_text(f"{item.name} {item.department}") for item in items],
        "text": [text[:_ITEM_TEXT_VIEW_CHARS] for text in full],
        "full": full,
    }


def _all_records(items: Sequence[ServiceItem], policies: Sequence[PolicyDoc], faqs: Sequence[FaqEntry],
                 bundles: Sequence[Bundle]) -> tuple[Record, ...]:
    return (*items, *policies, *faqs, *bundles)


def content_hash(knowledge: LoadedKnowledge, settings: IndexerSettings) -> str:
    """Hash of everything a build depends on besides the model: records, chunking, code versions."""
    digest = hashlib.sha256(f"{BUILD_VERSION}:{NORMALIZER_VERSION}:{settings.chunk_max_chars}".encode())
    for record in _all_records(knowledge.items, knowledge.policies, knowledge.faqs, knowledge.bundles):
        digest.update(json.dumps(record.to_dict(), ensure_ascii=False, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def is_up_to_date(settings: IndexerSettings) -> bool:
    """True when the current index was built from the published knowledge-base version, with the
    configured model and this code."""
    from indexer.errors import IndexNotFoundError, ModelNotFoundError

    try:
        manifest = IndexStore(settings.index_dir).current().manifest()
        model = model_info(settings.model_dir)
    except (IndexNotFoundError, ModelNotFoundError):
        return False
    if manifest.get("model", {}).get("fingerprint") != model.get("fingerprint"):
        return False
    workspace = KnowledgeWorkspace(settings.workspace_dir, settings.knowledge_base_dir)
    knowledge = workspace.knowledge(workspace.published_number())
    return bool(manifest.get("content_hash") == content_hash(knowledge, settings))


def _manifest(name: str, knowledge: LoadedKnowledge, settings: IndexerSettings, model: dict[str, Any],
              folder: Path, started: float) -> dict[str, Any]:
    policy_chunks_count = sum(1 for _ in layout.VersionFiles(folder).chunks.open(encoding="utf-8"))
    return {
        "format_version": FORMAT_VERSION,
        "version": name,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "build_seconds": round(time.perf_counter() - started, 1),
        "model": {key: model[key] for key in ("name", "variant", "dimension", "fingerprint")},
        "normalizer_version": NORMALIZER_VERSION,
        "content_hash": content_hash(knowledge, settings),
        "build_version": BUILD_VERSION,
        "counts": {
            "items": len(knowledge.items),
            "policies": len(knowledge.policies),
            "policy_chunks": policy_chunks_count,
            "faqs": len(knowledge.faqs),
            "bundles": len(knowledge.bundles),
            "problems": len(knowledge.report),
        },
        "chunking": {"max_chars": settings.chunk_max_chars, "overlap_sentences": 0, "unit": "sentences (spaCy sentencizer)"},
        "item_views": list(ITEM_VIEWS),
        "knowledge_base": str(settings.knowledge_base_dir),
    }


def _check(folder: Path, encoder: Encoder) -> None:
    """Load the new version and run one search before anyone is switched to it."""
    from indexer.search import SearchIndex

    try:
        index = SearchIndex.load(folder, encoder.model_id)
        probe = index.items[0].name if index.items else index.policies_in_order[0].title
        index.raw_search_check(probe)
    except DaofuError as error:
        raise BuildError(f"the new index failed its check and was not published: {error}") from error


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
