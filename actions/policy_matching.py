"""The 政策计算器 in the chat: "我们公司能享受哪些政策" → a form that asks only what the candidate
measures need → the matching result as text and a ``policy_matches`` card → consent to save.

Thin over ``indexer.policy_matching``: the library decides which profile fields would decide an
open condition (``fields_to_ask``) and matches; this module turns slots into a profile and back,
reads the user's answers (typed or clicked) and words the replies.

Slots are text (``policy_<field>``); ``UNKNOWN`` records an answered "跳过"/"不清楚", so the form
does not ask again and matching treats the field as not known. The desk stores a consented profile
and sets the same slots through Rasa's tracker events API when the visitor returns (the bot knows
nothing of the desk: it only reads slots).
"""
from __future__ import annotations

import datetime
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from daofu_core.errors import DaofuError
from daofu_protocol import (
    Button,
    CustomPayload,
    MatchedCondition,
    MatchedMeasure,
    PolicyMatches,
    PolicyProfileField,
    SavedPolicyProfile,
)
from daofu_protocol.markers import POLICY_ANSWER_ENTITY, POLICY_ANSWER_INTENT, SAVE_POLICY_PROFILE_PAYLOAD
from daofu_protocol.policy_measures import published_measures_file
from daofu_protocol.policy_profile import SLOT_OF_FIELD, UNKNOWN_VALUE, profile_json
from indexer.policy_matching.errors import ProfileError
from indexer.policy_matching.industry import classification
from indexer.policy_matching.matching import MatchResult, MeasureMatch, fields_to_ask, match
from indexer.policy_matching.measures import SupportMeasure
from indexer.policy_matching.profile import (
    QUALIFICATION_ALIASES,
    EnterpriseProfile,
    Qualification,
    TaxCreditLevel,
    TaxpayerType,
    load_profile,
    region_parts,
)
from indexer.policy_matching.size import EnterpriseSize

logger = logging.getLogger(__name__)
FORM = "policy_profile_form"
UNKNOWN = UNKNOWN_VALUE
CANCELLED = "policy_cancelled"
SAVED = "policy_profile_saved"
# Profile field -> slot. ``size`` is the size the enterprise states (declared_size), used when the
# figures the standard needs are not known.
FIELD_SLOTS: dict[str, str] = dict(SLOT_OF_FIELD)
SLOT_FIELDS = {slot: field for field, slot in FIELD_SLOTS.items()}
UNAVAILABLE = "抱歉，政策匹配暂时不可用（政策措施库没有加载成功）。您可以直接问具体的政策，或者说“转人工”。"
SHOWN_MEASURES = 5  # the card lists this many; the text names how many more there are
SKIP_WORDS = ("跳过", "不清楚", "不知道", "不确定", "不方便", "不想说", "没统计", "保密", "略过")
CANCEL_WORDS = ("算了", "不用了", "不查了", "取消", "退出", "不问了", "结束")
YES = ("有", "是", "是的", "存在", "有的")
NO = ("没有", "无", "否", "不是", "没", "没有的", "无记录", "不存在")
# Everyday words for industries people name (the classification's own names are tried first).
INDUSTRY_WORDS: dict[str, str] = {
    "餐饮": "62", "饭店": "62", "餐馆": "62", "饭馆": "62", "餐厅": "62", "奶茶": "62", "小吃": "62",
    "住宿": "61", "酒店": "61", "宾馆": "61", "民宿": "61",
    "软件": "65", "信息技术": "65", "互联网": "64",
    "制造": "C", "工厂": "C", "工业": "C",
    "零售": "52", "超市": "52", "便利店": "52", "商店": "52",
    "批发": "51", "建筑": "E", "施工": "E", "物流": "G", "运输": "G", "快递": "60",
    "房地产": "K", "农业": "01", "种植": "01", "养殖": "03",
}
SIZE_WORDS: dict[str, tuple[EnterpriseSize, ...]] = {
    "小微": (EnterpriseSize.SMALL, EnterpriseSize.MICRO), "中小微": (EnterpriseSize.MEDIUM, EnterpriseSize.SMALL,
                                                                 EnterpriseSize.MICRO),
    "中小": (EnterpriseSize.MEDIUM, EnterpriseSize.SMALL, EnterpriseSize.MICRO),
    "大型": (EnterpriseSize.LARGE,), "中型": (EnterpriseSize.MEDIUM,), "小型": (EnterpriseSize.SMALL,),
    "微型": (EnterpriseSize.MICRO,), "个体": (EnterpriseSize.MICRO,),
}
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(亿|千万|百万|万|千|百)?")
_REGION = re.compile(r"([\u4e00-\u9fff]{2,7}?(?:省|自治区))?([\u4e00-\u9fff]{2,7}?市)?([\u4e00-\u9fff]{1,7}?(?:区|县))?")
# Words around a place name in a sentence ("我们是北京市海淀区的软件公司"): the place is between them.
_NOT_PLACE = re.compile(r"我们|我|公司|企业|单位|注册|位于|地址|是|在|的|于|做|有|，|,|。|、|；")
_DATE = re.compile(r"(\d{4})\s*[-年./]\s*(\d{1,2})?(?:\s*[-月./]\s*(\d{1,2}))?")
_QUALIFICATION_SPLIT = re.compile(r"[、，,;；\s和及]+")


