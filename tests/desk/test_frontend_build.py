"""The bundles the desk serves (desk/static/widget.js, desk/static/console/*.js and cards.css) are
committed, built by esbuild from desk/frontend/src: rebuilding them into a temporary folder must give
the committed files byte for byte, so an edit of a source without `make frontend` fails here."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "desk" / "frontend"
STATIC = ROOT / "desk" / "static"
BUNDLES = ("widget.js", "console/console.js", "console/knowledge.js", "console/analytics.js", "console/demands.js",
           "console/cards.css")


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    node = shutil.which("node")
    assert node, "Node.js is missing: install it (Debian package nodejs), then run `make frontend`"
    assert (FRONTEND / "node_modules" / "esbuild").is_dir(), "esbuild is not installed: run `make frontend`"
    out = tmp_path_factory.mktemp("frontend")
    subprocess.run([node, str(FRONTEND / "build.mjs"), "--outdir", str(out)], check=True, timeout=120,
                   capture_output=True, text=True)
    return out


@pytest.mark.parametrize("bundle", BUNDLES)
def test_committed_bundle_matches_its_sources(rebuilt: Path, bundle: str) -> None:
    committed = (STATIC / bundle).read_bytes()
    assert (rebuilt / bundle).read_bytes() == committed, f"desk/static/{bundle} is stale: run `make frontend`"


def test_build_writes_only_the_listed_bundles(rebuilt: Path) -> None:
    written = sorted(str(p.relative_to(rebuilt)) for p in rebuilt.rglob("*") if p.is_file())
    assert written == sorted(BUNDLES)


def test_the_widget_is_one_classic_script_with_its_styles_inside() -> None:
    widget = (STATIC / "widget.js").read_text(encoding="utf-8")
    # An IIFE, not an ES module: embedding pages keep their one <script src=".../widget.js"> tag.
    assert widget.split("\n", 2)[1] == "(() => {" and widget.rstrip().endswith("})();")
    assert not re.search(r"^\s*(import|export)\b", widget, re.MULTILINE)
    # The stylesheet is adopted into the Shadow DOM, not a <style> element the page's CSP could block.
    assert "adoptedStyleSheets" in widget and ".daofu-launcher {" in widget and ".daofu-card {" in widget


def test_console_pages_load_only_bundles_that_exist() -> None:
    for page in (STATIC / "console").glob("*.html"):
        html = page.read_text(encoding="utf-8")
        for name in ("common.js",):
            assert name not in html, f"{page.name} still loads {name}, which is bundled into each page's script now"
        for ref in [part.split('"', 1)[0] for part in html.split('src="/console/static/')[1:]]:
            assert (STATIC / "console" / ref).is_file(), f"{page.name} loads a missing /console/static/{ref}"
