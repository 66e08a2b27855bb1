"""Dependency and code audits for ``make test`` (issue 13 item 13): ``python -m desk.security.audits``.

- ``pip-audit`` over requirements/app.lock and requirements/rasa.lock (PyPI's advisory feed);
- ``npm audit`` over desk/frontend/package-lock.json (the npm registry's advisory endpoint);
- ``bandit`` over the project's Python code.

Everything found is reported. The run fails (exit 1) only on a dependency finding that is critical
(npm gives a severity; PyPI's feed gives none, so a PyPI finding is critical when its id or an
alias is listed in ``CRITICAL_ADVISORIES``) and has a fix available, and on a bandit finding of high
severity and high confidence not justified by a ``# nosec`` comment. A tool that cannot reach its
advisory service (only PyPI and the npm registry are reachable from some machines, and the npm
registry may refuse the bulk advisory endpoint) is reported as unreachable and does not fail the run.
"""
from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess  # nosec B404 - runs the audit tools with fixed argument lists, no shell
import sys
import tempfile
from pathlib import Path

from daofu_core.paths import PROJECT_ROOT

LOCKS = (Path("requirements/app.lock"), Path("requirements/rasa.lock"))
NPM_PROJECT = Path("desk/frontend")
BANDIT_TARGETS = ("desk", "indexer", "actions", "launcher", "bot")
# PyPI advisories known to be exploited or rated critical elsewhere (CISA KEV, GHSA); none yet.
CRITICAL_ADVISORIES: frozenset[str] = frozenset()
TIMEOUT = 180


@dataclasses.dataclass(frozen=True)
class Finding:
    tool: str
    where: str
    what: str
    blocking: bool


@dataclasses.dataclass(frozen=True)
class ToolReport:
    tool: str
    findings: tuple[Finding, ...] = ()
    unreachable: str = ""  # why the tool could not check, when it could not

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]


def pip_audit(lock: Path, root: Path = PROJECT_ROOT) -> ToolReport:
    tool = f"pip-audit {lock}"
    with tempfile.TemporaryDirectory(prefix="daofu-audit-") as folder:
        out = Path(folder) / "report.json"
        done = _run([sys.executable, "-m", "pip_audit", "--disable-pip", "--no-deps", "-r", str(root / lock),
                     "-f", "json", "--progress-spinner", "off", "-o", str(out)], root)
        if not out.is_file():
            return ToolReport(tool, unreachable=_last_line(done.stderr) or "no report written")
        data = json.loads(out.read_text(encoding="utf-8"))
    findings = []
    for dependency in data.get("dependencies", []):
        for vuln in dependency.get("vulns", []):
            names = {vuln.get("id", ""), *vuln.get("aliases", [])}
            fixed = vuln.get("fix_versions") or []
            findings.append(Finding(tool, f"{dependency['name']}=={dependency.get('version', '?')}",
                                    f"{vuln.get('id')} fixed in {', '.join(fixed) or 'no release yet'}",
                                    bool(fixed) and bool(names & CRITICAL_ADVISORIES)))
    return ToolReport(tool, tuple(findings))


def npm_audit(project: Path = NPM_PROJECT, root: Path = PROJECT_ROOT) -> ToolReport:
    tool = f"npm audit {project}/package-lock.json"
    npm = shutil.which("npm")
    if npm is None:
        return ToolReport(tool, unreachable="npm is not installed")
    done = _run([npm, "audit", "--json", "--package-lock-only"], root / project)
    try:
        data = json.loads(done.stdout or "{}")
    except json.JSONDecodeError:
        return ToolReport(tool, unreachable=_last_line(done.stderr) or "unreadable answer")
    if "vulnerabilities" not in data:  # an error answer (offline, or the endpoint refused the request)
        return ToolReport(tool, unreachable=str(data.get("message") or _last_line(done.stderr) or "no answer"))
    findings = [Finding(tool, name, f"{entry.get('severity')}, fix available: {bool(entry.get('fixAvailable'))}",
                        entry.get("severity") == "critical" and bool(entry.get("fixAvailable")))
                for name, entry in sorted(data["vulnerabilities"].items())]
    return ToolReport(tool, tuple(findings))


def bandit(root: Path = PROJECT_ROOT, targets: tuple[str, ...] = BANDIT_TARGETS) -> ToolReport:
    tool = "bandit"
    present = [t for t in targets if (root / t).exists()]
    done = _run([sys.executable, "-m", "bandit", "-q", "-r", *present, "-f", "json"], root)
    try:
        data = json.loads(done.stdout)
    except json.JSONDecodeError:
        return ToolReport(tool, unreachable=_last_line(done.stderr) or "no report")
    findings = [Finding(tool, f"{r['filename']}:{r['line_number']}",
                        f"{r['test_id']} {r['issue_severity']}/{r['issue_confidence']} {r['issue_text']}",
                        r["issue_severity"] == "HIGH" and r["issue_confidence"] == "HIGH")
                for r in data.get("results", [])]
    return ToolReport(tool, tuple(findings))


def main() -> int:
    reports = [*(pip_audit(lock) for lock in LOCKS), npm_audit(), bandit()]
    for report in reports:
        if report.unreachable:
            print(f"{report.tool}: not checked ({report.unreachable})")
            continue
        print(f"{report.tool}: {len(report.findings)} findings, {len(report.blocking)} blocking")
        for finding in report.findings:
            print(f"  {'BLOCKING ' if finding.blocking else ''}{finding.where}: {finding.what}")
    blocking = sum(len(r.blocking) for r in reports)
    if blocking:
        print(f"{blocking} blocking findings: upgrade the dependency, fix the code, or justify it with a "
              "`# nosec BXXX - reason` comment", file=sys.stderr)
    return 1 if blocking else 0


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT,  # nosec B603 - fixed tool commands
                              check=False)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(command, 124, "", f"timed out after {TIMEOUT} s")


def _last_line(text: str) -> str:
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


if __name__ == "__main__":
    sys.exit(main())
