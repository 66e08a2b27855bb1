"""The error report of a load: every record or file that could not be read, with the reason."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class LoadProblem:
    file: str
    line: int | None  # 1-based line (JSONL/CSV) or row (XLSX); None for a whole file
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.reason}"


@dataclass
class LoadReport:
    problems: list[LoadProblem] = field(default_factory=list)

    def add(self, file: str | Path, line: int | None, reason: str) -> None:
        self.problems.append(LoadProblem(str(file), line, reason))

    def __len__(self) -> int:
        return len(self.problems)

    def write_jsonl(self, path: Path) -> None:
        with path.open("w", encoding="utf-8") as out:
            for problem in self.problems:
                out.write(json.dumps(asdict(problem), ensure_ascii=False) + "\n")

    def summary(self, limit: int = 10) -> str:
        if not self.problems:
            return "no problems"
        lines = [f"{len(self.problems)} record(s) or file(s) skipped:"]
        lines += [f"  {problem}" for problem in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more (see errors.jsonl)")
        return "\n".join(lines)
