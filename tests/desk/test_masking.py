"""Masking of phone numbers, ID-card numbers and unified social credit codes: exact outputs."""
from __future__ import annotations

import pytest

from desk.masking import mask_personal_data


@pytest.mark.parametrize(("text", "expected"), [
    # mainland mobile numbers, plain, grouped, with a country prefix, full-width, glued to letters
    ("我的电话13812345678", "我的电话138****5678"),
    ("电话：138-1234-5678，谢谢", "电话：138-****-5678，谢谢"),
    ("手机 159 1234 5678", "手机 159 **** 5678"),
    ("+86 138 1234 5678", "+86 138 **** 5678"),
    ("8613812345678", "86138****5678"),
    ("tel:19912345678", "tel:199****5678"),
    ("１３８１２３４５６７８", "１３８****５６７８"),
    # landlines: the area code stays
    ("座机010-62345678", "座机010-****5678"),
    ("(0755)2345678", "(0755)***5678"),
    ("（０１０）６２３４５６７８", "（０１０）****５６７８"),
    ("0571 8765 4321转8", "0571 **** 4321转8"),
    # resident identity card numbers, with a digit or X last, also grouped by spaces
    ("身份证110101199003071234", "身份证110***********1234"),
    ("身份证号11010119900307123X。", "身份证号110***********123X。"),
    ("11010519491231002x", "110***********002x"),
    ("110101 19900307 1234", "110*** ******** 1234"),
    # unified social credit codes (GB 32100-2015)
    ("统一社会信用代码：91110108MA01ABCD3X", "统一社会信用代码：9111**********CD3X"),
    ("12100000400001016R的单位", "1210**********016R的单位"),
    # several in one message
    ("联系人电话13912345678，身份证110101199003071234",
     "联系人电话139****5678，身份证110***********1234"),
])
def test_personal_data_is_masked(text: str, expected: str) -> None:
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize("text", [
    "",
    "2020年3月",
    "2020-03-15 09:30",
    "办理时间09:00-17:30",
    "国办发〔2020〕6号",
    "京政办发〔2019〕12号文件",
    "20个工作日内办结",
    "收费100.50元，共1,234,567.00元",
    "邮编100010",
    "拨打12345政务服务便民热线",
    "客服电话400-123-4567",
    "订单202003151234567890",  # 18 digits that are neither an ID (no birth date) nor a credit code
    "138123456789",  # 12 digits: not a mobile number
    "流水号2023101213812345678",  # eleven phone-like digits inside a longer run of digits
    "ISO 9001:2015",
])
def test_ordinary_numbers_stay(text: str) -> None:
    assert mask_personal_data(text) == text
