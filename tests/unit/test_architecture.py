"""docs/architecture.md is true: the packages' arrows point one way, and its module tables are
complete. Each test pins one claim of the page; the page names this file."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.support.imports import top_level_imports

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text()
PACKAGES = {
    "memoram_api": ROOT / "generated" / "memoram_api",
    "memoram_async": ROOT / "memoram_async",
    "memoram_local": ROOT / "memoram_local",
    "memoram_pytest": ROOT / "memoram_pytest",
}
PUBLIC_OBJECTS = ("AccessRequest", "Credentials", "Memory", "Tag")


def arrows(paths: list[Path], *, load_time_only: bool = False) -> set[str]:
    """The packages of this distribution that the modules at ``paths`` import."""
    found: set[str] = set()
    for path in paths:
        found |= top_level_imports(path, load_time_only=load_time_only)
    return found & set(PACKAGES)


def modules(package: str, under: str = "") -> list[Path]:
    """The module files of ``package`` (of its subpackage ``under``, when given)."""
    folder = PACKAGES[package] / under if under else PACKAGES[package]
    return sorted(folder.rglob("*.py"))


def test_the_generated_client_and_the_local_server_import_nothing_of_ours() -> None:
    """memoram_api and memoram_local import no other package of this distribution: the local
    server shares no code with the SDK."""
    assert arrows(modules("memoram_api")) <= {"memoram_api"}
    assert arrows(modules("memoram_local")) <= {"memoram_local"}


def test_the_sdk_imports_the_generated_client_and_never_the_plugin() -> None:
    """memoram_async's own modules import memoram_api only; its testing helpers add the local
    server (on first use), the deprecated memoram_async.local re-exports it; no module of
    memoram_async imports memoram_pytest, so the fixtures live in one place, without a cycle."""
    sdk = [path for path in modules("memoram_async") if path.parent == PACKAGES["memoram_async"]]
    assert arrows(sdk) == {"memoram_api"}
    assert arrows(modules("memoram_async", "testing")) == {"memoram_local"}
    testing_init = PACKAGES["memoram_async"] / "testing" / "__init__.py"
    assert arrows([testing_init], load_time_only=True) == set()
    assert arrows(modules("memoram_async", "local")) == {"memoram_local"}
    assert "memoram_pytest" not in arrows(modules("memoram_async"))


def test_the_plugin_imports_the_others_inside_its_fixtures_only() -> None:
    """memoram_pytest imports the SDK's testing helpers and the local server, none at load
    time, so loading the plugin imports none of the SDK."""
    assert arrows(modules("memoram_pytest")) == {"memoram_async", "memoram_local"}
    assert arrows(modules("memoram_pytest"), load_time_only=True) == set()


def test_nothing_of_ours_imports_the_deprecated_local_path() -> None:
    """memoram_async.local is imported by no module of the four packages."""
    users = [
        str(path.relative_to(ROOT))
        for folder in PACKAGES.values()
        for path in folder.rglob("*.py")
        if "memoram_async.local" in path.read_text() and "local" not in path.parent.name
    ]
    assert users == []


def test_every_sdk_module_is_named_on_the_page() -> None:
    """Each private module of memoram_async is named in docs/architecture.md, and every module
    the page names exists."""
    modules = {path.name for path in PACKAGES["memoram_async"].glob("_*.py")} - {"__init__.py"}
    named = set(re.findall(r"\b(_[a-z_]+\.py)\b", ARCHITECTURE))
    assert modules - named == set(), "describe these modules in docs/architecture.md"
    assert named - modules == set(), "docs/architecture.md names modules that do not exist"


@pytest.mark.parametrize("name", PUBLIC_OBJECTS)
def test_public_objects_are_built_in_convert_only(name: str) -> None:
    """In the SDK, Memory, AccessRequest, Credentials and Tag are constructed only in
    _convert.py (from generated models) and _models.py (their own constructors)."""
    builders = set()
    for path in PACKAGES["memoram_async"].glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
                builders.add(path.name)
    assert builders <= {"_convert.py", "_models.py"}
    assert "_convert.py" in builders or name == "Memory"
