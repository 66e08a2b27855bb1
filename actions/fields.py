"""Which field of an item a question asks for: materials, time, location, phone, basis, fee, online.

The NLU's ``asked_field`` entity (CRFEntityExtractor) is used when it is one of the known values; otherwise keywords decide
(the entity spans are short and often partial, so keywords are the dependable part).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

FIELDS = ("materials", "time", "location", "phone", "basis", "fee", "online")

# Checked in this order: the first field with a keyword in the question wins.
FIELD_KEYWORDS: dict[str, tuple[str, ...]] = {
    "fee": ("收费", "费用", "要钱", "多少钱", "免费", "交钱", "花钱", "收钱", "工本费"),
    "phone": ("电话", "热线", "联系方式", "号码", "打给谁", "咨询谁", "投诉"),
    "online": ("网上", "线上", "网办", "在线", "手机上", "小程序", "粤省事", "不用跑", "跑一次", "预约", "邮寄", "快递"),
    "materials": ("材料", "资料", "证件", "带什么", "带啥", "准备什么", "准备啥", "提交什么", "交什么", "清单", "文件"),
    "time": ("多久", "几天", "多长时间", "时限", "期限", "多少天", "什么时候能", "啥时候", "工作日", "时间"),
    "location": ("在哪", "哪里办", "哪儿", "地址", "地点", "窗口", "去哪", "在什么地方", "哪个部门", "找谁办", "位置"),
    "basis": ("依据", "法规", "规定", "条件", "法律", "根据什么", "政策依据", "凭什么", "要求"),
}


def detect_field(text: str, entities: Iterable[Mapping[str, Any]] = ()) -> str | None:
    """The field a question asks for, or None when it asks for none of them."""
    for entity in entities:
        if entity.get("entity") == "asked_field" and entity.get("value") in FIELDS:
            return str(entity["value"])
    return keyword_field(text)


def keyword_field(text: str) -> str | None:
    for field, keywords in FIELD_KEYWORDS.items():
        if any(keyword in text for keyword in keywords):
            return field
    return None


def strip_field_words(text: str) -> str:
    """The question without field keywords and filler: what is left names the service, if anything."""
    remainder = text
    for keywords in FIELD_KEYWORDS.values():
        for keyword in keywords:
            remainder = remainder.replace(keyword, "")
    for filler in ("需要", "什么", "哪些", "怎么", "请问", "那个", "这个", "那", "呢", "吗", "啊", "要", "办理", "办", "的",
                   "?", "?", "!", "。", ",", " "):
        remainder = remainder.replace(filler, "")
    return remainder
