"""Dependencies point one way (ARCHITECTURE.md): each top-level part imports only what it may.

Every module's imports are read with ``ast``, lazy ones inside functions included (they are
dependencies too, only deferred). Tests are not a part.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = frozenset({"daofu_core", "daofu_protocol", "indexer", "actions", "desk", "launcher", "bench", "bot"})
# The part of the action server the desk's try-it may use: what the bot says, without rasa_sdk.
COMPOSER = "actions.composer"

# part -> what it must not import (ours or outside packages), and why.
FORBIDDEN: dict[str, tuple[frozenset[str], str]] = {
    "daofu_core": (OURS - {"daofu_core"}, "the shared core sits under every part and knows none of them"),
    "indexer": (frozenset({"desk", "actions", "launcher", "bench", "bot", "rasa", "rasa_sdk"}),
                "the search library serves the others and never knows them"),
    "actions": (frozenset({"desk", "launcher", "bench", "bot", "rasa"}),
                "the action server talks to the desk only through Rasa"),
    "desk": (frozenset({"launcher", "bench", "bot", "rasa", "rasa_sdk"}),
             "the desk relays to Rasa over HTTP and never loads Rasa's or the launcher's code"),
    "bot": (frozenset({"desk", "actions", "launcher", "bench"}), "the bot reaches the desk only through its payloads"),
    "launcher": (frozenset({"bench"}), "the launcher starts the parts; the benchmarks are not one"),
}


def modules(part: str) -> list[Path]:
    return sorted(path for path in (ROOT / part).rglob("*.py") if "node_modules" not in path.parts)


def imported(path: Path) -> set[str]:
    """Dotted names of every absolute import in the module: ``from a.b import c`` gives ``a.b`` and
    ``a.b.c`` (c may be a module). Relative imports stay inside their part and are left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def roots(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def violations(part: str, forbidden: frozenset[str]) -> list[str]:
    return [f"{path.relative_to(ROOT)} imports {name}"
            for path in modules(part) for name in sorted(roots(imported(path)) & forbidden)]


def module_file(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def closure(name: str) -> set[str]:
    """``name`` and every module of ours it imports, directly or not."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        path = module_file(current)
        if current in seen or path is None:
            continue
        seen.add(current)
        todo.extend(other for other in imported(path) if other.split(".")[0] in OURS)
    return seen


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_part_imports_only_what_it_may(part: str) -> None:
    forbidden, why = FORBIDDEN[part]
    assert modules(part), f"{part}/ holds no module"
    assert not violations(part, forbidden), f"{part}: {why}"


def test_the_desk_uses_only_the_composer_of_the_action_server() -> None:
    found = [f"{path.relative_to(ROOT)} imports {name}" for path in modules("desk") for name in sorted(imported(path))
             if name.split(".")[0] == "actions" and name not in ("actions", COMPOSER)
             and not name.startswith(COMPOSER + ".")]
    assert not found, "the desk's try-it calls actions.composer; the rest of actions/ is the action server's"


def test_the_composer_needs_no_rasa_sdk_and_no_desk() -> None:
    reached = closure(COMPOSER)
    assert COMPOSER in reached
    outside = {f"{name} imports {other}" for name in reached for other in roots(imported(module_file(name)))  # type: ignore[arg-type]
               if other in {"rasa_sdk", "rasa", "desk", "launcher", "bench"}}
    assert not outside, "the answer composer is pure: the actions and the desk's try-it both call it"
    # Importing actions.composer runs actions/__init__.py first.
    assert not imported(ROOT / "actions" / "__init__.py"), "actions/__init__.py must import nothing"


def test_the_contract_module_imports_only_the_standard_library() -> None:
    assert modules("daofu_protocol"), "daofu_protocol/ holds no module"
    outside = {f"{path.relative_to(ROOT)} imports {name}" for path in modules("daofu_protocol")
               for name in roots(imported(path)) if name not in sys.stdlib_module_names and name != "daofu_protocol"}
    assert not outside, "the contract module is shared by every side and imports nothing else"


def test_nothing_imports_the_benchmarks() -> None:
    found = [message for part in sorted(OURS - {"bench"}) for message in violations(part, frozenset({"bench"}))]
    assert not found, "bench/ calls the library, never the reverse"


def test_no_module_imports_an_entry_point() -> None:
    found = [f"{path.relative_to(ROOT)} imports {name}" for part in sorted(OURS) for path in modules(part)
             for name in sorted(imported(path)) if name.endswith(".__main__") or ".__main__." in name]
    assert not found, "a __main__ module is a thin entry point; import the library module it calls"


def test_the_check_sees_lazy_and_from_imports(tmp_path: Path) -> None:
    module = tmp_path / "example.py"
    module.write_text("import os.path\nfrom . import sibling\n\ndef later():\n    from desk.app import create_app\n"
                      "    import rasa_sdk.executor\n", encoding="utf-8")
    assert imported(module) == {"os.path", "desk.app", "desk.app.create_app", "rasa_sdk.executor"}
    assert roots(imported(module)) == {"os", "desk", "rasa_sdk"}


def test_importing_the_desk_app_does_not_load_rasa_sdk() -> None:
    code = ("import sys; from desk.app import create_app; "
            "print(sorted(name for name in sys.modules if name.split('.')[0] in {'rasa_sdk', 'rasa'}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
