"""The SDK's module layout keeps to the style: its modules import each other in one direction.

Modules are cut by concern, not by a line count; how complex a function may be is checked by
``make complexity`` (radon).
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def module_name(path: Path, root: Path) -> str:
    """The dotted name of a module file under ``root`` (a package's ``__init__`` is the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The imports that run when the module is imported: not those inside functions or
    classes, nor those under ``if TYPE_CHECKING:`` (its ``else`` branch does run)."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If):
            pending += node.orelse if _is_type_checking(node.test) else node.body + node.orelse
        elif isinstance(node, ast.Try):
            pending += node.body + node.orelse + node.finalbody
            pending += [stmt for handler in node.handlers for stmt in handler.body]
    return found


def import_graph(package: Path) -> dict[str, set[str]]:
    """For each module of ``package``, the modules of the same package it imports at load time."""
    root = package.parent
    modules = {module_name(path, root): path for path in sorted(package.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        here = name.split(".") if is_package else name.split(".")[:-1]
        targets: set[str] = set()
        for node in module_level_imports(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
                continue
            base = here[: len(here) - node.level + 1] if node.level else []
            source = ".".join([*base, *(node.module.split(".") if node.module else [])])
            # `from . import _x` imports the module _x; `from ._x import y` imports _x.
            submodules = {f"{source}.{alias.name}" for alias in node.names}
            targets |= (submodules & modules.keys()) or {source}
        graph[name] = {target for target in targets if target in modules and target != name}
    return graph


def import_cycle(package: Path) -> list[str] | None:
    """One import cycle among the package's modules, or None when the imports form a DAG."""
    try:
        tuple(graphlib.TopologicalSorter(import_graph(package)).static_order())
    except graphlib.CycleError as error:
        cycle: list[str] = error.args[1]
        return cycle
    return None


def test_the_sdk_has_no_import_cycle() -> None:
    """The modules of memoram_async import each other in one direction only."""
    graph = import_graph(ROOT / "memoram_async")
    assert {"memoram_async._client", "memoram_async._models"} <= graph.keys()
    assert "memoram_async._models" in graph["memoram_async._convert"]
    cycle = import_cycle(ROOT / "memoram_async")
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_a_cycle_is_found_and_type_checking_imports_are_not_counted(tmp_path: Path) -> None:
    """The cycle check sees load-time cycles through relative and absolute imports, and ignores
    imports under TYPE_CHECKING or inside functions."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from ._a import A\n")
    (package / "_a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import _b\n"
        "if TYPE_CHECKING:\n    from ._c import C\n"
        "def late():\n    from ._c import C\n"
        "A = 1\n"
    )
    (package / "_b.py").write_text("import os\n")
    (package / "_c.py").write_text("from ._a import A\nC = A\n")
    assert import_graph(package)["pkg._a"] == {"pkg._b"}
    assert import_cycle(package) is None

    (package / "_b.py").write_text("from pkg._c import C\n")
    cycle = import_cycle(package)
    assert cycle is not None
    assert set(cycle) == {"pkg._a", "pkg._b", "pkg._c"}
