from __future__ import annotations

from indexer.nlp import PolicyAnnotator, parse_date
from indexer.normalize import normalize_text


def annotator() -> PolicyAnnotator:
    return PolicyAnnotator(departments=["广东省人民政府办公厅", "广州市市场监督管理局"], regions=["广东省", "广州市"])


def test_metadata_from_header_and_signature() -> None:
    body = normalize_text(
        "粤府办〔2020〕12号\n各地级以上市人民政府:\n为应对疫情,根据《关于做好防控工作的通知》(国办发〔2020〕6号)要求,"
        "现提出以下措施。\n一、减免房租。\n广东省人民政府办公厅\n2020年2月10日")
    found = annotator().metadata("广东省人民政府办公厅关于支持中小企业的若干措施", body)
    assert found.doc_number == "粤府办〔2020〕12号"
    assert found.issuer == "广东省人民政府办公厅"
    assert found.date == "2020-02-10"


def test_cited_number_is_not_the_documents_own() -> None:
    body = "根据《财政部关于支持疫情防控的通知》(财税〔2020〕8号),对企业免征增值税。" * 3
    assert annotator().metadata("关于免税的说明", body).doc_number == ""


def test_news_style_date_and_ministry_issuer() -> None:
    body = "2020年2月4日,工业和信息化部装备工业一司会同有关司局赴企业督导检查。"
    found = annotator().metadata("工业和信息化部组织开展督导检查", body)
    assert found.issuer == "工业和信息化部"
    assert found.date == "2020-02-04"


def test_addressee_is_not_the_issuer() -> None:
    body = "各区商务局:\n为做好疫情防控,特制定如下措施。"
    assert annotator().metadata("关于稳定商务发展的通知", body).issuer == ""


def test_parse_date_variants() -> None:
    assert parse_date("二〇二〇年二月四日") == "2020-02-04"
    assert parse_date("2020年12月31日") == "2020-12-31"
    assert parse_date("2020-02-10") == "2020-02-10"
    assert parse_date("2020年2月30日") == ""
    assert parse_date("二〇二〇年十二月二十一日") == "2020-12-21"


def test_sentences_split_on_chinese_punctuation_and_lines() -> None:
    sentences = annotator().sentences("第一句。第二句！第三\n第四；结束")
    assert [text for _, text in sentences] == ["第一句。", "第二句！", "第三\n", "第四；", "结束"]
    assert [offset for offset, _ in sentences] == [0, 4, 8, 11, 14]
