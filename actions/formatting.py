"""Replies built from knowledge records: a text for plain clients and a custom payload for the widget.

Payload schemas (documented in the README):
- ``{"item_card": {...}}``: a service item with its fields and source;
- ``{"policy_passage": {...}}``: the passage of a policy document that answers, with its source;
- ``{"handoff": {"reason", "summary", "candidates"}}``: the chat goes to a person;
- ``{"bundle": {"id", "name", "intro", "steps", "outside_catalog", "source"}}``: an integrated
  service (一件事) as the ordered items it takes, each step also a button to its item card.
- ``{"referral": {...}, "not_found": {...}}``: a matter the catalog lacks, with the department that
  usually handles it and the 12345 hotline.
Buttons use Rasa's own ``buttons`` list with ``/choose{"candidate_id": "..."}`` payloads.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from indexer.matters import HOTLINE, Referral
from indexer.records import Bundle, FaqEntry, PolicyDoc, SearchHit, ServiceItem

CATALOG_SOURCE = "广东省政务服务事项目录"
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

HANDOFF_REASONS = {
    "user_request": "用户要求转人工",
    "complaint": "用户投诉",
    "repeated_failure": "连续两次未找到答案",
    "bad_feedback": "用户对回答不满意",
    "out_of_scope": "问题超出机器人范围",
    "leave_message": "用户要留言",
    "timeout": "机器人未及时回复",
}


def time_limit_text(value: str) -> str:
    """'7(工作日)' -> '7个工作日'; other wording is kept."""
    match = _DAYS.match(value or "")
    if not match:
        return value
    unit = "个工作日" if match.group(2) == "工作日" else "天"
    return f"{match.group(1)}{unit}"


def item_source(item: ServiceItem) -> dict[str, str]:
    return {"catalog": CATALOG_SOURCE, "department": item.department, "url": item.url, "item_id": item.id}


def item_card(item: ServiceItem) -> dict[str, Any]:
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


def policy_passage(policy: PolicyDoc, passage: str) -> dict[str, Any]:
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


def candidate(hit: SearchHit) -> dict[str, Any]:
    return {"id": hit.id, "kind": hit.kind, "title": hit.title, "score": round(hit.score, 4)}


def choice_buttons(candidates: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    return [{"title": str(c["title"]), "payload": "/choose" + json.dumps({"candidate_id": c["id"]}, ensure_ascii=False)}
            for c in candidates]


def faq_answer(faq: FaqEntry) -> dict[str, Any]:
    return {"id": faq.id, "question": faq.question, "answer": faq.answer, "item_id": faq.item_id,
            "source": {"faq_id": faq.id, "title": "常见问题：" + faq.question}}


def faq_answer_text(faq: FaqEntry) -> str:
    return f"{faq.answer}\n（来源：常见问题“{faq.question}”，由知识库编辑整理）"


def bundle_answer(bundle: Bundle) -> dict[str, Any]:
    return {"id": bundle.id, "name": bundle.name, "intro": bundle.intro,
            "steps": [{"item_id": step.item_id, "title": step.title, "department": step.department, "note": step.note}
                      for step in bundle.steps],
            "outside_catalog": list(bundle.outside_catalog),
            "source": {"bundle_id": bundle.id, "title": "一件事：" + bundle.name, "catalog": CATALOG_SOURCE}}


def bundle_answer_text(bundle: Bundle) -> str:
    lines = [bundle.intro or f"办理“{bundle.name}”，按顺序需要办理以下事项（点选或回复序号可查看办事指南）："]
    for number, step in enumerate(bundle.steps, start=1):
        where = f"（{step.department}）" if step.department else ""
        lines.append(f"{number}. {step.title}{where}" + (f"：{step.note}" if step.note else ""))
    if bundle.outside_catalog:
        lines.append("以下环节不在本目录中，请向相应部门咨询：" + "；".join(bundle.outside_catalog))
    lines.append(f"来源：{CATALOG_SOURCE}；“一件事”由知识库编辑整理")
    return "\n".join(lines)


def bundle_candidates(bundle: Bundle) -> list[dict[str, Any]]:
    """The steps as clarification candidates: buttons, and "第二个" picks the second step."""
    return [{"id": step.item_id, "kind": "item", "title": step.title, "score": 1.0} for step in bundle.steps]


def not_found_payload(question: str, confidence: float) -> dict[str, Any]:
    """Marks a reply that found nothing (the desk counts these as knowledge gaps)."""
    return {"not_found": {"question": question, "confidence": round(float(confidence), 4)}}


def referral_payload(referral: Referral, confidence: float) -> dict[str, Any]:
    """A matter the catalog lacks: the department that usually handles it, and the hotline. Carries
    the not-found marker too, so the desk still lists the question among knowledge gaps."""
    matter = referral.matter
    return {"referral": {"matter_id": matter.id, "matter": matter.name, "variant": referral.variant,
                         "title": referral.title, "department": matter.department,
                         "catalog_department": matter.catalog_department, "where": matter.where,
                         "hotline": HOTLINE},
            **not_found_payload(referral.question, confidence)}


def handoff_payload(reason: str, summary: str, candidates: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    if reason not in HANDOFF_REASONS:
        raise ValueError(f"unknown handoff reason {reason!r}; expected one of {sorted(HANDOFF_REASONS)}")
    return {"handoff": {"reason": reason, "reason_text": HANDOFF_REASONS[reason], "summary": summary,
                        "candidates": [dict(c) for c in candidates]}}


def handoff_summary(reason: str, user_messages: Sequence[str], current_title: str | None,
                    candidates: Sequence[Mapping[str, Any]]) -> str:
    parts = [f"转人工原因：{HANDOFF_REASONS[reason]}"]
    if user_messages:
        parts.append("用户最近的问题：" + " / ".join(_shorten(m, 60) for m in user_messages[-3:]))
    if current_title:
        parts.append(f"正在咨询：{current_title}")
    if candidates:
        parts.append("机器人找到的候选：" + "、".join(str(c["title"]) for c in candidates[:3]))
    return "；".join(parts)


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
