"""Replies built from knowledge records: a text for plain clients and a custom payload for the widget.

The payloads' shapes are the contract module's (``daofu_protocol.payloads``; documented in
desk/PROTOCOL.md and the README): the ``*_message`` builders here fill them from knowledge records,
and the desk reads them back with ``daofu_protocol.parse_custom``.
Buttons use Rasa's own ``buttons`` list with ``/choose{"candidate_id": "..."}`` payloads.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from daofu_protocol import (
    CATALOG_NAME,
    REQUEST_HUMAN_PAYLOAD,
    BundleAnswer,
    Button,
    Candidate,
    CustomPayload,
    FaqAnswer,
    HandoffReason,
    HandoffRequest,
    ItemCard,
    ItemSource,
    NotFound,
    PolicyPassage,
    ReferralAnswer,
    choose_payload,
)
from indexer.matters import HOTLINE, Referral
from indexer.records import Bundle, FaqEntry, PolicyDoc, SearchHit, ServiceItem

CATALOG_SOURCE = CATALOG_NAME
MAX_CONDITIONS_CHARS = 160
MAX_PASSAGE_CHARS = 400
_DAYS = re.compile(r"^\s*(\d+)\s*[（(]\s*(工作日|自然日|日|天)\s*[)）]\s*$")

FIELD_LABELS = {
    "materials": "所需材料",
    "time": "办理时限",
    "location": "办理地点",
    "phone": "咨询电话",
    "basis": "办理依据和条件",
    "fee": "收费",
    "online": "网上办理",
}


def time_limit_text(value: str) -> str:
    """'7(工作日)' -> '7个工作日'; other wording is kept."""
    match = _DAYS.match(value or "")
    if not match:
        return value
    unit = "个工作日" if match.group(2) == "工作日" else "天"
    return f"{match.group(1)}{unit}"


def item_source(item: ServiceItem) -> ItemSource:
    return {"catalog": CATALOG_SOURCE, "department": item.department, "url": item.url, "item_id": item.id}


def item_card(item: ServiceItem) -> ItemCard:
    return {
        "id": item.id,
        "name": item.name,
        "department": item.department,
        "item_type": item.item_type,
        "promised_time_limit": time_limit_text(item.promised_time_limit),
        "statutory_time_limit": time_limit_text(item.statutory_time_limit),
        "materials": list(item.materials),
        "location": item.location,
        "consult_phone": item.consult_phone,
        "complaint_phone": item.complaint_phone,
        "basis": item.conditions,
        "url": item.url,
        "online_booking": item.online_booking,
        "courier": item.courier,
        "service_objects": list(item.service_objects),
        "source": item_source(item),
    }


def item_card_message(item: ServiceItem, field: str | None = None) -> dict[str, Any]:
    """The custom payload of an item's card; ``field`` when it answers a follow-up about one field."""
    return CustomPayload(item_card=item_card(item), field=field).to_json()


def item_card_text(item: ServiceItem) -> str:
    lines = [f"【{item.name}】", f"实施部门：{item.department}"]
    limits = _time_limits(item)
    if limits:
        lines.append(f"办理时限：{limits}")
    if item.materials:
        lines.append("所需材料：" + "；".join(f"{i}. {m}" for i, m in enumerate(item.materials, start=1)))
    else:
        lines.append("所需材料：目录未列出，请咨询办理部门")
    if item.location:
        lines.append(f"办理地点：{item.location}")
    if item.consult_phone:
        lines.append(f"咨询电话：{item.consult_phone}")
    if item.conditions:
        lines.append(f"依据和条件：{_shorten(item.conditions, MAX_CONDITIONS_CHARS)}")
    if item.url:
        lines.append(f"网上办理：{item.url}")
    lines.append(source_line_item(item))
    return "\n".join(lines)


def source_line_item(item: ServiceItem) -> str:
    return f"来源：{CATALOG_SOURCE}（{item.department}）"


def policy_passage(policy: PolicyDoc, passage: str) -> PolicyPassage:
    return {
        "id": policy.id,
        "title": policy.title,
        "issuer": policy.issuer,
        "doc_number": policy.doc_number,
        "date": policy.date,
        "passage": _shorten(passage, MAX_PASSAGE_CHARS),
        "source": {"document_id": policy.id, "title": policy.title, "issuer": policy.issuer,
                   "doc_number": policy.doc_number, "date": policy.date},
    }


