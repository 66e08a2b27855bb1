"""Matters the catalog lacks: which department usually handles a common enterprise matter.

The shipped catalog is a provincial one; most everyday municipal matters (营业执照补领, 食品经营许可,
公章刻制, 社保登记 ...) are not in it. When a question names such a matter and the search found
nothing that *is* that matter, an honest referral (the department that usually handles it, where,
the 12345 hotline, a person) helps more than "没有找到" or a list of unrelated items.

The mapping is team-written data (``knowledge_base/matters/enterprise_matters.jsonl``, see
knowledge_base/README.md), validated when it is loaded (lazily, once per process). The decision
itself (`MatterGuide.referral`) is a pure function of the question and the search result.
"""
from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from indexer.errors import ConfigurationError
from indexer.records import SearchHit, SearchResult
from indexer.variants import POLICY_CUES, item_variants, names_a_place, query_variants

logger = logging.getLogger(__name__)

MATTERS_FILE = Path("matters") / "enterprise_matters.jsonl"
HOTLINE = "12345"
# How many first hits may show the matter when confidence is not high (the ones a clarifying
# question would offer).
DEPTH = 3
# Kinds editors answered themselves (FAQ entries, "一件事" bundles): when one of them answers with
# high confidence it is trusted, whatever its title says.
_CATALOG_KINDS = frozenset({"item", "policy"})
# A question with one of these asks about a support policy (减免, 补贴 ...), not how to do the
# matter: a policy document found for it is the answer, even when it does not name the matter.
# "查餐馆的食品经营许可证" asks for a look-up, though none of the variant cues says so; 检查, 审查 ... do not.
_LOOKUP = re.compile(r"(?<![检审调核排抽复巡督普侦])查")
VARIANT_LABELS = {"first": "新办", "renew": "延续", "change": "变更", "cancel": "注销", "replace": "补领",
                  "lookup": "查询", "resume": "恢复"}


class MatterMapError(ConfigurationError):
    """The matter-to-department mapping file is missing or has a bad entry."""


