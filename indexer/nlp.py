"""spaCy where it fits: a blank Chinese pipeline (jieba segmenter, the shared user dictionary),
a sentencizer for chunk boundaries, and an EntityRuler that finds organisations, regions,
document numbers (文号) and dates so a policy document's issuer, number and date can be filled.
"""
from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from indexer.records import PolicyDoc
from indexer.tokenize import get_jieba

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.pipeline import EntityRuler
    from spacy.tokens import Doc, Span

SENTENCE_ENDINGS = ["。", "！", "？", "；", "!", "?", ";", "\n"]
HAN = r"[\u4e00-\u9fff]"
_OPEN = ["〔", "[", "(", "【", "﹝", "［"]
_CLOSE = ["〕", "]", ")", "】", "﹞", "］"]

# National organs that issue most policy documents; the catalog only knows Guangdong's departments.
NATIONAL_ORGANS = (
    "国务院", "国务院办公厅", "国务院应对新型冠状病毒感染的肺炎疫情联防联控机制", "国家发展改革委", "国家发展和改革委员会",
    "教育部", "科技部", "工业和信息化部", "公安部", "民政部", "司法部", "财政部", "人力资源社会保障部",
    "人力资源和社会保障部", "自然资源部", "生态环境部", "住房城乡建设部", "住房和城乡建设部", "交通运输部",
    "水利部", "农业农村部", "商务部", "文化和旅游部", "国家卫生健康委", "国家卫生健康委员会", "退役军人事务部",
    "应急管理部", "中国人民银行", "人民银行", "审计署", "国务院国资委", "海关总署", "国家税务总局",
    "国家市场监督管理总局", "市场监管总局", "国家医疗保障局", "国家医保局", "国家统计局", "国家知识产权局",
    "国家药监局", "国家药品监督管理局", "中国银保监会", "中国银行保险监督管理委员会", "中国证监会", "国家外汇管理局",
    "国家能源局", "国家林草局", "国家铁路局", "中国民用航空局", "国家邮政局", "全国总工会", "国家移民管理局",
)
PROVINCES = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建",
    "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海",
    "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门",
)
_ORGAN_SUFFIX = r"(人民政府|人民政府办公厅|办公厅|办公室|委员会|管理局|总局|监督管理局|厅|局|部|委|署|银行)$"
_CITATION_BEFORE = re.compile(r"[》\"”]\s*[(（]?\s*$")
_LEADING_FILLER = re.compile(r"^(根据|按照|依据|依照|参照|详见|见|印发|转发|执行|落实|关于|文件|通知|意见|办法|和|及|以及)+")
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_DATE_PARTS = re.compile(r"(?P<y>(?:19|20)\d{2}|[〇零一二三四五六七八九]{4})\s*年\s*(?P<m>\d{1,2}|[一二三四五六七八九十]{1,2})\s*月\s*(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*日")
_DATE_DASHED = re.compile(r"(?P<y>(?:19|20)\d{2})[-./](?P<m>\d{1,2})[-./](?P<d>\d{1,2})")
HEAD_CHARS = 300  # where a document states its own number or date
TAIL_CHARS = 200  # where the signature block (issuer, date) is


@dataclass(frozen=True)
class PolicyMetadata:
    issuer: str = ""
    doc_number: str = ""
    date: str = ""


