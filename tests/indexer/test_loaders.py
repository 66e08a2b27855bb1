from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from indexer.errors import RecordError
from indexer.loaders import LoadReport, load_catalog_file, load_knowledge_base, load_policy_file
from indexer.loaders.catalog import item_from_row

ROW = {
    "TASK_CODE": "C1", "TASK_NAME": "食品经营许可", "DEPT_NAME": "广州市市场监督管理局", "TASK_TYPE_TEXT": "行政许可",
    "material_intro": ["申请书", "营业执照"], "handle_time": "20(工作日)", "handle_time_limit": "10(工作日)",
    "handle_location": "办理地点：广州市越秀区1号", "consult_phone": "020-1", "complain_phone": "020-2",
    "accept_standard": "依据《食品安全法》", "service_object_name": ["企业法人"], "theme_category": ["餐饮"],
    "matter_level": "市级", "URL": "http://example", "online_book": "是", "courier_service": "否",
    "AREA_CODE_TEXT": "广州市", "parentCatalogName": "食品经营许可",
}


def test_item_from_row_maps_every_field() -> None:
    item = item_from_row(ROW, source="x.jsonl")
    assert item.id == "C1" and item.name == "食品经营许可" and item.department == "广州市市场监督管理局"
    assert item.materials == ("申请书", "营业执照")
    assert item.location == "广州市越秀区1号"  # the "办理地点：" label is dropped
    assert item.statutory_time_limit == "20(工作日)" and item.promised_time_limit == "10(工作日)"
    assert item.online_booking is True and item.courier is False
    assert item.service_objects == ("企业法人",) and item.themes == ("餐饮",)
    assert item.catalog_name == ""  # same as the name: not repeated
    assert item.conditions == "依据《食品安全法》"


def test_materials_none_becomes_empty() -> None:
    assert item_from_row({**ROW, "material_intro": "无"}).materials == ()


def test_missing_name_is_a_record_error() -> None:
    with pytest.raises(RecordError, match="name"):
        item_from_row({**ROW, "TASK_NAME": ""})


def test_jsonl_bad_lines_are_reported_and_rest_loaded(tmp_path: Path) -> None:
    path = tmp_path / "catalog.jsonl"
    lines = [json.dumps(ROW, ensure_ascii=False), "{not json", json.dumps({**ROW, "TASK_CODE": "C2", "TASK_NAME": ""}),
             "[1, 2]", json.dumps({**ROW, "TASK_CODE": "C3"}, ensure_ascii=False)]
    path.write_text("\n".join(lines), encoding="utf-8")
    report = LoadReport()
    items = list(load_catalog_file(path, report))
    assert [item.id for item in items] == ["C1", "C3"]
    assert [(p.line, p.file) for p in report.problems] == [(2, "catalog.jsonl"), (3, "catalog.jsonl"), (4, "catalog.jsonl")]
    assert "not valid JSON" in report.problems[0].reason
    assert "missing required field" in report.problems[1].reason


def test_csv_with_chinese_headers_and_gbk_encoding(tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    with path.open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["事项编码", "事项名称", "实施部门", "申请材料", "网上预约"])
        writer.writerow(["A1", "公共场所卫生许可", "广州市卫生健康委员会", "申请表；平面图、卫生制度", "是"])
        writer.writerow(["A2", "", "广州市卫生健康委员会", "", "否"])
    report = LoadReport()
    items = list(load_catalog_file(path, report))
    assert len(items) == 1
    assert items[0].materials == ("申请表", "平面图", "卫生制度")
    assert items[0].online_booking is True
    assert report.problems[0].line == 3


def test_csv_without_required_column_is_a_file_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("编号,名称\n1,x\n", encoding="utf-8")
    report = LoadReport()
    assert list(load_catalog_file(path, report)) == []
    assert report.problems[0].line is None and "no column for id" in report.problems[0].reason


