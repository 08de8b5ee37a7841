"""The test tree keeps its tiers apart: a tier imports ``tests.support`` and itself, nothing else.

What several tiers share (the fake API, the chaos scenarios, tables) lives in ``tests/support/``;
a tier that imported another tier's modules would run that tier's collection, fixtures and
costs, and could not be run or moved alone.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIERS = ("unit", "emulator", "sdk_local", "scenarios", "e2e")
SHARED = "support"


def imported_modules(path: Path, root: Path) -> set[str]:
    """Every module ``path`` imports anywhere in its body (functions included), as dotted names."""
    # The package a relative import starts from: the folder, for a module and for an __init__.
    here = list(path.relative_to(root).parent.parts)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            source = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found |= {source} | {f"{source}.{alias.name}" for alias in node.names}
    return found


def crossings(tree: Path, root: Path) -> dict[str, set[str]]:
    """For each module under ``tree``, the test modules it imports that it may not."""
    owner = tree.name
    allowed = {owner, SHARED} if owner != SHARED else {SHARED}
    bad: dict[str, set[str]] = {}
    for path in sorted(tree.rglob("*.py")):
        wrong = {
            name
            for name in imported_modules(path, root)
            if name.startswith("tests.") and name.split(".")[1] not in allowed
        }
        if wrong:
            bad[str(path.relative_to(root))] = wrong
    return bad


@pytest.mark.parametrize("tier", [*TIERS, SHARED])
def test_a_tier_imports_only_itself_and_tests_support(tier: str) -> None:
    """No tier imports another tier's modules, and tests/support imports no tier."""
    tree = ROOT / "tests" / tier
    assert any(tree.rglob("*.py"))
    bad = crossings(tree, ROOT)
    assert not bad, f"move what is shared into tests/support/: {bad}"


def test_scripts_import_only_tests_support() -> None:
    """The scripts (make chaos) reach into the test tree only through tests/support."""
    used = {
        name
        for path in (ROOT / "scripts").rglob("*.py")
        for name in imported_modules(path, ROOT)
        if name.startswith("tests.")
    }
    assert {name.split(".")[1] for name in used} <= {SHARED}


def test_a_crossing_is_found_through_absolute_relative_and_late_imports(tmp_path: Path) -> None:
    """The check sees absolute, relative and function-level imports of another tier."""
    tests = tmp_path / "tests"
    for folder in ("unit", "sdk_local", "support"):
        (tests / folder).mkdir(parents=True)
        (tests / folder / "__init__.py").write_text("")
    (tests / "support" / "fake.py").write_text("X = 1\n")
    (tests / "unit" / "test_a.py").write_text(
        "from tests.support.fake import X\nfrom . import helpers\nfrom .helpers import Y\n"
    )
    (tests / "unit" / "helpers.py").write_text("Y = 2\n")
    assert crossings(tests / "unit", tmp_path) == {}

    (tests / "sdk_local" / "test_b.py").write_text(
        "def late():\n    from tests.unit.test_a import X\n"
    )
    (tests / "sdk_local" / "test_c.py").write_text("from ..unit import helpers\n")
    (tests / "support" / "bad.py").write_text("import tests.unit.helpers\n")
    assert crossings(tests / "sdk_local", tmp_path) == {
        "tests/sdk_local/test_b.py": {"tests.unit.test_a", "tests.unit.test_a.X"},
        "tests/sdk_local/test_c.py": {"tests.unit", "tests.unit.helpers"},
    }
    assert crossings(tests / "support", tmp_path) == {
        "tests/support/bad.py": {"tests.unit.helpers"}
    }