def policy_passage_message(policy: PolicyDoc, passage: str) -> dict[str, Any]:
    return CustomPayload(policy_passage=policy_passage(policy, passage)).to_json()


def policy_passage_text(policy: PolicyDoc, passage: str) -> str:
    return f"根据《{policy.title}》：\n{_shorten(passage, MAX_PASSAGE_CHARS)}\n{source_line_policy(policy)}"


def source_line_policy(policy: PolicyDoc) -> str:
    details = "，".join(part for part in (policy.issuer, policy.doc_number, policy.date) if part)
    return f"来源：《{policy.title}》" + (f"（{details}）" if details else "")


def field_answer(item: ServiceItem, field: str) -> str:
    """A one-field answer about an item, naming the item and the source."""
    if field == "materials":
        body = ("需要准备以下材料：\n" + "\n".join(f"{i}. {m}" for i, m in enumerate(item.materials, start=1))
                if item.materials else "目录没有列出所需材料，请咨询办理部门。")
    elif field == "time":
        limits = _time_limits(item)
        body = f"办理时限：{limits}。" if limits else "目录没有写明办理时限，请咨询办理部门。"
    elif field == "location":
        body = f"办理地点：{item.location}。" if item.location else "目录没有写明办理地点，请咨询办理部门。"
        if item.url:
            body += f"\n也可以网上办理：{item.url}"
    elif field == "phone":
        parts = []
        if item.consult_phone:
            parts.append(f"咨询电话：{item.consult_phone}")
        if item.complaint_phone:
            parts.append(f"监督投诉电话：{item.complaint_phone}")
        body = "；".join(parts) + "。" if parts else "目录没有写明咨询电话。"
    elif field == "basis":
        body = (f"办理依据和条件：{_shorten(item.conditions, 2 * MAX_CONDITIONS_CHARS)}" if item.conditions
                else "目录没有写明办理依据，请咨询办理部门。")
    elif field == "fee":
        mention = _fee_mention(item.conditions)
        body = (f"目录中的相关说明：{mention}" if mention
                else "目录没有列出收费信息；政务服务事项一般不收费，具体请以办理部门答复为准"
                     + (f"（咨询电话 {item.consult_phone}）" if item.consult_phone else "") + "。")
    elif field == "online":
        options = []
        if item.url:
            options.append(f"网上办理入口：{item.url}")
        if item.online_booking:
            options.append("支持网上预约")
        if item.courier:
            options.append("支持快递送达")
        body = "；".join(options) + "。" if options else "目录没有写明网上办理方式，请咨询办理部门。"
    else:
        raise ValueError(f"unknown field {field!r}; expected one of {sorted(FIELD_LABELS)}")
    return f"【{item.name}】{FIELD_LABELS[field]}\n{body}\n{source_line_item(item)}"


def candidate(hit: SearchHit) -> Candidate:
    return {"id": hit.id, "kind": hit.kind, "title": hit.title, "score": round(hit.score, 4)}


def choice_buttons(candidates: Sequence[Mapping[str, Any]]) -> list[Button]:
    return [{"title": str(c["title"]), "payload": choose_payload(c["id"])} for c in candidates]


def request_human_button() -> Button:
    """The 转人工 button offered with a referral."""
    return {"title": "转人工", "payload": REQUEST_HUMAN_PAYLOAD}


def faq_answer(faq: FaqEntry) -> FaqAnswer:
    return {"id": faq.id, "question": faq.question, "answer": faq.answer, "item_id": faq.item_id,
            "source": {"faq_id": faq.id, "title": "常见问题：" + faq.question}}


def faq_message(faq: FaqEntry) -> dict[str, Any]:
    return CustomPayload(faq=faq_answer(faq)).to_json()


def faq_answer_text(faq: FaqEntry) -> str:
    return f"{faq.answer}\n（来源：常见问题“{faq.question}”，由知识库编辑整理）"


def bundle_answer(bundle: Bundle) -> BundleAnswer:
    return {"id": bundle.id, "name": bundle.name, "intro": bundle.intro,
            "steps": [{"item_id": step.item_id, "title": step.title, "department": step.department, "note": step.note}
                      for step in bundle.steps],
            "outside_catalog": list(bundle.outside_catalog),
            "source": {"bundle_id": bundle.id, "title": "一件事：" + bundle.name, "catalog": CATALOG_SOURCE}}