class PolicyAnnotator:
    """Sentences and metadata of policy texts. Build once per build; reuse for every document."""

    def __init__(self, departments: Iterable[str] = (), regions: Iterable[str] = (),
                 user_dictionary: Path | None = None) -> None:
        self._departments = sorted({d.strip() for d in departments if d and d.strip()})
        self._regions = sorted({r.strip() for r in regions if r and r.strip()})
        self._user_dictionary = user_dictionary
        self._nlp: Language | None = None

    @property
    def nlp(self) -> Language:
        if self._nlp is None:
            self._nlp = build_pipeline(self._departments, self._regions, self._user_dictionary)
        return self._nlp

    def sentences(self, text: str) -> list[tuple[int, str]]:
        """(character offset, sentence) pairs; sentences end at 。！？；, newlines or the text's end."""
        doc = self.nlp.make_doc(text)
        doc = self.nlp.get_pipe("sentencizer")(doc)
        return [(sent.start_char, sent.text) for sent in doc.sents if sent.text.strip()]

    def metadata(self, title: str, body: str) -> PolicyMetadata:
        head = body[:HEAD_CHARS]
        tail = body[-TAIL_CHARS:] if len(body) > HEAD_CHARS else ""
        head_doc = self.nlp(title + "\n" + head)
        tail_doc = self.nlp(tail) if tail else None
        return PolicyMetadata(
            issuer=_issuer(head_doc, tail_doc, len(title)),
            doc_number=_own_doc_number(head_doc),
            date=_date(head_doc, tail_doc),
        )

    def annotate(self, policy: PolicyDoc) -> PolicyDoc:
        """The document with issuer, number and date filled where they were empty and can be found."""
        found = self.metadata(policy.title, policy.body)
        return dataclasses.replace(
            policy,
            issuer=policy.issuer or found.issuer,
            doc_number=policy.doc_number or found.doc_number,
            date=policy.date or found.date,
        )


