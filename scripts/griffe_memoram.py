"""A griffe extension for the API reference (`make docs`): complete sections, defaults as values.

mkdocstrings renders a method's Parameters, Returns and Raises tables from its docstring's
``Args:``, ``Returns:`` and ``Raises:`` sections. Two things the source does not say in the way a
reader of the reference needs:

- A default that names a constant (``max_retries: int = DEFAULT_MAX_RETRIES``) is shown as its
  value (``2``), read from ``memoram_async._constants`` at build time.
- A public method whose docstring has no ``Args:`` or ``Returns:`` section (a one-argument
  method such as ``get_memory(memory_id)``) gets one, built from its signature and the
  descriptions below, so every parameter and every return value has a row. A parameter missing
  from the glossary fails the build (``GlossaryError``): add its description here.

``Raises:`` sections are never made up: they are written in the docstrings, and
``tests/e2e/test_docs.py`` checks every public method has one.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import griffe

SDK = Path(__file__).resolve().parent.parent / "memoram_async"
CONSTANTS = SDK / "_constants.py"
# What a parameter is, by name, wherever a method without an Args: section takes it.
GLOSSARY = {
    "memory_id": "The memory's id (from ``Memory.id``).",
    "tag_id": "The tag's id (from ``Tag.id``).",
    "request_id": "The access request's id (from ``AccessRequest.id``).",
    "credentials": "The user's credentials, from ``get_credentials()`` or "
    "``Credentials.from_dict()``.",
    "timeout": "Seconds, or an ``httpx.Timeout``, for each attempt of the copy's calls; "
    "``NOT_GIVEN`` keeps this one's.",
    "max_retries": "Retries after a transient failure for the copy's calls (0 to 20); "
    "``NOT_GIVEN`` keeps this one's.",
    "total_timeout": "Seconds a whole call may take, its retries and waits included, for the "
    "copy's calls; ``NOT_GIVEN`` keeps this one's.",
    "max_response_bytes": "The largest success body the copy's calls read, in bytes after "
    "decompression; ``NOT_GIVEN`` keeps this one's.",
    "new": "The credentials of the rotated key, from ``get_credentials()`` after the rotation.",
    "data": "What ``to_dict()`` returned: plain values, keys revealed.",
    "value": "A ``Secret``, or the plain string to wrap.",
    "envelope": "Stored content: an envelope (``mrm1.`` + base64url).",
    "text": "Any stored content.",
}


class GlossaryError(Exception):
    """A public parameter has neither a docstring entry nor a glossary description."""


def constant_values() -> dict[str, str]:
    """``NAME -> repr(value)`` for the literal constants of ``_constants.py``."""
    tree = ast.parse(CONSTANTS.read_text())
    values: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            values[node.target.id] = repr(value)
    return values


def public_names() -> set[str]:
    """The names in ``memoram_async.__all__``, read from its source."""
    for node in ast.parse((SDK / "__init__.py").read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__all__":
            return set(ast.literal_eval(node.value))
    raise LookupError("memoram_async/__init__.py has no __all__")


def _params_section(func: griffe.Function, documented: str) -> str:
    names = [
        p.name
        for p in func.parameters
        if p.name not in ("self", "cls") and p.kind.value not in ("variadic positional",)
    ]
    missing = [name for name in names if f"{name}:" not in documented]
    if not missing or "Args:" in documented:
        return ""
    lines = ["Args:"]
    for name in missing:
        description = GLOSSARY.get(name)
        if description is None:
            raise GlossaryError(
                f"{func.path}: describe parameter {name!r} in scripts/griffe_memoram.py"
            )
        lines.append(f"    {name}: {description}")
    return "\n".join(lines)


def _returns_section(func: griffe.Function, documented: str) -> str:
    returns = func.returns
    if returns is None or str(returns) == "None" or "Returns:" in documented:
        return ""
    # The summary line says what the method gives ("One memory, decrypted."): its first sentence.
    first = documented.strip().split("\n\n")[0].replace("\n", " ")
    summary = first.split(". ")[0].rstrip(".") + "." if first else str(returns)
    return f"Returns:\n    {summary}"


class MemoramReference(griffe.Extension):
    """Defaults as values; Args and Returns sections for public methods that lack them."""

    def __init__(self) -> None:
        super().__init__()
        self.constants = constant_values()
        self.public = public_names()

    def on_function(self, *, func: griffe.Function, **kwargs: Any) -> None:
        """Complete one function's signature defaults and docstring sections."""
        for parameter in func.parameters:
            default = str(parameter.default) if parameter.default is not None else ""
            if default in self.constants:
                parameter.default = self.constants[default]
        if func.docstring is None or not func.path.startswith("memoram_async"):
            return
        # Objects are defined in private modules and re-exported: a method is public when its
        # class is in memoram_async.__all__, a function when it is.
        owner = func.parent
        exported = owner.name if isinstance(owner, griffe.Class) else func.name
        if func.name.startswith("_") or exported not in self.public:
            return
        text = func.docstring.value
        added = [s for s in (_params_section(func, text), _returns_section(func, text)) if s]
        if added:
            # Google style order: Args, Returns, then Raises (written by hand).
            head, raises, tail = text.rstrip().partition("\nRaises:")
            func.docstring.value = (
                head.rstrip()
                + "\n\n"
                + "\n\n".join(added)
                + ("\n\nRaises:" + tail if raises else "")
            )
