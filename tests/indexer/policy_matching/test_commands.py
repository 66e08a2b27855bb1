"""The CLI contract: enterprise-size and match (python -m indexer ...), errors with exit status 2."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from indexer import cli

ROOT = Path(__file__).resolve().parents[3]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "indexer", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_enterprise_size_as_the_contract_says() -> None:
    done = run("enterprise-size", "--industry", "工业", "--employees", "150", "--revenue", "5000")
    assert done.returncode == 0 and done.stdout.strip() == "小型"


@pytest.mark.parametrize("args, size", [
    (["--industry", "工业", "--employees", "1000", "--revenue", "40000"], "大型"),
    (["--industry", "零售业", "--employees", "60", "--revenue", "800"], "中型"),
    (["--industry", "建筑业", "--revenue", "500", "--assets", "200"], "微型"),
    (["--industry", "62", "--employees", "5", "--revenue", "80"], "微型"),
])
def test_enterprise_size_in_process(args: list[str], size: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["enterprise-size", *args]) == 0
    assert capsys.readouterr().out.strip() == size


@pytest.mark.parametrize("args, field", [
    (["--industry", "炼金术", "--employees", "3"], "industry"),
    (["--industry", "工业", "--employees", "-3", "--revenue", "5"], "employees"),
    (["--industry", "建筑业", "--revenue", "5000"], "assets"),
    (["--industry", "F", "--employees", "3", "--revenue", "5"], "industry"),
])
def test_enterprise_size_errors_name_the_field(args: list[str], field: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["enterprise-size", *args]) == cli.EXIT_USAGE
    assert capsys.readouterr().err.startswith(f"error: {field}:")


def _profile(tmp_path: Path, **fields: object) -> Path:
    path = tmp_path / "profile.json"
    data = {"name": "北京某餐饮有限公司", "region": "北京市海淀区", "industry": "62", "employees": 40, "revenue": 600,
            "qualifications": [], **fields}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_match_json_has_the_contract_shape(tmp_path: Path) -> None:
    done = run("match", "--profile", str(_profile(tmp_path)), "--as-of", "2020-03-01", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["profile"]["size"] == "小型" and data["profile"]["name"] == "北京某餐饮有限公司"
    assert len(data["measures"]) >= 40
    for entry in data["measures"]:
        assert {"id", "policy_id", "title", "level", "result", "conditions", "benefit", "how"} <= set(entry)
        assert entry["result"] in {"eligible", "ineligible", "unknown"}
        for condition in entry["conditions"]:
            assert condition["met"] in (True, False, None) and {"text", "evidence"} <= set(condition)
    results = [entry["result"] for entry in data["measures"]]
    order = {"eligible": 0, "unknown": 1, "ineligible": 2}
    assert results == sorted(results, key=order.__getitem__)
    shaanxi = next(e for e in data["measures"] if e["id"] == "2224dc16-01")
    assert shaanxi["result"] == "ineligible"  # registered in Beijing, not Shaanxi


def test_match_today_never_shows_an_expired_measure_as_eligible(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    profile = _profile(tmp_path, region="北京市", industry="62", employees=5, revenue=50)
    assert cli.main(["match", "--profile", str(profile), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for entry in data["measures"]:
        period = entry["application_period"]
        if period and period.get("end"):
            assert entry["result"] != "eligible"


def test_match_text_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["match", "--profile", str(_profile(tmp_path)), "--as-of", "2020-03-01"]) == 0
    out = capsys.readouterr().out
    assert "规模：小型" in out and "[待确认]" in out and "[不符合]" in out
    assert "补充这些信息可判断更多政策" not in out  # every open condition is one only a person can check
    unsized = tmp_path / "unsized.json"
    unsized.write_text(json.dumps({"name": "某餐饮", "region": "北京市海淀区", "industry": "62"}), encoding="utf-8")
    assert cli.main(["match", "--profile", str(unsized), "--as-of", "2020-03-01"]) == 0
    assert "补充这些信息可判断更多政策：从业人数、上年营业收入" in capsys.readouterr().out


@pytest.mark.parametrize("fields, field", [
    ({"industry": "火星采矿"}, "industry"),
    ({"employees": -1}, "employees"),
    ({"credit_code": "91350100M000100Y44"}, "credit_code"),
])
def test_a_bad_profile_is_an_error_naming_the_field(tmp_path: Path, fields: dict[str, object], field: str) -> None:
    done = run("match", "--profile", str(_profile(tmp_path, **fields)), "--json")
    assert done.returncode == 2
    assert f"profile.{field}:" in done.stderr and "Traceback" not in done.stderr


def test_missing_file_bad_json_and_bad_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["match", "--profile", str(tmp_path / "none.json")]) == cli.EXIT_USAGE
    broken = tmp_path / "broken.json"
    broken.write_text("{name:", encoding="utf-8")
    assert cli.main(["match", "--profile", str(broken)]) == cli.EXIT_USAGE
    assert cli.main(["match", "--profile", str(_profile(tmp_path)), "--as-of", "2020-13-01"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "--profile:" in err and "not UTF-8 JSON" in err and "--as-of:" in err