# ------------------------------------------------------------------ the measures and the date

@dataclass(frozen=True)
class PolicyCatalog:
    measures: tuple[SupportMeasure, ...]
    as_of: datetime.date


class CatalogAccess:
    """Gives an action the measures and the date (injected in tests). Not an Action itself.

    Without an injected catalog it is read on every use (a few milliseconds): a changed measures
    file or DAOFU_POLICY_AS_OF applies without restarting the action server."""

    def __init__(self, catalog: PolicyCatalog | None = None) -> None:
        self._catalog = catalog

    @property
    def catalog(self) -> PolicyCatalog:
        return self._catalog if self._catalog is not None else default_catalog()


def default_catalog() -> PolicyCatalog:
    """The measures editors published (DAOFU_WORKSPACE_DIR), else the shipped ones, and
    DAOFU_POLICY_AS_OF (today when unset); read per call, so a publication or a changed date
    applies without restarting the action server."""
    from indexer.policy_matching.catalog import load_catalog
    from indexer.policy_matching.measures import load_measures
    from indexer.settings import IndexerSettings

    settings = IndexerSettings.from_env()
    published = published_measures_file(settings.workspace_dir)  # editors' published version, if any
    measures = load_measures([published]) if published else load_catalog(settings.knowledge_base_dir,
                                                                          check_sources=False)
    return PolicyCatalog(tuple(measures), settings.policy_date())


# ------------------------------------------------------------------ slots <-> profile

def profile_data(slots: Mapping[str, Any]) -> dict[str, Any]:
    """The profile JSON the slots hold (unknown and unset fields left out)."""
    return profile_json({field: slots.get(slot) for field, slot in FIELD_SLOTS.items()})


def profile_from_slots(slots: Mapping[str, Any], measures: Sequence[SupportMeasure] = ()) -> EnterpriseProfile:
    """The profile of the slots; a stated "小微" counts as 小型 when no measure's size condition tells
    小型 from 微型 (then the figures are asked instead). A slot that no longer validates (an old
    saved value) is dropped rather than failing the chat."""
    data = profile_data(slots)
    stated = [s for s in str(slots.get(FIELD_SLOTS["declared_size"]) or "").split("/") if s and s != UNKNOWN]
    if len(stated) > 1 and _sizes_equivalent(stated, measures):
        data["declared_size"] = stated[0]
    while True:
        try:
            return load_profile(data)
        except ProfileError as error:
            if error.field not in data:
                return EnterpriseProfile()
            data.pop(error.field)


def _sizes_equivalent(sizes: Sequence[str], measures: Sequence[SupportMeasure]) -> bool:
    for measure in measures:
        for condition in measure.conditions:
            wanted = getattr(condition, "sizes", None)
            if wanted is not None and len({size in wanted for size in sizes}) > 1:
                return False
    return True


def answered(slots: Mapping[str, Any]) -> set[str]:
    """Profile fields with a value or an answered 跳过/不清楚."""
    return {field for field, slot in FIELD_SLOTS.items() if slots.get(slot) not in (None, "")}


