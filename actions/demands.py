"""Demands (诉求) in the chat: the bot offers the demand form (intent ``file_demand``) or the lookup
form (intent ``track_demand``); the widget renders them from the custom payload and files or looks
the demand up with the desk (desk/PROTOCOL.md "Demands"). The bot never files anything itself: the
enterprise fills in and confirms the form, consent included.

``suggest_category`` is pure: the category the words of a demand point to, shown preselected in the
form (the enterprise can change it).
"""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from daofu_protocol import DemandCategory, demand_form_payload, demand_track_payload

# Words that name a category outright ("我要投诉…", "提个建议"); the first category in this order that
# is named wins (a report of wrongdoing is graver than a complaint, a complaint than a suggestion).
_NAMED: tuple[tuple[DemandCategory, tuple[str, ...]], ...] = (
    (DemandCategory.REPORT, ("举报", "检举", "揭发", "举报信")),
    (DemandCategory.COMPLAINT, ("投诉", "投訴")),
    (DemandCategory.SUGGESTION, ("建议", "建議", "提个意见", "提点意见", "提意见", "意见建议")),
    (DemandCategory.HELP, ("求助", "求救")),
    (DemandCategory.CONSULTATION, ("咨询", "諮詢", "请问", "想问")),
)
# Cues when no category is named, in the same order of precedence: wrongdoing → 举报; staff or
# window behaviour → 投诉; "希望/能否增加" → 建议; something stuck or unpaid → 求助 (the enterprise
# wants it moving: 催办); anything else is a 咨询.
_CUES: tuple[tuple[DemandCategory, tuple[str, ...]], ...] = (
    (DemandCategory.REPORT, ("吃拿卡要", "受贿", "索贿", "行贿", "收红包", "回扣", "违法", "违规经营", "无证经营",
                             "非法", "偷排", "偷税", "造假", "假冒", "虚开发票", "骗取补贴", "骗补")),
    (DemandCategory.COMPLAINT, ("态度", "不耐烦", "刁难", "推诿", "踢皮球", "不作为", "乱收费", "不理人", "骂",
                                "玩手机", "不满意", "太差", "太慢", "失职", "故意")),
    (DemandCategory.SUGGESTION, ("希望", "能否增加", "能不能增加", "可以增加", "最好能", "应该", "优化", "改进",
                                 "提议", "呼吁")),
    (DemandCategory.HELP, ("还没办下来", "没办下来", "还没批", "没到账", "未到账", "没发放", "未发放", "拖欠",
                           "卡住", "卡了", "卡在", "一直没", "迟迟", "没有消息", "没消息", "没人管", "帮帮", "帮忙",
                           "困难", "急需", "怎么办", "没批下来", "不给办", "办不下来")),
)

# A tracking number as the desk prints it (16 Crockford base-32 characters in four groups; typed
# with or without dashes or spaces). The desk forgives case and O/0, I/L/1 itself.
_TRACKING_NUMBER = re.compile(r"(?<![0-9A-Za-z])((?:[0-9A-Za-z]{4}[-\s]?){3}[0-9A-Za-z]{4})(?![0-9A-Za-z])")

FORM_TEXT = ("可以为您登记诉求，由相关部门在规定的工作日内办理并答复。请在下面的表单里补充情况、"
             "企业名称和联系方式，确认后提交；提交后会告诉您诉求编号，可凭编号和手机号后四位查询进度。")
TRACK_TEXT = "请输入诉求编号和登记时所留联系电话的后四位，查询办理进度和答复。"


COMPLAINT_FORM_TEXT = ("如需由责任部门限期办理并答复，也可以在下面直接登记诉求（提交后会告诉您诉求编号，"
                       "可凭编号和手机号后四位查询进度）。")


def suggest_category(text: str, default: DemandCategory = DemandCategory.CONSULTATION) -> DemandCategory:
    """The category ``text`` suggests: a category it names, else the strongest cue, else ``default``."""
    for category, words in _NAMED:
        if any(word in text for word in words):
            return category
    for category, words in _CUES:
        if any(word in text for word in words):
            return category
    return default


def offer_form_after_complaint(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """A complaint ("营业执照变更一个月了还没办下来") is a demand too: besides the person it goes to, the
    enterprise may file it for a department to handle under a deadline."""
    draft = demand_draft(tracker)
    dispatcher.utter_message(text=COMPLAINT_FORM_TEXT,
                             json_message=demand_form_payload(suggest_category(draft, DemandCategory.COMPLAINT), draft))


def tracking_number_in(text: str) -> str:
    """The tracking number typed in ``text`` (upper case, as typed otherwise), or ""."""
    found = _TRACKING_NUMBER.search(text or "")
    if found is None or not any(char.isdigit() for char in found.group(1)):
        return ""  # sixteen letters in a row are English words, not a number
    return found.group(1).upper()


def demand_draft(tracker: Tracker) -> str:
    """The user's latest message as typed, the form's first draft (a button payload is no draft).
    The user event keeps the typed text; ``latest_message`` holds what the NLU parsed, normalised
    (full-width "：" as ":", traditional characters as simplified)."""
    typed = next((event.get("text") for event in reversed(tracker.events) if event.get("event") == "user"), None)
    text = str(typed or (tracker.latest_message or {}).get("text") or "").strip()
    return "" if text.startswith("/") else text


class ActionOfferDemandForm(Action):
    def name(self) -> str:
        return "action_offer_demand_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        draft = demand_draft(tracker)
        dispatcher.utter_message(text=FORM_TEXT, json_message=demand_form_payload(suggest_category(draft), draft))
        return []


class ActionOfferDemandTrack(Action):
    def name(self) -> str:
        return "action_offer_demand_track"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        number = tracking_number_in(demand_draft(tracker))
        dispatcher.utter_message(text=TRACK_TEXT, json_message=demand_track_payload(number))
        return []
