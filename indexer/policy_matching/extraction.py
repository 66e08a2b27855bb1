"""Extraction assistance: rules that PROPOSE support measures and their conditions from a policy
document's text, for an editor to review. Nothing proposed here is published unreviewed.

The text is cut into numbered provisions (一、 / （一） / 1. / 第一条); a provision that grants
something (免收, 减免, 补贴, 返还, 贴息 …) becomes a proposed measure. Conditions come from spaCy
Matcher patterns over the project's jieba pipeline (indexer.nlp, loaded lazily): headcounts,
amounts, rates, dates, tax credit levels; and from term rules (size words, industries,
qualifications) whose hits are aligned to spaCy spans. A sentence with an eligibility cue that no
rule can check (受疫情影响较大, 不裁员或少裁员) is proposed as a manual condition.
"""
from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from indexer.nlp import SENTENCE_ENDINGS, parse_date
from indexer.policy_matching.measures import ConditionType, HowObtained, derive_level
from indexer.policy_matching.profile import Qualification
from indexer.policy_matching.size import EnterpriseSize

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.matcher import Matcher

SME = [EnterpriseSize.MEDIUM, EnterpriseSize.SMALL, EnterpriseSize.MICRO]
SMALL_AND_MICRO = [EnterpriseSize.SMALL, EnterpriseSize.MICRO]

# Size words, longest first so 中小微企业 is not also read as 小微企业.
SIZE_TERMS: tuple[tuple[str, list[EnterpriseSize]], ...] = (
    ("中小微企业", SME), ("中小微", SME), ("中小企业", SME), ("小微企业", SMALL_AND_MICRO), ("小微", SMALL_AND_MICRO),
    ("微型企业", [EnterpriseSize.MICRO]),
)
# Industry words → GB/T 4754-2017 codes.
INDUSTRY_TERMS: tuple[tuple[str, list[str]], ...] = (
    ("住宿餐饮", ["61", "62"]), ("餐饮", ["62"]), ("住宿", ["61"]), ("酒店", ["61"]), ("旅游", ["L", "R"]),
    ("旅行社", ["72"]), ("交通运输", ["G"]), ("批发零售", ["F"]), ("零售", ["52"]), ("文化", ["R"]),
    ("影院", ["87"]), ("娱乐", ["90"]), ("制造业", ["C"]), ("工业企业", ["B", "C", "D"]), ("外贸", ["51"]),
    ("建筑", ["E"]), ("物流", ["G"]), ("软件", ["65"]), ("农业", ["A"]),
)
QUALIFICATION_TERMS: tuple[tuple[str, Qualification], ...] = (
    ("高新技术企业", Qualification.HIGH_TECH), ("科技型中小企业", Qualification.TECH_SME),
    ("专精特新", Qualification.SPECIALISED_SME), ("重点保障企业", Qualification.EPIDEMIC_KEY_SUPPLIER),
    ("技术先进型服务企业", Qualification.ADVANCED_TECH_SERVICE),
)
BENEFIT_WORDS = ("免收", "减免", "减半", "补贴", "补助", "返还", "贴息", "奖励", "免征", "缓缴", "减征", "资助", "奖补",
                 "减按", "退还", "延期缴纳", "降低", "免除", "暂免", "给予", "停征", "减收")
MANUAL_CUES = ("受疫情影响", "不裁员", "少裁员", "符合条件", "恢复有望", "参保", "承租", "经营困难", "坚持营业", "稳定就业",
               "依法", "按规定", "首次", "新招用", "吸纳")
AUTOMATIC_CUES = ("免申即享", "无需申请", "无需企业申请", "直接返还", "直接发放", "自动", "直接拨付")
FAST_CUES = ("快申快享", "即申即享", "网上申请", "承诺制")
_PROVISION = re.compile(r"(?:(?<=[\s。；：:])|^)(?:[一二三四五六七八九十]{1,3}、|（[一二三四五六七八九十]{1,3}）|\d{1,2}[.．、](?!\d)|第[一二三四五六七八九十]{1,3}条)")
_PHONE = re.compile(r"(?:电话|热线|咨询)[：:]?\s*((?:0\d{2,3}[-－]?)?\d{7,8}|1[3-9]\d{9}|12345)")


@dataclass(frozen=True)
class ProposedCondition:
    type: ConditionType
    text: str
    evidence: str
    fields: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type.value, "text": self.text, "evidence": self.evidence, **self.fields}