def slots_to_ask(slots: Mapping[str, Any], catalog: PolicyCatalog) -> list[str]:
    """The form's required slots now: the fields that would decide a condition of a measure still
    open, most measures first (the library's choice), less those already answered; none after a
    cancel."""
    if slots.get(CANCELLED):
        return []
    profile = profile_from_slots(slots, catalog.measures)
    done = answered(slots)
    wanted = [field for field in fields_to_ask(profile, catalog.measures, catalog.as_of) if field not in done]
    # The size is asked as figures (the standard's); a stated size word stands in for them only
    # when the enterprise skips them.
    return [FIELD_SLOTS[field] for field in wanted if field in FIELD_SLOTS]


# ------------------------------------------------------------------ reading answers

def is_skip(text: str) -> bool:
    return any(word in text for word in SKIP_WORDS)


def is_cancel(text: str) -> bool:
    return any(word in text for word in CANCEL_WORDS) and len(text) <= 12


def parse_number(text: str) -> float | None:
    """"30人" → 30, "500万" → 500 (万元 for amounts), "1.2亿" → 12000; None when no number."""
    found = _NUMBER.search(text.replace(",", "").replace("，", ""))
    if not found:
        return None
    value = float(found.group(1))
    unit = found.group(2)
    return value * {"亿": 10000, "千万": 1000, "百万": 100, "万": 1, "千": 0.1, "百": 0.01}.get(unit or "", 1)


def find_industry(text: str) -> str | None:
    """GB/T 4754 code the text names ("餐饮", "62 餐饮业", "做软件的"), or None."""
    value = text.strip()
    try:
        return classification().find(value).code
    except ProfileError:
        pass
    for word, code in INDUSTRY_WORDS.items():
        if word in value:
            return code
    return None


def find_region(text: str) -> str | None:
    """"北京市海淀区" / "海淀区" / "在泰州" → a region as the measures spell it, or None."""
    for chunk in _NOT_PLACE.split(re.sub(r"\s+", "", text)):
        found = _REGION.fullmatch(chunk) if chunk else None
        if found is not None and chunk.endswith(("省", "自治区", "市", "区", "县")):
            return chunk
    value = text
    for part in ("北京", "天津", "上海", "重庆"):
        if part in value:
            return part + "市"
    return None


def find_sizes(text: str) -> tuple[EnterpriseSize, ...] | None:
    for word, sizes in SIZE_WORDS.items():
        if word in text:
            return sizes
    return None


def parse_answer(field: str, text: str) -> tuple[str | None, str]:
    """(slot value, "") for an understood answer, (None, the Chinese reason) otherwise.
    跳过/不清楚 → ``UNKNOWN``."""
    value = text.strip()
    if is_skip(value) or value == UNKNOWN:
        return UNKNOWN, ""
    if field == "region":
        region = find_region(value)
        return (region, "") if region and region_parts(region) else (None, "请告诉我企业的注册地，例如“北京市海淀区”。")
    if field == "industry":
        code = find_industry(value)
        if code is None:
            return None, "没能识别这个行业，请说得具体些，例如“餐饮业”“软件和信息技术服务业”“零售业”。"
        return code, ""
    if field == "declared_size":
        stored = value.split("/")
        if all(part in EnterpriseSize.__members__.values() for part in stored):
            return value, ""  # a value this module stored (a prefilled "小型/微型", a saved profile)
        sizes = find_sizes(value)
        return ("/".join(s.value for s in sizes), "") if sizes else (None, "请选择企业规模：中型、小型或微型。")
    if field in ("employees", "revenue", "assets"):
        number = parse_number(value)
        if number is None or number < 0:
            unit = "人" if field == "employees" else "万元"
            return None, f"请回答一个数字（单位：{unit}），例如“30”；不清楚可以说“跳过”。"
        return (str(int(number)) if field == "employees" else _plain_number(number)), ""
    if field == "established":
        found = _DATE.search(value)
        if not found:
            return None, "请告诉我成立日期，例如“2015年6月”或“2015-06-01”。"
        year, month, day = int(found.group(1)), int(found.group(2) or 1), int(found.group(3) or 1)
        try:
            return datetime.date(year, month, day).isoformat(), ""
        except ValueError:
            return None, "这个日期不存在，请重新告诉我成立日期，例如“2015-06-01”。"
    if field == "taxpayer_type":
        for kind in TaxpayerType:
            if kind.value in value or kind.value[:2] in value:
                return kind.value, ""
        return None, "请选择纳税人类型：一般纳税人或小规模纳税人。"
    if field == "tax_credit_level":
        letters = re.findall(r"[ABMCDabmcd]", value)
        if len(letters) == 1:
            return TaxCreditLevel(letters[0].upper()).value, ""
        return None, "请回答纳税信用级别：A、B、M、C 或 D。"
    if field == "qualifications":
        if value in NO or value.startswith("没有") or value == "都没有":
            return "无", ""
        held: list[str] = []
        for part in _QUALIFICATION_SPLIT.split(value):
            qualification = QUALIFICATION_ALIASES.get(part) or next(
                (q for q in Qualification if part and (part == q.value or part in q.value)), None)
            if qualification is not None and qualification.value not in held:
                held.append(qualification.value)
        if not held:
            return None, "请选择企业的资质（高新技术企业、科技型中小企业、专精特新中小企业），没有请说“没有”。"
        return "、".join(held), ""
    if field == "serious_dishonesty":
        if value in NO or value.startswith(("没有", "无")):
            return "无", ""
        if value in YES:
            return "有", ""
        return None, "请回答“有”或“没有”。"
    return None, "请换个说法再说一次。"


