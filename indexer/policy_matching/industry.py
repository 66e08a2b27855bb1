"""GB/T 4754-2017 industries (门类 A-T, 大类 01-97, and the 中类 the size standard needs), and which
category of the SME size standard (工信部联企业〔2011〕300号) an industry falls in.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from indexer.policy_matching.errors import ProfileError

DATA_FILE = Path(__file__).resolve().parent / "data" / "gbt4754_2017.json"


class IndustryLevel(StrEnum):
    SECTION = "门类"
    DIVISION = "大类"
    GROUP = "中类"


@dataclass(frozen=True)
class Industry:
    code: str  # "H", "62", "701"
    name: str
    level: IndustryLevel
    parent: str = ""  # code of the enclosing section or division

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


class SizeCategory(StrEnum):
    """The industries the SME size standard lists, in its order."""

    AGRICULTURE = "农林牧渔业"
    INDUSTRY = "工业"
    CONSTRUCTION = "建筑业"
    WHOLESALE = "批发业"
    RETAIL = "零售业"
    TRANSPORT = "交通运输业"
    WAREHOUSING = "仓储业"
    POSTAL = "邮政业"
    ACCOMMODATION = "住宿业"
    CATERING = "餐饮业"
    INFORMATION_TRANSMISSION = "信息传输业"
    SOFTWARE = "软件和信息技术服务业"
    REAL_ESTATE_DEVELOPMENT = "房地产开发经营"
    PROPERTY_MANAGEMENT = "物业管理"
    LEASING_AND_BUSINESS_SERVICES = "租赁和商务服务业"
    OTHER = "其他未列明行业"


# The standard (article 2) defines its industries by GB/T 4754-2011; the codes below are their
# GB/T 4754-2017 equivalents. 工业 is 采矿业, 制造业 and 电力热力燃气及水; 交通运输业 excludes 铁路运输业
# (so rail falls under 其他未列明行业) and includes 装卸搬运 and 运输代理.
_CATEGORY_OF_CODE: dict[str, SizeCategory] = {
    "A": SizeCategory.AGRICULTURE, "B": SizeCategory.INDUSTRY, "C": SizeCategory.INDUSTRY,
    "D": SizeCategory.INDUSTRY, "E": SizeCategory.CONSTRUCTION,
    "51": SizeCategory.WHOLESALE, "52": SizeCategory.RETAIL,
    "53": SizeCategory.OTHER, "54": SizeCategory.TRANSPORT, "55": SizeCategory.TRANSPORT,
    "56": SizeCategory.TRANSPORT, "57": SizeCategory.TRANSPORT, "58": SizeCategory.TRANSPORT,
    "591": SizeCategory.TRANSPORT, "592": SizeCategory.WAREHOUSING, "593": SizeCategory.WAREHOUSING,
    "594": SizeCategory.WAREHOUSING, "595": SizeCategory.WAREHOUSING, "596": SizeCategory.WAREHOUSING,
    "599": SizeCategory.WAREHOUSING, "60": SizeCategory.POSTAL,
    "61": SizeCategory.ACCOMMODATION, "62": SizeCategory.CATERING,
    "63": SizeCategory.INFORMATION_TRANSMISSION, "64": SizeCategory.INFORMATION_TRANSMISSION,
    "65": SizeCategory.SOFTWARE,
    "701": SizeCategory.REAL_ESTATE_DEVELOPMENT, "702": SizeCategory.PROPERTY_MANAGEMENT,
    "703": SizeCategory.OTHER, "704": SizeCategory.OTHER, "709": SizeCategory.OTHER,
    "L": SizeCategory.LEASING_AND_BUSINESS_SERVICES,
}


@dataclass(frozen=True)
class Classification:
    by_code: dict[str, Industry]
    source: str

    def ancestors(self, code: str) -> list[str]:
        """The code itself, then its division and section (``"701"`` → ``["701", "70", "K"]``)."""
        chain = [code]
        industry = self.by_code.get(code)
        while industry is not None and industry.parent:
            chain.append(industry.parent)
            industry = self.by_code.get(industry.parent)
        return chain

    def children(self, code: str) -> list[Industry]:
        return [industry for industry in self.by_code.values() if industry.parent == code]

    def find(self, text: str, field: str = "industry") -> Industry:
        """The industry named by a code ("62", "H"), a code and name ("62 餐饮业") or a name ("餐饮业", "餐饮")."""
        value = text.strip().upper() if text.strip()[:1].isascii() else text.strip()
        if not value:
            raise ProfileError(field, "为空；请填写国民经济行业分类 (GB/T 4754-2017) 的门类、大类代码或名称，例如 62 或 餐饮业")
        code = value.split()[0]
        if code in self.by_code:
            return self.by_code[code]
        by_name = [industry for industry in self.by_code.values() if industry.name == value]
        if not by_name:
            by_name = [industry for industry in self.by_code.values() if industry.name.startswith(value)]
        if len(by_name) == 1:
            return by_name[0]
        if len(by_name) > 1:
            names = "、".join(industry.label for industry in by_name)
            raise ProfileError(field, f"“{text}”可指多个行业（{names}），请填写其中一个的代码")
        raise ProfileError(field, f"未知行业“{text}”；请填写国民经济行业分类 (GB/T 4754-2017) 的门类 (A-T)、"
                                  "大类代码 (01-97) 或名称，例如 62 或 餐饮业")

    def contains(self, outer: str, inner: str) -> bool:
        """Whether industry ``inner`` lies within industry ``outer`` (or is it)."""
        return outer in self.ancestors(inner)

    def size_categories(self, code: str) -> frozenset[SizeCategory]:
        """The size-standard categories an industry can fall in: one, or several for a coarse code (``F``)."""
        for ancestor in self.ancestors(code):
            if ancestor in _CATEGORY_OF_CODE:
                return frozenset({_CATEGORY_OF_CODE[ancestor]})
        below = self.children(code)
        if below:
            return frozenset().union(*(self.size_categories(child.code) for child in below))
        return frozenset({SizeCategory.OTHER})


@functools.cache
def classification() -> Classification:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    by_code: dict[str, Industry] = {}
    for section in data["sections"]:
        by_code[section["code"]] = Industry(section["code"], section["name"], IndustryLevel.SECTION)
        for code, name in section["divisions"]:
            by_code[code] = Industry(code, name, IndustryLevel.DIVISION, parent=section["code"])
    for code, name in data["groups"]:
        by_code[code] = Industry(code, name, IndustryLevel.GROUP, parent=code[:2])
    return Classification(by_code=by_code, source=data["source"])
