"""Fail when generated/memoram_api differs from what openapi.yaml generates now.

Regenerates into a temporary folder with the pinned generator and the committed config, then
compares file by file. Every added, missing or changed file is listed, so a forgotten
`make generate` or a hand edit in generated/ is caught with the names of the files involved.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGE = "memoram_api"
IGNORED_PARTS = {"__pycache__", ".ruff_cache", ".mypy_cache"}


def _files(root: Path) -> set[Path]:
    return {
        path.relative_to(root)
        for path in root.rglob("*")
        if path.is_file() and not IGNORED_PARTS.intersection(path.parts)
    }


def generate(project: Path, output: Path) -> None:
    """Run the pinned generator for `project`'s spec and config into `output`."""
    # The generator and the ruff its post-hooks call live beside this interpreter in .venv/bin.
    tools = str(Path(sys.executable).parent)
    path = os.pathsep.join([tools, os.environ.get("PATH", "")])
    generator = shutil.which("openapi-python-client", path=path)
    if generator is None:
        sys.exit("openapi-python-client is not installed: run `make venv` first")
    subprocess.run(
        [
            generator,
            "generate",
            "--path",
            str(project / "openapi.yaml"),
            "--config",
            str(project / "openapi-python-client.yaml"),
            "--meta",
            "none",
            "--overwrite",
            "--output-path",
            str(output),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PATH": path},
    )


def differences(expected: Path, actual: Path) -> list[str]:
    """Describe every file that differs between a fresh generation and the committed one."""
    fresh, committed = _files(expected), _files(actual)
    lines = [f"missing from generated/: {path}" for path in sorted(fresh - committed)]
    lines += [f"not produced by the generator: {path}" for path in sorted(committed - fresh)]
    lines += [
        f"differs: {path}"
        for path in sorted(fresh & committed)
        if not filecmp.cmp(expected / path, actual / path, shallow=False)
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--project",
        type=Path,
        default=Path(__file__).resolve().parent.parent,
        help="the project root holding openapi.yaml and generated/ (default: this checkout)",
    )
    args = parser.parse_args(argv)
    project: Path = args.project.resolve()
    with tempfile.TemporaryDirectory(prefix="memoram-gen-") as scratch:
        fresh = Path(scratch) / PACKAGE
        generate(project, fresh)
        problems = differences(fresh, project / "generated" / PACKAGE)
    if problems:
        print("generated/ is out of date with openapi.yaml; run `make generate`:")
        for line in problems:
            print(f"  {line}")
        return 1
    print("generated/ is in sync with openapi.yaml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