@dataclass(frozen=True)
class ProposedMeasure:
    """A draft for review: never loaded as a measure until an editor accepts it."""

    document_id: str
    title: str
    passage: str
    benefit: str
    amount_wan: float | None
    rate: float | None
    how: HowObtained
    conditions: tuple[ProposedCondition, ...]
    deadline: str = ""
    contact_phone: str = ""

    def to_json(self, issuer: str = "", region: str = "") -> dict[str, Any]:
        return {
            "policy_id": self.document_id, "title": self.title, "issuer": issuer,
            "level": derive_level(issuer, region).value, "region": region or "全国",
            "conditions": [c.to_json() for c in self.conditions],
            "benefit": {"text": self.benefit, "amount_wan": self.amount_wan, "rate": self.rate},
            "how": self.how.value, "application_period": {"end": self.deadline or None},
            "contact_phone": self.contact_phone,
            "source": {"document_id": self.document_id, "passage": self.passage},
        }


class MeasureExtractor:
    """Propose measures from policy texts. Build once; the spaCy pipeline loads on first use."""

    def __init__(self) -> None:
        self._nlp: Language | None = None
        self._matcher: Matcher | None = None

    def _pipeline(self) -> tuple[Language, Matcher]:
        if self._nlp is None or self._matcher is None:
            from spacy.matcher import Matcher

            from indexer.nlp import build_pipeline

            self._nlp = build_pipeline([], [])
            self._matcher = Matcher(self._nlp.vocab)
            for label, patterns in matcher_patterns().items():
                # The longest match: "信用A级、B级" rather than its prefix "信用A级".
                self._matcher.add(label, patterns, greedy="LONGEST")
        return self._nlp, self._matcher

    def propose(self, document_id: str, text: str) -> list[ProposedMeasure]:
        return [proposal for heading, passage in provisions(text)
                if (proposal := self._proposal(document_id, heading, passage)) is not None]

    def _proposal(self, document_id: str, heading: str, passage: str) -> ProposedMeasure | None:
        if not any(word in passage for word in BENEFIT_WORDS) or "企业" not in passage:
            return None
        nlp, matcher = self._pipeline()
        doc = nlp(passage)
        conditions: list[ProposedCondition] = []
        amounts: list[float] = []
        rates: list[float] = []
        deadline = ""
        for sentence in doc.sents:
            evidence = sentence.text.strip()
            sentence_doc = sentence.as_doc()
            found = [(nlp.vocab.strings[match_id], sentence_doc[start:end])
                     for match_id, start, end in matcher(sentence_doc)] if evidence else []
            for label, span in found:
                if label == "EMPLOYEES_MIN":
                    conditions.append(ProposedCondition(ConditionType.EMPLOYEES, span.text, evidence,
                                                        {"min": int(_first_number(span.text))}))
                elif label == "EMPLOYEES_MAX":
                    conditions.append(ProposedCondition(ConditionType.EMPLOYEES, span.text, evidence,
                                                        {"max": int(_first_number(span.text))}))
                elif label == "AMOUNT_MAX":
                    amounts.append(_first_number(span.text) / (10000 if "万" not in span.text else 1))
                elif label == "RATE":
                    rates.append(_first_number(span.text) / 100)
                elif label == "TAX_CREDIT":
                    levels = re.findall(r"[ABMCD](?=级)", span.text.replace(" ", ""))
                    conditions.append(ProposedCondition(ConditionType.TAX_CREDIT_LEVEL, span.text, evidence,
                                                        {"levels": sorted(set(levels))}))
                elif label == "DEADLINE":
                    deadline = parse_date(span.text) or deadline
                elif label == "ESTABLISHED_BEFORE":
                    date = parse_date(span.text)
                    if date:
                        cutoff = (datetime.date.fromisoformat(date) + datetime.timedelta(days=1)).isoformat()
                        conditions.append(ProposedCondition(ConditionType.ESTABLISHED, span.text, evidence,
                                                            {"before": cutoff}))
            conditions.extend(_term_conditions(evidence))
            if any(cue in evidence for cue in MANUAL_CUES):
                conditions.append(ProposedCondition(ConditionType.MANUAL, evidence, evidence))
        benefit = next((s.text.strip() for s in doc.sents if any(w in s.text for w in BENEFIT_WORDS)), passage)
        how = (HowObtained.AUTOMATIC if any(c in passage for c in AUTOMATIC_CUES)
               else HowObtained.FAST if any(c in passage for c in FAST_CUES)
               else HowObtained.APPLICATION if "申请" in passage or "申报" in passage else HowObtained.UNSTATED)
        phone = _PHONE.search(passage)
        return ProposedMeasure(
            document_id=document_id, title=heading, passage=passage, benefit=benefit,
            amount_wan=max(amounts) if amounts else None, rate=max(rates) if rates else None, how=how,
            conditions=tuple(_unique(conditions)), deadline=deadline, contact_phone=phone.group(1) if phone else "")


