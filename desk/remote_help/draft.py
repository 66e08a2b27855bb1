"""The shared application draft: the form's fields, what each accepts, and the rule for concurrent
edits (a version per field: a write names the version it was based on; a stale one is refused with
the value that won, so neither side's edit is lost silently).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from desk.errors import Conflict, DeskError
from indexer.policy_matching.credit_code import credit_code_problem
from indexer.records import ServiceItem

MAX_VALUE_CHARS = 500
_MOBILE_OR_LANDLINE = re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?)$")


@dataclass(frozen=True)
class DraftField:
    name: str  # the key in the API and the store
    label: str  # what the form and the PDF show
    hint: str = ""


# Every application form of the hall asks these; items add their own (``item_fields``).
COMMON_FIELDS: tuple[DraftField, ...] = (
    DraftField("applicant", "申请单位（企业名称）", "与营业执照一致"),
    DraftField("credit_code", "统一社会信用代码", "18位，如 91350100M000100Y43"),
    DraftField("legal_representative", "法定代表人"),
    DraftField("contact_name", "联系人"),
    DraftField("contact_phone", "联系电话", "手机号或带区号的固定电话"),
    DraftField("address", "地址", "住所或经营场所"),
)


class DraftInputError(DeskError):
    """A value the field does not accept (HTTP 422), said in Chinese."""

    code = "draft_input"
    status = 422


class StaleDraftField(Conflict):
    """The field changed since the writer read it (HTTP 409): the answer carries the value that won."""

    code = "draft_conflict"

    def __init__(self, message: str, current: dict[str, object]) -> None:
        super().__init__(message)
        self.current = current


def item_fields(item: ServiceItem) -> tuple[DraftField, ...]:
    """The item's own fields, where the catalog names them. The catalog's records carry no form of
    their own; what each item does name is where it is handled and whether it can be mailed, so the
    form asks for the chosen way of collecting the result where the item offers delivery."""
    if item.courier:
        return (DraftField("delivery", "结果领取方式", "窗口领取或邮寄（邮寄请写收件地址）"),)
    return ()


def fields_for(item: ServiceItem) -> tuple[DraftField, ...]:
    return (*COMMON_FIELDS, *item_fields(item))


def normalise_value(field: str, value: str) -> str:
    """The value to store, or DraftInputError saying what is wrong. An empty value clears the field."""
    text = value.strip()
    if len(text) > MAX_VALUE_CHARS:
        raise DraftInputError(f"内容太长（{len(text)} 字），请控制在 {MAX_VALUE_CHARS} 字以内")
    if not text:
        return ""
    if field == "credit_code":
        text = text.upper().replace(" ", "")
        problem = credit_code_problem(text)
        if problem is not None:
            raise DraftInputError(f"统一社会信用代码{problem}")
    elif field == "contact_phone":
        compact = text.replace(" ", "")
        if not _MOBILE_OR_LANDLINE.match(compact):
            raise DraftInputError("联系电话格式不正确：请填写11位手机号，或带区号的固定电话（如 0591-87654321）")
        text = compact
    return text
