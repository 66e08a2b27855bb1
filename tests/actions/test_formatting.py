from __future__ import annotations

import pytest

from actions import formatting
from actions.fields import detect_field, keyword_field, strip_field_words
from daofu_protocol import parse_custom
from indexer.records import PolicyDoc, ServiceItem

ITEM = ServiceItem(id="T1", name="新增取水许可", department="广东省水利厅", promised_time_limit="20(工作日)",
                   statutory_time_limit="45(工作日)", materials=("取水许可申请书", "建设项目水资源论证报告"),
                   location="广州市天河区天寿路116号", consult_phone="020-38356710", complaint_phone="020-12345",
                   conditions="依据《取水许可和水资源费征收管理条例》。本事项不收费。", url="https://www.gdzwfw.gov.cn/x",
                   online_booking=True)
POLICY = PolicyDoc(id="P1", title="关于支持中小企业的若干措施", body="对承租国有物业的中小企业免收2个月租金。",
                   issuer="广东省人民政府办公厅", doc_number="粤府办〔2020〕12号", date="2020-02-10")


def test_time_limits() -> None:
    assert formatting.time_limit_text("20(工作日)") == "20个工作日"
    assert formatting.time_limit_text("3（天）") == "3天"
    assert formatting.time_limit_text("即办") == "即办"


def test_item_card_payload_and_text() -> None:
    card = formatting.item_card(ITEM)
    assert card["promised_time_limit"] == "20个工作日" and card["materials"] == list(ITEM.materials)
    assert card["source"] == {"catalog": "广东省政务服务事项目录", "department": "广东省水利厅",
                              "url": "https://www.gdzwfw.gov.cn/x", "item_id": "T1"}
    text = formatting.item_card_text(ITEM)
    assert text.startswith("【新增取水许可】") and "承诺20个工作日（法定45个工作日）" in text
    assert "1. 取水许可申请书；2. 建设项目水资源论证报告" in text
    assert text.endswith("来源：广东省政务服务事项目录（广东省水利厅）")


@pytest.mark.parametrize(("field", "expected"), [
    ("materials", "1. 取水许可申请书"), ("time", "承诺20个工作日"), ("location", "天寿路116号"),
    ("phone", "监督投诉电话：020-12345"), ("basis", "取水许可和水资源费征收管理条例"), ("fee", "本事项不收费"),
    ("online", "支持网上预约"),
])
def test_field_answers(field: str, expected: str) -> None:
    answer = formatting.field_answer(ITEM, field)
    assert expected in answer and answer.startswith("【新增取水许可】") and "来源" in answer


def test_fee_without_mention_says_so() -> None:
    bare = ServiceItem(id="T2", name="某事项", department="某局")
    assert "目录没有列出收费信息" in formatting.field_answer(bare, "fee")
    with pytest.raises(ValueError, match="unknown field 'colour'"):
        formatting.field_answer(bare, "colour")


def test_policy_passage_names_its_source() -> None:
    payload = formatting.policy_passage(POLICY, "免收2个月租金")
    assert payload["doc_number"] == "粤府办〔2020〕12号" and payload["source"]["document_id"] == "P1"
    text = formatting.policy_passage_text(POLICY, "免收2个月租金")
    assert text.endswith("来源：《关于支持中小企业的若干措施》（广东省人民政府办公厅，粤府办〔2020〕12号，2020-02-10）")


def test_buttons_and_handoff_payload() -> None:
    buttons = formatting.choice_buttons([{"id": "A", "title": "新增取水许可"}])
    assert buttons == [{"title": "新增取水许可", "payload": '/choose{"candidate_id": "A"}'}]
    payload = formatting.handoff_payload("complaint", "摘要", [{"id": "A"}])
    # A slot candidate missing keys is completed to the contract's shape, so the desk can parse it.
    assert payload == {"handoff": {"reason": "complaint", "reason_text": "用户投诉", "summary": "摘要",
                                   "candidates": [{"id": "A", "kind": "", "title": "", "score": 0.0}]}}
    assert parse_custom(payload) is not None
    with pytest.raises(ValueError, match="unknown handoff reason"):
        formatting.handoff_payload("bored", "", [])


def test_field_detection() -> None:
    assert detect_field("需要什么材料", [{"entity": "asked_field", "value": "materials"}]) == "materials"
    assert detect_field("要带啥", [{"entity": "asked_field", "value": "nonsense"}]) == "materials"
    assert [keyword_field(t) for t in ("在哪办", "要多久", "电话多少", "依据是什么", "收费吗", "能网上办吗", "你好")] == \
        ["location", "time", "phone", "basis", "fee", "online", None]
    assert strip_field_words("那营业执照需要什么材料") == "营业执照"
