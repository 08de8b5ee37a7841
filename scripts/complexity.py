"""`make complexity`: fail when a function of memoram_async is more complex than the style allows.

Cyclomatic complexity as radon measures it (every function, method and closure); the limit is
the style's (docs/architecture.md): a function above it does more than one reader can follow.

    python -m scripts.complexity                 # memoram_async, limit 15
    python -m scripts.complexity --limit 10 memoram_async/_call.py
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from radon.complexity import cc_visit
from radon.visitors import Function

LIMIT = 15


def blocks(path: Path) -> Iterator[tuple[str, int]]:
    """Each function of a file (methods and closures included): its name and complexity."""

    def walk(function: Function, name: str) -> Iterator[tuple[str, int]]:
        yield name, function.complexity
        for closure in function.closures:
            yield from walk(closure, f"{name}.{closure.name}")

    for block in cc_visit(path.read_text()):
        # Methods are listed on their own too (with their class name), so classes are skipped.
        if isinstance(block, Function):
            yield from walk(block, block.fullname)


def main(argv: list[str] | None = None) -> int:
    """Print the most complex functions; exit 1 when one is above the limit."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[Path("memoram_async")])
    parser.add_argument("--limit", type=int, default=LIMIT)
    args = parser.parse_args(argv)
    files = sorted(
        file for path in args.paths for file in ([path] if path.is_file() else path.rglob("*.py"))
    )
    found = sorted(
        ((score, f"{file}:{name}") for file in files for name, score in blocks(file)),
        reverse=True,
    )
    over = [(score, where) for score, where in found if score > args.limit]
    top = found[0] if found else (0, "nothing")
    print(f"{len(found)} functions in {len(files)} files; the most complex: {top[1]} ({top[0]})")
    for score, where in over:
        print(f"  {where}: {score} > {args.limit}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
