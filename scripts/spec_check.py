"""Read openapi.yaml for the tools, or refuse it in one line: ``FILE:LINE: what is wrong``.

Usage: ``python -m scripts.spec_check [openapi.yaml]`` (the first step of ``make check-spec``).

Every tool that reads the spec (``make generate``, ``make check-spec``, ``make spec-diff``,
``make regenerate-pr-prep``) goes through :func:`load`, so a YAML syntax error, a document that
is not OpenAPI 3.0 or a ``$ref`` to nothing stops each of them the same way: one line naming the
file, the line and what is wrong, and no Python traceback. The line of a schema error is found
by walking the YAML nodes along the error's path, so it points at the offending key.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml
from openapi_spec_validator import OpenAPIV30SpecValidator


class SpecError(Exception):
    """The spec cannot be used; ``str()`` is the one line to print."""


def _node_line(text: str, keys: Iterable[Any]) -> int:
    """The 1-based line of the node at ``keys`` (or of the deepest ancestor that exists)."""
    node = yaml.compose(text)
    line = node.start_mark.line if node is not None else 0
    for key in keys:
        if isinstance(node, yaml.MappingNode):
            found = next((pair for pair in node.value if pair[0].value == str(key)), None)
            if found is None:
                break
            line, node = found[0].start_mark.line, found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line
        else:
            break
    return line + 1


def _refs(node: Any, where: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(path, target) of every local ``$ref`` in a document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield (*where, key), value
            else:
                yield from _refs(value, (*where, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _refs(value, (*where, index))


def _dangling(document: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Local ``$ref`` values that name nothing in the document."""
    for where, target in _refs(document):
        if not target.startswith("#/"):
            continue
        node: Any = document
        for part in target.removeprefix("#/").split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                yield where, target
                break
            node = node[part]


def load(path: Path, *, name: str | None = None, refs: bool = True) -> dict[str, Any]:
    """The spec at ``path`` as a dict, once it parses and validates as OpenAPI 3.0.

    Args:
        path: The YAML file.
        name: How to name the file in the error (default: ``path`` as given).
        refs: Refuse a ``$ref`` to nothing (the generator's own check reports it in its own
            words, so ``make generate`` passes False).

    Raises:
        SpecError: Unreadable, not YAML, not an OpenAPI 3.0 document, or a dangling ``$ref``.
    """
    label = name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"{label}: cannot read it: {exc}") from exc
    try:
        document = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"{mark.line + 1}" if mark is not None else "?"
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        raise SpecError(f"{label}:{line}: YAML syntax error: {what}") from exc
    except yaml.YAMLError as exc:
        raise SpecError(f"{label}: YAML error: {exc}") from exc
    if not isinstance(document, dict):
        raise SpecError(f"{label}:1: not an OpenAPI document (a YAML mapping is expected)")
    for where, target in _dangling(document):
        if not refs:
            # The validator cannot walk a dangling $ref; the generator names it instead.
            return document
        line = _node_line(text, where)
        at = ".".join(str(key) for key in where[:-1])
        raise SpecError(f"{label}:{line}: $ref to nothing: {target} (at {at})")
    error = next(OpenAPIV30SpecValidator(document).iter_errors(), None)
    if error is not None:
        keys = list(getattr(error, "absolute_path", ()) or ())
        at = ".".join(str(key) for key in keys) or "the document"
        message = " ".join(str(getattr(error, "message", error)).split("\n\n")[0].split())
        if len(message) > 200:
            message = message[:197] + "..."
        raise SpecError(
            f"{label}:{_node_line(text, keys)}: not valid OpenAPI 3.0: {message} (at {at})"
        )
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", nargs="?", type=Path, default=Path("openapi.yaml"))
    args = parser.parse_args(argv)
    try:
        load(args.spec)
    except SpecError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{args.spec}: valid OpenAPI 3.0, every $ref resolves")
    return 0


if __name__ == "__main__":
    sys.exit(main())
