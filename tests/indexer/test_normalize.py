from __future__ import annotations

import pytest

from indexer.normalize import normalize_text, strip_pinyin_annotations, to_halfwidth


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("國務(wù)院辦公廳", "国务院办公厅"),
        ("智惠導(dǎo)服", "智惠导服"),
        ("辦(bàn)理營業執照", "办理营业执照"),
        ("辦(ban4)理", "办理"),
        ("辦理(bàn lǐ)", "办理"),
        ("辦（bàn）理", "办理"),
        ("開飯店要辦什麼證", "开饭店要办什么证"),
        ("食品经营许可（仅销售预包装食品）", "食品经营许可(仅销售预包装食品)"),
        ("类(A)许可", "类(A)许可"),
        ("附件(an)", "附件(an)"),
        ("国办发〔2020〕6号", "国办发〔2020〕6号"),
        ("ＡＢＣ\u3000全角１２３，测试！", "ABC 全角123,测试!"),
        ("  多个 \t  空格 \n\n\n\n 下一段  ", "多个 空格\n\n下一段"),
        ("a\u200bb\ufeffc", "abc"),
        ("x\x00y", "x y"),
        ("", ""),
    ],
)
def test_normalize_exact_output(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_pinyin_stripping_keeps_non_readings() -> None:
    # "an" is a pinyin syllable but not a reading of 件, so the parenthesis is ordinary text.
    assert strip_pinyin_annotations("附件(an)说明") == "附件(an)说明"
    assert strip_pinyin_annotations("許(xǔ)可(kě)證") == "許可證"


def test_halfwidth_only_touches_fullwidth_ascii() -> None:
    assert to_halfwidth("（一）。、「」") == "(一)。、「」"


def test_normalize_is_idempotent() -> None:
    text = "國務(wù)院辦公廳關於ＡＢＣ（一）的通知"
    once = normalize_text(text)
    assert normalize_text(once) == once


def test_emoji_and_html_survive_without_error() -> None:
    assert normalize_text("😀<b>营业执照</b>") == "😀<b>营业执照</b>"


def test_entity_spans_follow_the_normalised_text() -> None:
    from indexer.normalize import realign_spans

    original = "我在天河區  辦(bàn)理營業執照需要什麼材料"
    normalized = normalize_text(original)
    spans = [{"entity": "district", "start": 2, "end": 5, "value": "天河区"},
             {"entity": "asked_field", "start": original.index("需要"), "end": len(original), "value": "materials"}]
    moved = realign_spans(original, normalized, spans)
    assert [normalized[s["start"]:s["end"]] for s in moved] == ["天河区", "需要什么材料"]
    assert realign_spans("ＡＢ", "AB", [{"start": 0, "end": 1}]) == [{"start": 0, "end": 1}]