def bundle_message(bundle: Bundle) -> dict[str, Any]:
    return CustomPayload(bundle=bundle_answer(bundle)).to_json()


def bundle_answer_text(bundle: Bundle) -> str:
    lines = [bundle.intro or f"办理“{bundle.name}”，按顺序需要办理以下事项（点选或回复序号可查看办事指南）："]
    for number, step in enumerate(bundle.steps, start=1):
        where = f"（{step.department}）" if step.department else ""
        lines.append(f"{number}. {step.title}{where}" + (f"：{step.note}" if step.note else ""))
    if bundle.outside_catalog:
        lines.append("以下环节不在本目录中，请向相应部门咨询：" + "；".join(bundle.outside_catalog))
    lines.append(f"来源：{CATALOG_SOURCE}；“一件事”由知识库编辑整理")
    return "\n".join(lines)


def bundle_candidates(bundle: Bundle) -> list[Candidate]:
    """The steps as clarification candidates: buttons, and "第二个" picks the second step."""
    return [{"id": step.item_id, "kind": "item", "title": step.title, "score": 1.0} for step in bundle.steps]


def not_found(question: str, confidence: float) -> NotFound:
    return {"question": question, "confidence": round(float(confidence), 4)}


def not_found_payload(question: str, confidence: float) -> dict[str, Any]:
    """Marks a reply that found nothing (the desk counts these as knowledge gaps)."""
    return CustomPayload(not_found=not_found(question, confidence)).to_json()


def referral_payload(referral: Referral, confidence: float) -> dict[str, Any]:
    """A matter the catalog lacks: the department that usually handles it, and the hotline. Carries
    the not-found marker too, so the desk still lists the question among knowledge gaps."""
    matter = referral.matter
    answer: ReferralAnswer = {"matter_id": matter.id, "matter": matter.name, "variant": referral.variant,
                              "title": referral.title, "department": matter.department,
                              "catalog_department": matter.catalog_department, "where": matter.where,
                              "hotline": HOTLINE}
    return CustomPayload(referral=answer, not_found=not_found(referral.question, confidence)).to_json()


def handoff_payload(reason: HandoffReason | str, summary: str,
                    candidates: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    known = _reason(reason)
    request: HandoffRequest = {"reason": known.value, "reason_text": known.label, "summary": summary,
                               "candidates": [_as_candidate(c) for c in candidates]}
    return CustomPayload(handoff=request).to_json()


def handoff_summary(reason: HandoffReason | str, user_messages: Sequence[str], current_title: str | None,
                    candidates: Sequence[Mapping[str, Any]]) -> str:
    parts = [f"转人工原因：{_reason(reason).label}"]
    if user_messages:
        parts.append("用户最近的问题：" + " / ".join(_shorten(m, 60) for m in user_messages[-3:]))
    if current_title:
        parts.append(f"正在咨询：{current_title}")
    if candidates:
        parts.append("机器人找到的候选：" + "、".join(str(c["title"]) for c in candidates[:3]))
    return "；".join(parts)


def _reason(reason: HandoffReason | str) -> HandoffReason:
    known = HandoffReason.parse(reason)
    if known is None:
        raise ValueError(f"unknown handoff reason {reason!r}; expected one of {[r.value for r in HandoffReason]}")
    return known


def _as_candidate(found: Mapping[str, Any]) -> Candidate:
    """A candidate from the ``candidates`` slot (tracker data) in the contract's shape, so the desk
    never drops a handoff over a slot value of another type."""
    return {"id": str(found.get("id") or ""), "kind": str(found.get("kind") or ""),
            "title": str(found.get("title") or ""), "score": float(found.get("score") or 0.0)}


def _time_limits(item: ServiceItem) -> str:
    promised = time_limit_text(item.promised_time_limit)
    statutory = time_limit_text(item.statutory_time_limit)
    if promised and statutory and promised != statutory:
        return f"承诺{promised}（法定{statutory}）"
    return f"承诺{promised}" if promised else (f"法定{statutory}" if statutory else "")


def _fee_mention(text: str) -> str:
    for sentence in re.split(r"(?<=[。;;])", text or ""):
        if "收费" in sentence or "免费" in sentence or "费用" in sentence:
            return sentence.strip()
    return ""


def _shorten(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