def _plain_number(value: float) -> str:
    """12000.0 → "12000", 1234567.5 → "1234567.5" (never an exponent)."""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def answer_text(tracker: Tracker, slot_value: Any) -> str:
    """A clicked button carries its value as the ``policy_answer`` entity; typed text is the answer."""
    entity = next(tracker.get_latest_entity_values(POLICY_ANSWER_ENTITY), None)
    if entity:
        return str(entity)
    return str(slot_value or "")


def prefill(text: str) -> dict[str, str]:
    """Slots the question itself states: "我们是做餐饮的小微企业" → industry 62, size 小型/微型."""
    found: dict[str, str] = {}
    industry = next((code for word, code in INDUSTRY_WORDS.items() if word in text), None)
    if industry is not None:
        found[FIELD_SLOTS["industry"]] = industry
    sizes = find_sizes(text)
    if sizes is not None:
        found[FIELD_SLOTS["declared_size"]] = "/".join(size.value for size in sizes)
    region = find_region(text)
    if region is not None:
        found[FIELD_SLOTS["region"]] = region
    return found


# ------------------------------------------------------------------ the result

RESULT_WORDS = {"eligible": "符合", "possible": "可能符合", "unknown": "待确认", "ineligible": "不符合"}


def verdict(found: MeasureMatch) -> str:
    """eligible / possible (only 需人工确认 conditions left) / unknown / ineligible."""
    if found.result != MatchResult.UNKNOWN:
        return found.result.value
    open_types = {outcome.type for outcome in found.unknown}
    return "possible" if open_types == {"manual"} else "unknown"


def matched_measure(found: MeasureMatch) -> MatchedMeasure:
    measure = found.measure
    conditions: list[MatchedCondition] = [
        {"type": str(outcome.type), "text": outcome.text, "met": outcome.met, "evidence": outcome.evidence}
        for outcome in found.conditions]
    return {"id": measure.id, "policy_id": measure.policy_id, "title": measure.title,
            "level": measure.level.value if measure.level else "", "issuer": measure.issuer,
            "result": verdict(found), "conditions": conditions, "benefit": measure.benefit.text,
            "how": measure.how.value, "deadline": measure.deadline.isoformat() if measure.deadline else "",
            "where_to_apply": measure.where_to_apply, "contact_phone": measure.contact_phone}


def profile_summary(profile: EnterpriseProfile) -> str:
    data = profile.to_json()
    parts = [data.get("industry_name", ""), data.get("size") or "", data.get("region", "")]
    return " · ".join(part for part in parts if part) or "未提供企业信息"


