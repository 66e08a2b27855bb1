"""Unified social credit code (统一社会信用代码) checks: GB 32100-2015, with the organisation code in
positions 9-17 checked per GB 11714-1997.
"""
from __future__ import annotations

# GB 32100-2015 table 1: the 31 characters in value order (I, O, Z, S and V are not used).
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {char: value for value, char in enumerate(CHARSET)}
# Weight of position i (0-based) is 3^i mod 31.
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
# GB 11714: weights of the 8 body characters of an organisation code; letters count 10 (A) to 35 (Z).
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_check_char(first17: str) -> str:
    """The 18th character for the first 17 (``ValueError`` on a character outside the set)."""
    total = sum(_VALUE[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def org_check_char(body8: str) -> str:
    """GB 11714 check character of an 8-character organisation code body: 0-9 or X."""
    total = sum(_org_value(char) * weight for char, weight in zip(body8, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def _org_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    return ord(char) - ord("A") + 10


def credit_code_problem(code: str) -> str | None:
    """None for a valid code; otherwise what is wrong with it, in Chinese, for the user."""
    if len(code) != 18:
        return f"应为18位，实际{len(code)}位"
    bad = sorted({char for char in code if char not in _VALUE})
    if bad:
        return f"含有不允许的字符 {''.join(bad)}（代码只用数字和除 I、O、Z、S、V 以外的大写字母）"
    if not code[2:8].isdigit():
        return "第3-8位应为登记管理机关的行政区划码（6位数字）"
    if credit_check_char(code[:17]) != code[17]:
        return "校验位不符（第18位），请核对是否抄错"
    if org_check_char(code[8:16]) != code[16]:
        return "第9-17位组织机构代码的校验位不符，请核对是否抄错"
    return None


def is_valid_credit_code(code: str) -> bool:
    return credit_code_problem(code) is None
