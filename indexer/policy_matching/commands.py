"""CLI subcommands of policy matching (registered by indexer.cli):

    python -m indexer enterprise-size --industry 工业 --employees 150 --revenue 5000 [--assets N]
    python -m indexer match --profile profile.json [--as-of YYYY-MM-DD] [--json]
    python -m indexer propose-measures DOCID [DOCID ...]

A bad profile or argument is an error naming the field, exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from indexer.policy_matching.matching import MeasureMatch
    from indexer.settings import IndexerSettings

EXIT_USAGE = 2
_RESULT_WORDS = {"eligible": "符合", "ineligible": "不符合", "unknown": "待确认"}
_MARKS = {True: "✓", False: "✗", None: "?"}
FIELD_NAMES = {"region": "注册地", "industry": "所属行业", "established": "成立日期", "employees": "从业人数",
               "revenue": "上年营业收入", "assets": "资产总额", "taxpayer_type": "纳税人类型",
               "tax_credit_level": "纳税信用级别", "qualifications": "资质（高新技术企业等）",
               "serious_dishonesty": "是否有严重失信记录"}


def add_commands(commands: Any) -> None:
    size = commands.add_parser("enterprise-size",
                               help="enterprise size (大型/中型/小型/微型) by 工信部联企业〔2011〕300号; amounts in 万元")
    size.add_argument("--industry", required=True,
                      help="the standard's industry (工业, 零售业, 软件和信息技术服务业 …) or a GB/T 4754-2017 code or name")
    size.add_argument("--employees", type=int, help="从业人员 (persons)")
    size.add_argument("--revenue", type=float, help="营业收入 of last year, 万元")
    size.add_argument("--assets", type=float, help="资产总额, 万元")
    size.set_defaults(handler=enterprise_size_command)

    match = commands.add_parser("match", help="match an enterprise profile against the support measures (政策计算器)")
    match.add_argument("--profile", required=True, type=Path, help="profile JSON file")
    match.add_argument("--as-of", help="date of the question, YYYY-MM-DD (default: today in China)")
    match.add_argument("--json", action="store_true", help="JSON output")
    match.add_argument("--measures", type=Path,
                       help="folder of measure JSONL files (default: <DAOFU_KB_DIR>/policy_measures)")
    match.set_defaults(handler=match_command)

    propose = commands.add_parser("propose-measures",
                                  help="propose draft measures and conditions from policy documents, for review")
    propose.add_argument("document_ids", nargs="+", help="docid of each policy document")
    propose.set_defaults(handler=propose_command)


def _usage_error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def enterprise_size_command(args: argparse.Namespace, settings: IndexerSettings) -> int:
    from indexer.policy_matching.errors import ProfileError
    from indexer.policy_matching.size import enterprise_size, size_category

    try:
        category = size_category(args.industry)
        size = enterprise_size(category, args.employees, args.revenue, args.assets)
    except ProfileError as error:
        return _usage_error(str(error))
    print(size.value)
    return 0


def match_command(args: argparse.Namespace, settings: IndexerSettings) -> int:
    from daofu_core.clock import today_in_china
    from indexer.policy_matching.catalog import load_catalog
    from indexer.policy_matching.errors import ProfileError
    from indexer.policy_matching.matching import fields_to_ask, match, matching_json
    from indexer.policy_matching.measures import load_measures
    from indexer.policy_matching.profile import load_profile

    try:
        as_of = datetime.date.fromisoformat(args.as_of or today_in_china())
    except ValueError:
        return _usage_error(f"--as-of: “{args.as_of}” is not a date; write it as YYYY-MM-DD, e.g. 2020-03-01")
    try:
        data = json.loads(args.profile.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return _usage_error(f"--profile: {args.profile} does not exist; give the path of a profile JSON file")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return _usage_error(f"profile: {args.profile} is not UTF-8 JSON ({error}); fix the file")
    try:
        profile = load_profile(data)
    except ProfileError as error:
        return _usage_error(f"profile.{error}")
    if args.measures is not None:
        measures = load_measures(sorted(args.measures.glob("*.jsonl")))
    else:
        measures = load_catalog(settings.knowledge_base_dir, check_sources=False)
    results = match(profile, measures, as_of)
    if args.json:
        print(json.dumps(matching_json(profile, results, as_of), ensure_ascii=False))
    else:
        _print_matches(profile.to_json(), results, as_of)
        missing = fields_to_ask(profile, measures, as_of)
        if missing:
            print("\n补充这些信息可判断更多政策：" + "、".join(FIELD_NAMES.get(name, name) for name in missing))
    return 0


def _print_matches(profile: dict[str, Any], results: list[MeasureMatch], as_of: datetime.date) -> None:
    print(f"{profile['name']}  规模：{profile.get('size') or '未知'}  行业：{profile.get('industry_name', '未知')}  "
          f"地区：{profile.get('region', '未知')}  （截至 {as_of.isoformat()}）")
    counts = {word: sum(1 for r in results if r.result.value == key) for key, word in _RESULT_WORDS.items()}
    print("  ".join(f"{word} {count}" for word, count in counts.items()))
    for rank, found in enumerate(results, start=1):
        measure = found.measure
        print(f"\n{rank:2d}. [{_RESULT_WORDS[found.result.value]}] {measure.title}（{measure.level}级，{measure.how}）")
        print(f"    {measure.benefit.text}")
        for condition in found.conditions:
            print(f"    {_MARKS[condition.met]} {condition.text}" + ("（需人工确认）" if condition.met is None else ""))
        print(f"    来源：{measure.issuer} {measure.policy_id}")


def propose_command(args: argparse.Namespace, settings: IndexerSettings) -> int:
    from indexer.policy_matching.catalog import policy_texts
    from indexer.policy_matching.extraction import MeasureExtractor

    texts = policy_texts(settings.knowledge_base_dir)
    missing = [doc for doc in args.document_ids if doc not in texts]
    if missing:
        return _usage_error(f"document_ids: {', '.join(missing)} not in {settings.knowledge_base_dir / 'policies'}")
    extractor = MeasureExtractor()
    for document_id in args.document_ids:
        for proposal in extractor.propose(document_id, texts[document_id]):
            print(json.dumps(proposal.to_json(), ensure_ascii=False))
    return 0