def compose_result(profile: EnterpriseProfile, results: Sequence[MeasureMatch],
                   as_of: datetime.date, today: datetime.date) -> tuple[str, PolicyMatches]:
    """The reply text (for plain clients) and the card: measures that may apply first, with the
    conditions met, failed and open; expired measures are never among them."""
    verdicts = [(found, verdict(found)) for found in results]
    shown = [found for found, word in verdicts if word in ("eligible", "possible", "unknown")]
    counts = {word: sum(1 for _, w in verdicts if w == word) for word in RESULT_WORDS}
    expired = sum(1 for found in results
                  if any(c.type == "application_period" and c.met is False for c in found.conditions))
    lines = [f"根据您提供的企业信息（{profile_summary(profile)}），按 {as_of.isoformat()} 的政策执行期判断："]
    if as_of != today:
        lines[0] = lines[0].replace("判断：", f"判断（演示日期，不是今天 {today.isoformat()}）：")
    lines.append(f"符合 {counts['eligible']} 项，可能符合（另有条件需人工确认）{counts['possible']} 项，"
                 f"信息不足待确认 {counts['unknown']} 项，不符合 {counts['ineligible']} 项"
                 + (f"（其中 {expired} 项已过执行期）" if expired else "") + "。")
    if not shown:
        lines.append("目前没有找到您可能符合的政策" + ("：已收录的政策大多已过执行期。" if expired else "。")
                     + "可以说“转人工”咨询工作人员。")
    for rank, found in enumerate(shown[:SHOWN_MEASURES], start=1):
        measure = found.measure
        lines.append(f"{rank}. 【{RESULT_WORDS[verdict(found)]}】{measure.title}（{measure.how.value}）")
        lines.append(f"   {measure.benefit.text}")
        met = [c.text for c in found.met]
        open_ = [c.text for c in found.unknown]
        if met:
            lines.append("   已满足：" + "；".join(met))
        if open_:
            lines.append("   需确认：" + "；".join(open_))
    if len(shown) > SHOWN_MEASURES:
        lines.append(f"另有 {len(shown) - SHOWN_MEASURES} 项可能相关的政策，可以联系工作人员了解。")
    card: PolicyMatches = {
        "as_of": as_of.isoformat(), "profile_summary": profile_summary(profile),
        "measures": [matched_measure(found) for found in shown[:SHOWN_MEASURES]],
        "eligible": counts["eligible"], "possible": counts["possible"], "unknown": counts["unknown"],
        "ineligible": counts["ineligible"], "expired": expired, "more": max(0, len(shown) - SHOWN_MEASURES)}
    return "\n".join(lines), card


def saved_profile(slots: Mapping[str, Any]) -> SavedPolicyProfile:
    fields_: list[PolicyProfileField] = [{"name": field, "value": str(slots[slot])}
                                         for field, slot in FIELD_SLOTS.items() if slots.get(slot) not in (None, "")]
    return {"consent": True, "fields": fields_}


# ------------------------------------------------------------------ the actions

class ActionPolicyPrefill(Action):
    """Start of the flow: what the question states fills slots (an earlier or saved answer stays
    unless the question says otherwise); a previous cancel is cleared."""

    def name(self) -> str:
        return "action_policy_prefill"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        text = (tracker.latest_message or {}).get("text") or ""
        events: list[EventType] = [SlotSet(CANCELLED, None)]
        events += [SlotSet(slot, value) for slot, value in prefill(text).items()]
        return events