def build_pipeline(departments: Sequence[str], regions: Sequence[str],
                   user_dictionary: Path | None = None) -> Language:
    import spacy

    get_jieba(user_dictionary)  # spaCy's jieba segmenter uses the process-wide jieba
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    nlp.add_pipe("sentencizer", config={"punct_chars": SENTENCE_ENDINGS})
    # spaCy types add_pipe's result as any pipe; the "entity_ruler" factory makes an EntityRuler
    ruler = cast("EntityRuler", nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH", "overwrite_ents": True}))
    ruler.add_patterns(entity_patterns(departments, regions))
    return nlp


def entity_patterns(departments: Sequence[str], regions: Sequence[str]) -> list[dict[str, Any]]:
    patterns: list[dict[str, Any]] = []
    for name in (*departments, *NATIONAL_ORGANS):
        patterns.append({"label": "ORG", "pattern": name})
    for region in (*regions, *PROVINCES):
        patterns.append({"label": "GPE", "pattern": region})
    # Organs not listed: a region word followed by up to three words ending in an organ suffix.
    patterns.append({"label": "ORG", "pattern": [
        {"TEXT": {"REGEX": f"^{HAN}{{1,6}}(省|市|区|县|自治区|州)$"}},
        {"TEXT": {"REGEX": f"^{HAN}+$"}, "OP": "{0,3}"},
        {"TEXT": {"REGEX": _ORGAN_SUFFIX}},
    ]})
    # 文号: 国办发〔2020〕6号, 粤府办〔2020〕12号, 财税〔2020〕8号 (jieba splits them into words).
    issuer_code = {"TEXT": {"REGEX": f"^{HAN}{{1,6}}$"}}
    number_tail = [
        {"TEXT": {"IN": _OPEN}}, {"TEXT": {"REGEX": r"^(19|20)\d{2}$"}}, {"TEXT": {"IN": _CLOSE}},
        {"TEXT": {"REGEX": r"^\d{1,4}$"}}, {"TEXT": "号"},
    ]
    patterns.append({"label": "DOC_NUMBER", "pattern": [issuer_code, *number_tail]})
    patterns.append({"label": "DOC_NUMBER", "pattern": [issuer_code, issuer_code, *number_tail]})
    # 国家税务总局公告2020年第4号
    patterns.append({"label": "DOC_NUMBER", "pattern": [
        {"TEXT": {"REGEX": f"^{HAN}{{2,12}}$"}}, {"TEXT": "公告"}, {"TEXT": {"REGEX": r"^(19|20)\d{2}$"}},
        {"TEXT": "年"}, {"TEXT": "第"}, {"TEXT": {"REGEX": r"^\d{1,4}$"}}, {"TEXT": "号"},
    ]})
    patterns.append({"label": "DATE", "pattern": [
        {"TEXT": {"REGEX": r"^(19|20)\d{2}$"}}, {"TEXT": "年"}, {"TEXT": {"REGEX": r"^\d{1,2}$"}},
        {"TEXT": "月"}, {"TEXT": {"REGEX": r"^\d{1,2}$"}}, {"TEXT": "日"},
    ]})
    patterns.append({"label": "DATE", "pattern": [
        {"TEXT": {"REGEX": r"^(19|20)\d{2}$"}}, {"TEXT": {"IN": ["-", "/", "."]}}, {"TEXT": {"REGEX": r"^\d{1,2}$"}},
        {"TEXT": {"IN": ["-", "/", "."]}}, {"TEXT": {"REGEX": r"^\d{1,2}$"}},
    ]})
    # Signature dates are often in Chinese numerals: 二〇二〇年二月四日 (jieba keeps parts together).
    patterns.append({"label": "DATE", "pattern": [
        {"TEXT": {"REGEX": r"^[〇零一二三四五六七八九]{4}年?$"}}, {"TEXT": "年", "OP": "?"},
        {"TEXT": {"REGEX": r"^[一二三四五六七八九十]{1,2}月?$"}}, {"TEXT": "月", "OP": "?"},
        {"TEXT": {"REGEX": r"^[一二三四五六七八九十]{1,3}日?$"}}, {"TEXT": "日", "OP": "?"},
    ]})
    return patterns


def _own_doc_number(doc: Doc) -> str:
    for ent in doc.ents:
        if ent.label_ != "DOC_NUMBER":
            continue
        before = doc.text[max(0, ent.start_char - 3):ent.start_char]
        if _CITATION_BEFORE.search(before):
            continue  # a number cited after 《title》 belongs to another document
        return _LEADING_FILLER.sub("", ent.text.replace(" ", ""))
    return ""


def _issuer(head: Doc, tail: Doc | None, title_length: int) -> str:
    if tail is not None:
        organisations = [ent for ent in tail.ents if ent.label_ == "ORG" and not _is_addressee(tail, ent)]
        if organisations:
            return organisations[-1].text.replace(" ", "")
    for ent in head.ents:
        if ent.label_ != "ORG" or _is_addressee(head, ent):
            continue
        if ent.start_char == 0 or ent.start_char > title_length:
            return ent.text.replace(" ", "")
    return ""


def _is_addressee(doc: Doc, ent: Span) -> bool:
    # "各区商务局", "各有关单位": the people a notice is sent to, not its issuer.
    return doc.text[max(0, ent.start_char - 1):ent.start_char] == "各" or ent.text.startswith("各")


_PERIOD_BEFORE = ("有效期至", "有效期到", "执行至", "执行到", "截至", "截止", "至", "自", "从")
_PERIOD_AFTER = ("起施行", "起实施", "起执行", "起生效", "止", "为止", "前", "以前", "之前")


def _is_period_date(doc: Doc, ent: Span) -> bool:
    before = doc.text[max(0, ent.start_char - 4):ent.start_char].strip()
    after = doc.text[ent.end_char:ent.end_char + 3].strip()
    return before.endswith(_PERIOD_BEFORE) or after.startswith(_PERIOD_AFTER)


def _date(head: Doc, tail: Doc | None) -> str:
    for doc, reverse in ((tail, True), (head, False)):
        if doc is None:
            continue
        # A date that ends a validity period or starts one (有效期至…, 自…起施行) is not the issue date.
        dates: list[Span] = [ent for ent in doc.ents if ent.label_ == "DATE" and not _is_period_date(doc, ent)]
        for ent in reversed(dates) if reverse else dates:
            parsed = parse_date(ent.text)
            if parsed:
                return parsed
    return ""


def parse_date(text: str) -> str:
    """ISO date of ``2020年2月4日``, ``二〇二〇年二月四日`` or ``2020-02-04``; '' if not a valid date."""
    text = text.replace(" ", "")
    match = _DATE_PARTS.search(text) or _DATE_DASHED.search(text)
    if not match:
        return ""
    try:
        value = datetime.date(_number(match["y"]), _number(match["m"]), _number(match["d"]))
    except ValueError:
        return ""
    return value.isoformat()


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if len(text) == 4:  # a year written digit by digit: 二〇二〇
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    if "十" in text:  # 十, 十二, 二十, 二十一
        tens, _, units = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    return _CN_DIGITS[text]