class Matter(BaseModel):
    """One common enterprise matter and the department that usually handles it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=1)
    # Words that name the matter in a question (any one of them).
    terms: tuple[str, ...] = Field(min_length=1)
    # Words in a catalog item's name that show it is this matter; default: the terms.
    hit_terms: tuple[str, ...] = ()
    # Words that show a question is about something else even though a term occurs in it
    # ("没营业执照" asks how to do business without one; "社保补缴" is a catalog item).
    excludes: tuple[str, ...] = ()
    department: str = Field(min_length=1)
    # The provincial counterpart among the shipped catalog's departments ("" when none).
    catalog_department: str = ""
    where: str = ""

    @field_validator("terms", "hit_terms", "excludes")
    @classmethod
    def _no_blank_terms(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not term.strip() for term in value):
            raise ValueError("terms must not be blank")
        return tuple(term.strip().lower() for term in value)

    def names_in_hits(self) -> tuple[str, ...]:
        return self.hit_terms or self.terms


@dataclass(frozen=True)
class Referral:
    """The decision to refer a question to the department that usually handles its matter."""

    matter: Matter
    variant: str  # what the question asks to do (补领, 变更 ...), "" when it says nothing
    question: str

    @property
    def title(self) -> str:
        return f"{self.matter.name}（{self.variant}）" if self.variant else self.matter.name


class MatterGuide:
    """The mapping, and the decision whether a search result deserves a referral."""

    def __init__(self, matters: Sequence[Matter]) -> None:
        ids = [matter.id for matter in matters]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise MatterMapError(f"duplicate matter ids {duplicates}: give each matter its own id")
        self.matters = tuple(matters)
        # Longest term first: "食品生产许可证" must win over a shorter term of another matter.
        self._terms = sorted(((term, matter) for matter in self.matters for term in matter.terms),
                             key=lambda entry: -len(entry[0]))

    @classmethod
    def load(cls, path: Path) -> MatterGuide:
        if not path.is_file():
            raise MatterMapError(f"no matter mapping at {path}: restore knowledge_base/{MATTERS_FILE} from git "
                                 "or point DAOFU_KB_DIR at a knowledge base that has it")
        matters = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                matters.append(Matter.model_validate(json.loads(line)))
            except (json.JSONDecodeError, ValidationError) as error:
                raise MatterMapError(f"{path}, line {number}: bad matter entry ({_first_problem(error)}); "
                                     "fix the line (fields: id, name, terms, hit_terms, department, "
                                     "catalog_department, where)") from error
        if not matters:
            raise MatterMapError(f"{path} lists no matters; add at least one entry or remove the file")
        return cls(matters)

    def named_matter(self, normalized_question: str) -> Matter | None:
        """The matter the question names (its longest matching term), if any."""
        text = normalized_question.lower()
        # A possessive inside a name does not change it: 外籍员工的工作许可 names 外籍员工工作许可.
        texts = (text, text.replace("的", ""))
        return next((matter for term, matter in self._terms
                     if any(term in t for t in texts) and not any(word in text for word in matter.excludes)), None)

    def referral(self, result: SearchResult) -> Referral | None:
        """A referral when the question names a mapped matter and the answer the bot would give (the
    first hit at high confidence, else the first three) is not that matter."""
        question = result.searched_query or result.normalized_query or result.query
        matter = self.named_matter(question)
        if matter is None:
            return None
        # A high-confidence answer is the first hit alone; otherwise the bot offers (or looks
        # through) the first few.
        hits = result.hits[:1] if result.level == "high" else result.hits[:DEPTH]
        if hits and result.level == "high" and hits[0].kind not in _CATALOG_KINDS:
            return None
        asked = asked_variants(question)
        if any(is_that_matter(matter, hit, asked) for hit in hits):
            return None
        if any(cue in question for cue in POLICY_CUES) and any(hit.kind == "policy" for hit in hits):
            return None
        # The policy corpus is regional notices: one asserted for a question that names its place
        # (太原 … 还要交残疾人就业保障金吗) answers it, though it names no policy word.
        if result.level == "high" and hits[0].kind == "policy" and names_a_place(question):
            return None
        variant = next((VARIANT_LABELS[v] for v in VARIANT_LABELS if v in asked), "")
        return Referral(matter=matter, variant=variant, question=result.query)


def asked_variants(question: str) -> frozenset[str]:
    """The variants a question asks for (indexer.variants), plus a look-up when it says 查."""
    asked = query_variants(question)
    return asked | {"lookup"} if _LOOKUP.search(question) else asked


def is_that_matter(matter: Matter, hit: SearchHit, asked: Iterable[str]) -> bool:
    """Whether a hit answers the matter: a catalog item whose name names the matter, not another
    variant of it (注销税务登记 does not answer 新办税务登记), and not a mere look-up service
    (食品经营许可查询 does not tell how to apply) unless a look-up is what was asked. A policy
    document is never the procedure (住房公积金阶段性支持政策 does not tell how to open an account);
    questions about support policies keep their policy answer through POLICY_CUES instead."""
    if hit.kind not in _CATALOG_KINDS:
        return True
    if hit.kind == "policy":
        return False
    title = hit.title.lower()
    if not any(term in title for term in matter.names_in_hits()):
        return False
    asked = frozenset(asked)
    variants = item_variants(hit.title)
    if not asked:
        # A question that names no variant means doing the matter (usually the first time):
        # 注销税务登记 or 食品经营许可查询 is not how to do it.
        return not variants or "first" in variants
    return not variants or bool(variants & asked)


@functools.cache
def get_matter_guide(knowledge_base_dir: Path) -> MatterGuide | None:
    """The mapping shipped with the knowledge base, loaded on first use; None (no referrals) when the
    knowledge base has none."""
    path = knowledge_base_dir / MATTERS_FILE
    if not path.exists():
        logger.warning("no matter mapping at %s: questions about matters the catalog lacks get a plain "
                       "not-found answer", path)
        return None
    return MatterGuide.load(path)


def _first_problem(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        return f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
    return str(error)