class ValidatePolicyProfileForm(CatalogAccess, FormValidationAction):
    """Asks only what the candidate measures need, one field at a time (dynamic required slots)."""

    def name(self) -> str:
        return f"validate_{FORM}"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        # The fields answered so far (validated by rasa-sdk when they change), then the one to ask
        # next: one question at a time, recomputed after each answer.
        filled = [slot for slot in domain_slots if slot in SLOT_FIELDS and tracker.slots.get(slot) is not None]
        try:
            catalog = self.catalog
        except DaofuError as error:
            logger.error("support measures not available: %s", error)
            return filled  # nothing to ask: action_policy_match says the measures are unavailable
        return filled + slots_to_ask(tracker.slots, catalog)[:1]

    async def _validate(self, field: str, slot_value: Any, dispatcher: CollectingDispatcher,
                        tracker: Tracker) -> dict[str, Any]:
        text = answer_text(tracker, slot_value)
        if is_cancel(text):
            dispatcher.utter_message(text="好的，不再询问了。")
            return {FIELD_SLOTS[field]: UNKNOWN, CANCELLED: True}
        value, problem = parse_answer(field, text)
        if value is None and text != str(slot_value or ""):
            # The entity NLU found in a typed answer may be the wrong span: the whole text may still do.
            value, problem = parse_answer(field, str(slot_value or ""))
        if value is None:
            dispatcher.utter_message(text=problem)
        return {FIELD_SLOTS[field]: value}

    async def validate_policy_region(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return await self._validate("region", slot_value, dispatcher, tracker)

    async def validate_policy_industry(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return await self._validate("industry", slot_value, dispatcher, tracker)

    async def validate_policy_size(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return await self._validate("declared_size", slot_value, dispatcher, tracker)

    async def validate_policy_employees(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return await self._validate("employees", slot_value, dispatcher, tracker)

    async def validate_policy_revenue(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return await self._validate("revenue", slot_value, dispatcher, tracker)

    async def validate_policy_assets(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return await self._validate("assets", slot_value, dispatcher, tracker)

    async def validate_policy_established(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                          tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return await self._validate("established", slot_value, dispatcher, tracker)

    async def validate_policy_taxpayer_type(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                            tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return await self._validate("taxpayer_type", slot_value, dispatcher, tracker)

    async def validate_policy_tax_credit_level(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                               tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return await self._validate("tax_credit_level", slot_value, dispatcher, tracker)

    async def validate_policy_qualifications(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                             tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return await self._validate("qualifications", slot_value, dispatcher, tracker)

    async def validate_policy_serious_dishonesty(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                                 tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return await self._validate("serious_dishonesty", slot_value, dispatcher, tracker)


class ActionPolicyMatch(CatalogAccess, Action):
    """The result once the form is done: text plus a ``policy_matches`` card, then the offer to
    save the profile (unless it came from a saved one or the user cancelled)."""

    def name(self) -> str:
        return "action_policy_match"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        from daofu_core.clock import today_in_china

        try:
            catalog = self.catalog
        except DaofuError as error:
            logger.error("support measures not available: %s", error)
            dispatcher.utter_message(text=UNAVAILABLE)
            return [SlotSet(CANCELLED, None)]
        profile = profile_from_slots(tracker.slots, catalog.measures)
        results = match(profile, catalog.measures, catalog.as_of)
        text, card = compose_result(profile, results, catalog.as_of, datetime.date.fromisoformat(today_in_china()))
        dispatcher.utter_message(text=text, json_message=CustomPayload(policy_matches=card).to_json())
        if not tracker.get_slot(SAVED) and profile_data(tracker.slots):
            buttons: list[Button] = [{"title": "保存企业信息", "payload": SAVE_POLICY_PROFILE_PAYLOAD},
                                     {"title": "不用保存", "payload": "/deny"}]
            dispatcher.utter_message(text="需要保存这些企业信息吗？保存后，下次在本浏览器咨询政策时无需重复填写，"
                                          "有免申即享的政策时也会提醒您（只保存地区、行业、规模等判断政策所需的信息）。",
                                     buttons=list(buttons))
        return [SlotSet(CANCELLED, None)]


class ActionPolicySaveProfile(Action):
    """The user agreed: the profile goes to the desk in a ``policy_profile`` payload (the desk
    stores it for this visitor and sets the slots again when the visitor returns)."""

    def name(self) -> str:
        return "action_policy_save_profile"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        saved = saved_profile(tracker.slots)
        if not saved["fields"]:
            dispatcher.utter_message(text="还没有可保存的企业信息。想知道能享受哪些政策，可以说“我们公司能享受哪些政策”。")
            return []
        dispatcher.utter_message(text="已保存企业信息，下次咨询政策时不再重复询问。",
                                 json_message=CustomPayload(policy_profile=saved).to_json())
        return [SlotSet(SAVED, True)]


def answer_payload(value: str) -> str:
    """A button's payload carrying the answer as the policy_answer entity."""
    return f"/{POLICY_ANSWER_INTENT}" + json.dumps({POLICY_ANSWER_ENTITY: value}, ensure_ascii=False)
