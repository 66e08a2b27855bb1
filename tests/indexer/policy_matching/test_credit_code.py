from __future__ import annotations

import pytest

from indexer.policy_matching.credit_code import (
    CHARSET,
    credit_check_char,
    credit_code_problem,
    is_valid_credit_code,
    org_check_char,
)

# 91350100M000100Y43 is a widely published example code; the others are constructed below from a
# registration code, a region code and an organisation code body.


def _construct(prefix8: str, org_body8: str) -> str:
    first17 = prefix8 + org_body8 + org_check_char(org_body8)
    return first17 + credit_check_char(first17)


def test_known_valid_code() -> None:
    assert credit_code_problem("91350100M000100Y43") is None


def test_org_check_character_follows_gb11714() -> None:
    # M000100Y: 22*3 + 1*5 + 34*2 = 139; 139 mod 11 = 7; 11 - 7 = 4
    assert org_check_char("M000100Y") == "4"
    assert org_check_char("00000001") == "9"  # 1*2 = 2; 11 - 2 = 9
    assert org_check_char("00000010") == "7"  # 1*4 = 4; 11 - 4 = 7
    assert org_check_char("40000000") == "X"  # 4*3 = 12; 12 mod 11 = 1; 11 - 1 = 10 → X
    assert org_check_char("00000000") == "0"  # 0; 11 - 0 = 11 → 0


def test_credit_check_character_weights_sum() -> None:
    # 17 zeros weigh nothing: 31 - 0 = 31 → 0
    assert credit_check_char("0" * 17) == "0"
    # "1" then zeros: weight 1, 31 - 1 = 30 → the 30th character, Y
    assert credit_check_char("1" + "0" * 16) == "Y"


@pytest.mark.parametrize("code", [_construct("91110108", "MA01ABCD"), _construct("92440300", "L1234567"),
                                  _construct("11100000", "00001312"), _construct("52440000", "MJ0000AB")])
def test_constructed_codes_are_valid(code: str) -> None:
    assert is_valid_credit_code(code), credit_code_problem(code)


@pytest.mark.parametrize("position", range(18))
def test_any_single_changed_character_is_caught(position: int) -> None:
    code = "91350100M000100Y43"
    for replacement in CHARSET:
        if replacement == code[position]:
            continue
        corrupted = code[:position] + replacement + code[position + 1:]
        if position in range(2, 8) and not replacement.isdigit():
            assert credit_code_problem(corrupted) is not None
            continue
        assert not is_valid_credit_code(corrupted), corrupted


def test_swapped_neighbours_are_caught() -> None:
    code = "91350100M000100Y43"
    swapped = code[:8] + code[9] + code[8] + code[10:]
    assert not is_valid_credit_code(swapped)


@pytest.mark.parametrize("code, words", [
    ("91350100M000100Y4", "18位"),
    ("91350100M000100Y433", "18位"),
    ("91350100I000100Y43", "不允许的字符 I"),
    ("91350100O000100Y43", "不允许的字符 O"),
    ("9135010AM000100Y43", "行政区划码"),
    ("91350100M000100Y44", "校验位不符（第18位）"),
])
def test_problems_say_what_is_wrong(code: str, words: str) -> None:
    problem = credit_code_problem(code)
    assert problem is not None and words in problem


def test_org_code_check_in_positions_9_to_17() -> None:
    # A code whose 18th character is right for its first 17 but whose organisation code is wrong.
    first17 = "91350100M000100Y5"
    code = first17 + credit_check_char(first17)
    problem = credit_code_problem(code)
    assert problem is not None and "组织机构代码" in problem