def test_xlsx_catalog(tmp_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["TASK_CODE", "TASK_NAME", "DEPT_NAME", "material_intro"])
    sheet.append([440001, "排污许可证核发", "广州市生态环境局", "申请表\n环评批复"])
    sheet.append([None, None, None, None])
    sheet.append(["X2", None, "广州市生态环境局", None])
    path = tmp_path / "catalog.xlsx"
    workbook.save(path)
    report = LoadReport()
    items = list(load_catalog_file(path, report))
    assert [(i.id, i.name, i.materials) for i in items] == [("440001", "排污许可证核发", ("申请表", "环评批复"))]
    assert report.problems[0].line == 4


def test_corrupt_xlsx_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    report = LoadReport()
    assert list(load_catalog_file(path, report)) == []
    assert "XLSX" in report.problems[0].reason


def test_policy_txt_md_html(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("关于减免房租的通知\n对中小企业免收两个月房租。", encoding="utf-8")
    (tmp_path / "b.md").write_text("# 关于缓缴社保的通知\n\n**企业**可以申请缓缴社会保险费。", encoding="utf-8")
    (tmp_path / "c.html").write_text(
        "<html><head><title>站点</title><script>alert(1)</script></head><body><nav>首页</nav>"
        "<h1>贷款贴息政策</h1><article><p>对小微企业贷款给予贴息。</p><p>期限一年。</p></article></body></html>",
        encoding="utf-8")
    report = LoadReport()
    docs = {d.id: d for path in sorted(tmp_path.iterdir()) for d in load_policy_file(path, report)}
    assert not report.problems
    assert docs["a"].title == "关于减免房租的通知" and docs["a"].body == "对中小企业免收两个月房租。"
    assert docs["b"].title == "关于缓缴社保的通知" and docs["b"].body == "企业可以申请缓缴社会保险费。"
    assert docs["c"].title == "贷款贴息政策"
    assert docs["c"].body == "对小微企业贷款给予贴息。\n期限一年。"
    assert "alert" not in docs["c"].body and "首页" not in docs["c"].body


def test_policy_docx(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("关于稳岗返还的通知")
    document.add_paragraph("对不裁员或少裁员的企业，返还上年度失业保险费的50%。")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "联系电话"
    table.rows[0].cells[1].text = "12333"
    path = tmp_path / "wengang.docx"
    document.save(path)
    report = LoadReport()
    (doc,) = load_policy_file(path, report)
    assert doc.id == "wengang" and doc.title == "关于稳岗返还的通知"
    assert "返还上年度失业保险费的50%" in doc.body and "联系电话 | 12333" in doc.body


def test_policy_pdf(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Notice on rent relief")
    pdf.ln()
    pdf.cell(text="Small firms pay no rent for two months.")
    path = tmp_path / "rent.pdf"
    pdf.output(str(path))
    report = LoadReport()
    (doc,) = load_policy_file(path, report)
    assert doc.title == "Notice on rent relief" and "no rent for two months" in doc.body


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("corrupt.pdf", b"%PDF-1.4\n garbage that is not a pdf", "not a readable PDF"),
        ("corrupt.docx", b"PK\x03\x04 garbage", "not a readable DOCX"),
        ("binary.txt", bytes(range(256)) * 20, "wrong encoding"),
        ("empty.md", b"   \n", "empty"),
        ("notitle.txt", "只有一行没有正文".encode(), "body"),
    ],
)
def test_bad_policy_files_are_reported(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    report = LoadReport()
    assert list(load_policy_file(path, report)) == []
    assert len(report.problems) == 1 and report.problems[0].file == name
    assert reason in report.problems[0].reason


def test_gb18030_text_policy(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes("关于复工复产的通知\n企业复工需要做好防疫。".encode("gb18030"))
    report = LoadReport()
    (doc,) = load_policy_file(path, report)
    assert doc.title == "关于复工复产的通知"


def test_knowledge_base_folder(knowledge_base: Path) -> None:
    (knowledge_base / "policies" / "notes.xyz").write_text("?", encoding="utf-8")
    (knowledge_base / "catalog" / "dup.jsonl").write_text(
        (knowledge_base / "catalog" / "items.jsonl").read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    loaded = load_knowledge_base(knowledge_base)
    assert len(loaded.items) == 15 and len(loaded.policies) == 7
    reasons = [p.reason for p in loaded.report.problems]
    assert any("unsupported file type" in r for r in reasons)
    assert any("duplicate id" in r for r in reasons)