def _term_conditions(sentence: str) -> Iterator[ProposedCondition]:
    rest = sentence
    for term, sizes in SIZE_TERMS:
        if term in rest:
            yield ProposedCondition(ConditionType.SIZE_IN, f"企业规模为{'、'.join(s.value for s in sizes)}企业",
                                    sentence, {"sizes": [s.value for s in sizes]})
            break
    codes = [code for term, term_codes in INDUSTRY_TERMS if term in sentence for code in term_codes]
    if codes:
        yield ProposedCondition(ConditionType.INDUSTRY_IN, "所属行业：" + "、".join(dict.fromkeys(codes)), sentence,
                                {"industries": list(dict.fromkeys(codes))})
    for term, qualification in QUALIFICATION_TERMS:
        if term in sentence:
            yield ProposedCondition(ConditionType.QUALIFICATION, f"具有{qualification.value}资格", sentence,
                                    {"any_of": [qualification.value]})
    if "失信" in sentence:
        yield ProposedCondition(ConditionType.NO_SERIOUS_DISHONESTY, "无严重失信记录", sentence)


def _unique(conditions: list[ProposedCondition]) -> list[ProposedCondition]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for condition in conditions:
        key = (condition.type.value, repr(sorted(condition.fields.items())) or condition.text)
        if condition.type == ConditionType.MANUAL:
            key = (condition.type.value, condition.text)
        if key not in seen:
            seen.add(key)
            unique.append(condition)
    return unique


def _first_number(text: str) -> float:
    match = re.search(r"\d+(?:\.\d+)?", text.replace(" ", ""))
    return float(match.group()) if match else 0.0


@functools.cache
def matcher_patterns() -> dict[str, list[list[dict[str, Any]]]]:
    """spaCy Matcher patterns over jieba tokens (numbers are tokens of their own: 100 / 人 / 以上)."""
    number: dict[str, Any] = {"TEXT": {"REGEX": r"^\d+(\.\d+)?$"}}
    year, month_day = {"TEXT": {"REGEX": r"^(19|20)\d{2}$"}}, {"TEXT": {"REGEX": r"^\d{1,2}$"}}
    date: list[dict[str, Any]] = [year, {"TEXT": "年"}, month_day, {"TEXT": "月"}, month_day, {"TEXT": {"REGEX": r"^日"}}]
    return {
        "EMPLOYEES_MIN": [[{"TEXT": {"REGEX": r"(职工|员工|人数|用工|从业人员|在职)"}}, {"OP": "{0,3}"}, number,
                           {"TEXT": {"IN": ["人", "名"]}}, {"TEXT": {"IN": ["以上", "及以上"]}}]],
        "EMPLOYEES_MAX": [[{"TEXT": {"REGEX": r"(职工|员工|人数|用工|从业人员|在职)"}}, {"OP": "{0,3}"}, number,
                           {"TEXT": {"IN": ["人", "名"]}}, {"TEXT": {"IN": ["以下", "以内", "及以下"]}}]],
        "AMOUNT_MAX": [
            [{"TEXT": {"REGEX": r"^(最高|最多|不超过|上限)"}}, {"OP": "{0,3}"}, number, {"TEXT": {"IN": ["万元", "万", "元"]}}],
            [{"TEXT": {"REGEX": r"^(最高|最多)$"}}, {"TEXT": "不"}, {"TEXT": "超过"}, number, {"TEXT": {"IN": ["万元", "万", "元"]}}],
        ],
        "RATE": [[{"TEXT": {"REGEX": r"^\d+(\.\d+)?%$"}}], [number, {"TEXT": "%"}]],
        "TAX_CREDIT": [[{"TEXT": {"REGEX": "信用"}}, {"OP": "{0,3}"}, {"TEXT": {"IN": ["A", "B", "M"]}}, {"TEXT": "级"},
                        {"TEXT": {"IN": ["、", "和", "或"]}, "OP": "?"}, {"TEXT": {"IN": ["A", "B", "M"]}, "OP": "?"},
                        {"TEXT": "级", "OP": "?"}]],
        "DEADLINE": [[{"TEXT": {"REGEX": r"(截至|截止|之前|前|到|至)$"}}, *date]],
        "ESTABLISHED_BEFORE": [[*date, {"TEXT": {"REGEX": r"^(前|以前|之前)$"}, "OP": "?"},
                                {"TEXT": {"REGEX": r"(注册|成立|登记)"}}]],
    }


def provisions(text: str) -> list[tuple[str, str]]:
    """(heading, passage) of each numbered provision; the heading is its first clause."""
    starts = [match.start() for match in _PROVISION.finditer(text)]
    pieces = [text[a:b].strip() for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    result = []
    for piece in pieces:
        body = _PROVISION.sub("", piece, count=1).strip()
        if len(body) < 15:
            continue
        heading = re.split("|".join(re.escape(e) for e in [*SENTENCE_ENDINGS, "：", ":"]), body, maxsplit=1)[0]
        result.append((heading[:40], piece))
    return result
