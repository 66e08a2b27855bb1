"""The draft and the pre-check summary as PDF files the enterprise can print (fpdf2).

The Chinese font is embedded (subset) so the file prints the same on a machine without it, and the
text stays extractable (fpdf2 writes a ToUnicode map). fpdf2 reads the CFF-based OpenType collection
of fonts-noto-cjk directly (``DAOFU_PDF_FONT``, ``#N`` choosing the collection's font).
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from desk.errors import DeskError

FONT_FAMILY = "cjk"


class PdfFontMissing(DeskError):
    """The configured font is not there (HTTP 503): an installation problem, said so."""

    code = "pdf_font_missing"
    status = 503


def font_file(setting: str) -> tuple[Path, int]:
    """``path#N`` as (path, index in the collection); PdfFontMissing when the file is not there."""
    path, _, index = setting.partition("#")
    font = Path(path)
    if not font.is_file():
        raise PdfFontMissing(f"生成 PDF 所需的中文字体不存在（{path}）：请安装 fonts-noto-cjk（make system-deps），"
                             f"或把 DAOFU_PDF_FONT 设为一个含中文字形的字体文件")
    return font, int(index) if index.isdigit() else 0


class _Document:
    def __init__(self, font_setting: str, title: str) -> None:
        from fpdf import FPDF

        path, index = font_file(font_setting)
        self.pdf = FPDF(format="A4")
        self.pdf.set_title(title)
        self.pdf.set_creator("daofu")
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf.add_font(FONT_FAMILY, fname=str(path), collection_font_number=index)
        self.pdf.add_page()
        self.pdf.set_font(FONT_FAMILY, size=18)
        self.pdf.multi_cell(0, 12, title, align="C", new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(2)

    def heading(self, text: str) -> None:
        self.pdf.ln(3)
        self.pdf.set_font(FONT_FAMILY, size=13)
        self.pdf.multi_cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")

    def line(self, text: str, size: int = 11) -> None:
        self.pdf.set_font(FONT_FAMILY, size=size)
        self.pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]) -> None:
        from fpdf.fonts import FontFace

        self.pdf.set_font(FONT_FAMILY, size=10.5)
        # Headings shaded, not bold: the collection has one weight (no bold face to embed).
        with self.pdf.table(headings_style=FontFace(emphasis="", fill_color=(235, 235, 235)), col_widths=tuple(widths), text_align="LEFT", line_height=7,
                            first_row_as_headings=True) as table:
            for values in (header, *rows):
                row = table.row()
                for value in values:
                    row.cell(value or " ")

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def draft_pdf(state: dict[str, Any], font_setting: str) -> bytes:
    """The application draft: the item, then every field with its value (blank lines to fill by hand)."""
    doc = _Document(font_setting, f"{state['item']['name']} 申请表（草稿）")
    doc.line(f"办理部门：{state['item']['department'] or '—'}")
    doc.line(f"办事指南事项编码：{state['item']['id']}")
    doc.heading("申请信息")
    doc.table(("项目", "填写内容"), [(f["label"], f["value"]) for f in state["draft"]], (45, 125))
    doc.line("")
    doc.line("本草稿由工作人员与申请人在线共同填写，仅供办理参考；正式申请以受理窗口或网上办事平台为准。", size=9)
    doc.line(f"生成时间：{state['generated_at']}", size=9)
    return doc.output()


def summary_pdf(summary: dict[str, Any], font_setting: str) -> bytes:
    """The pre-check summary: the item, each material with its mark, the online link, what to bring."""
    doc = _Document(font_setting, "材料预审结果")
    doc.line(f"办理事项：{summary['item_name']}")
    doc.line(f"办理部门：{summary['department'] or '—'}")
    doc.line(f"预审结论：{summary['result']}")
    doc.line(f"预审完成时间：{summary['completed_at']}")
    doc.heading("材料及审核结果")
    doc.table(("序号", "材料", "审核结果", "已上传文件"),
              [(str(i), m["name"], m["mark"], "、".join(m["files"]) or "—")
               for i, m in enumerate(summary["materials"], start=1)], (14, 86, 24, 46))
    doc.heading("网上办理")
    doc.line(summary["online_url"] or "目录未提供网上办理链接，请到窗口办理。")
    doc.heading("到窗口办理请携带")
    for index, thing in enumerate(summary["bring"], start=1):
        doc.line(f"{index}. {thing}")
    if summary.get("location"):
        doc.heading("办理地点")
        doc.line(summary["location"])
    return doc.output()
