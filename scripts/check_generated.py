"""Fail when generated/memoram_api differs from what openapi.yaml generates now, and say why.

Regenerates into a temporary folder with the pinned generator and the committed config, then
compares file by file. Every added, missing or changed file is listed, and each is told apart
with the stamp that ``make generate`` writes (``generated/generation.json``: the hashes of the
inputs, the generator's version and the hash of every file it wrote):

- a file that no longer matches its hash in the stamp was edited by hand: generated code is never
  edited, so the fix is to revert the edit and change openapi.yaml or the SDK instead (running
  ``make generate`` would silently discard the edit);
- a file that still matches the stamp while openapi.yaml or the generator config changed since:
  the spec change was not generated yet, so the fix is ``make generate``.

``--write`` is ``make generate``: it generates into a temporary folder and syncs the result into
generated/, deleting files the generator no longer writes, then writes the stamp.

Generation that warns is generation that fails: the generator runs with ``--fail-on-warning``,
so a response it would drop or a reference it cannot resolve stops both modes with the
generator's own words, and generated/ is left as it was. An invalid spec stops them before the
generator runs, in one line (``scripts/spec_check.py``). The generator is part of the release:
the installed generator must be the version ``pyproject.toml`` pins, and so must the one the
stamp records, or the check says which of the three differs.
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

if __package__:
    from scripts import spec_check
else:  # run as a file (python scripts/check_generated.py): its folder is on sys.path
    import spec_check

PACKAGE = "memoram_api"
GENERATOR = "openapi-python-client"
STAMP = "generation.json"
INPUTS = ("openapi.yaml", "openapi-python-client.yaml")
IGNORED_PARTS = {"__pycache__", ".ruff_cache", ".mypy_cache"}
HAND_EDIT = "revert your edit with git checkout -- FILE; change openapi.yaml or the SDK instead"
NOT_GENERATED = "run make generate"
# Exit status when the spec or the generator cannot be used at all (1: generated/ is stale).
UNUSABLE = 2


def _files(root: Path) -> set[Path]:
    return {
        path.relative_to(root)
        for path in root.rglob("*")
        if path.is_file() and not IGNORED_PARTS.intersection(path.parts)
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class GenerationError(Exception):
    """Generation cannot be trusted; ``str()`` says why and what to do."""


def generator_version() -> str:
    """The installed generator's version, recorded in the stamp."""
    return f"{GENERATOR} {version(GENERATOR)}"


def pinned_version(project: Path) -> str | None:
    """The generator as ``pyproject.toml`` pins it (``openapi-python-client X.Y.Z``), if it does."""
    try:
        text = (project / "pyproject.toml").read_text()
    except OSError:
        return None
    found = re.search(rf'"{re.escape(GENERATOR)}==([^"]+)"', text)
    return f"{GENERATOR} {found.group(1)}" if found else None


def check_installed(project: Path) -> None:
    """Refuse to generate with another generator than the pinned one."""
    pinned, installed = pinned_version(project), generator_version()
    if pinned is not None and pinned != installed:
        raise GenerationError(
            f"{installed} is installed, but pyproject.toml pins {pinned}: run make venv"
        )


def _generator_words(output: str) -> str:
    """The generator's report, without its blank lines, skipped integrations and trailer."""
    noise = ("Generating ", "Skipping Integration", "ruff is not in PATH", "If you believe")
    lines = [line.rstrip() for line in output.splitlines()]
    return "\n".join(line for line in lines if line.strip() and not line.startswith(noise))


def generate(project: Path, output: Path) -> None:
    """Run the pinned generator for `project`'s spec and config into `output`.

    Raises:
        spec_check.SpecError: The spec is not valid OpenAPI (one line).
        GenerationError: Another generator than the pinned one, or the generator warned.
    """
    spec_check.load(project / "openapi.yaml", name="openapi.yaml", refs=False)
    check_installed(project)
    # The generator and the ruff its post-hooks call live beside this interpreter in .venv/bin.
    tools = str(Path(sys.executable).parent)
    path = os.pathsep.join([tools, os.environ.get("PATH", "")])
    generator = shutil.which(GENERATOR, path=path)
    if generator is None:
        sys.exit(f"{GENERATOR} is not installed: run `make venv` first")
    result = subprocess.run(
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
            "--fail-on-warning",
            "--output-path",
            str(output),
        ],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path},
    )
    if result.returncode != 0:
        words = _generator_words(result.stdout + result.stderr)
        raise GenerationError(
            f"{GENERATOR} warned on openapi.yaml (a warning fails generation; generated/ is "
            f"left as it was):\n{words}"
        )


def stamp_for(project: Path) -> dict[str, Any]:
    """The stamp of what generated/ holds now, for the inputs as they are now."""
    package = project / "generated" / PACKAGE
    return {
        "generator": generator_version(),
        "inputs": {name: _sha256(project / name) for name in INPUTS},
        "files": {str(path): _sha256(package / path) for path in sorted(_files(package))},
    }


def read_stamp(project: Path) -> dict[str, Any] | None:
    """The stamp written by the last ``make generate``, if any."""
    path = project / "generated" / STAMP
    try:
        stamp: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return stamp


def write(project: Path) -> list[str]:
    """``make generate``: regenerate, sync into generated/ (no stray file left), stamp."""
    target = project / "generated" / PACKAGE
    recorded = (read_stamp(project) or {}).get("files", {})
    changed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="memoram-gen-") as scratch:
        fresh = Path(scratch) / PACKAGE
        generate(project, fresh)
        expected, present = _files(fresh), _files(target) if target.exists() else set()
        for path in sorted(present - expected):
            (target / path).unlink()
            changed.append(f"deleted {path}")
        for path in sorted(expected):
            destination = target / path
            if path in present and filecmp.cmp(fresh / path, destination, shallow=False):
                continue
            if path in present and recorded and recorded.get(str(path)) != _sha256(destination):
                changed.append(f"replaced a hand edit in {path} (edit openapi.yaml instead)")
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(fresh / path, destination)
            changed.append(f"{'updated' if path in present else 'added'} {path}")
    for folder in sorted((p for p in target.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    stamp = json.dumps(stamp_for(project), indent=2, sort_keys=True) + "\n"
    (project / "generated" / STAMP).write_text(stamp)
    return changed


def differences(expected: Path, actual: Path) -> list[tuple[str, Path]]:
    """(how, file) for every file that differs between a fresh generation and the committed one."""
    fresh, committed = _files(expected), _files(actual)
    found = [("missing from generated/", path) for path in sorted(fresh - committed)]
    found += [("not produced by the generator", path) for path in sorted(committed - fresh)]
    found += [
        ("differs", path)
        for path in sorted(fresh & committed)
        if not filecmp.cmp(expected / path, actual / path, shallow=False)
    ]
    return found


def classify(
    project: Path, found: list[tuple[str, Path]], stamp: dict[str, Any] | None
) -> tuple[list[str], list[str], list[str]]:
    """Split differences into hand edits, ungenerated spec changes and anything else."""
    package = project / "generated" / PACKAGE
    recorded: dict[str, str] = (stamp or {}).get("files", {})
    inputs_changed = stamp is None or (stamp.get("inputs") != stamp_for(project)["inputs"])
    hand, spec, other = [], [], []
    for how, path in found:
        line = f"{how}: {path}"
        file = package / path
        now = _sha256(file) if file.exists() else None
        if stamp is not None and now != recorded.get(str(path)):
            location = file.relative_to(project)
            fix = (
                f"delete {location}"
                if now is not None and str(path) not in recorded
                else f"git checkout -- {location}"
            )
            hand.append(f"{line}  ->  {fix}")
        elif inputs_changed:
            spec.append(line)
        else:
            other.append(line)
    return hand, spec, other


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--project",
        type=Path,
        default=Path(__file__).resolve().parent.parent,
        help="the project root holding openapi.yaml and generated/ (default: this checkout)",
    )
    parser.add_argument(
        "--write", action="store_true", help="regenerate and sync generated/ (make generate)"
    )
    args = parser.parse_args(argv)
    try:
        return run(args.project.resolve(), write_mode=args.write)
    except (spec_check.SpecError, GenerationError) as exc:
        print(exc, file=sys.stderr)
        return UNUSABLE


def stamp_problems(project: Path, stamp: dict[str, Any] | None) -> list[str]:
    """Which of the pin and the stamp's generator differs, with what to do."""
    pinned = pinned_version(project)
    recorded = (stamp or {}).get("generator")
    if stamp is None or pinned is None or recorded == pinned:
        return []
    return [
        f"generated/{STAMP} was written by {recorded}, but pyproject.toml pins {pinned}: "
        "run make venv, then make generate, and review the diff"
    ]


def run(project: Path, *, write_mode: bool) -> int:
    """``make generate`` (``write_mode``) or the drift gate; the exit status."""
    if write_mode:
        for line in write(project) or ["generated/ was already up to date"]:
            print(line)
        return 0
    stamp = read_stamp(project)
    with tempfile.TemporaryDirectory(prefix="memoram-gen-") as scratch:
        fresh = Path(scratch) / PACKAGE
        generate(project, fresh)
        found = differences(fresh, project / "generated" / PACKAGE)
    pin = stamp_problems(project, stamp)
    for line in pin:
        print(line)
    if not found:
        if pin:
            return 1
        if stamp != stamp_for(project):
            print(f"generated/{STAMP} does not describe generated/ and its inputs: {NOT_GENERATED}")
            return 1
        print("generated/ is in sync with openapi.yaml")
        return 0
    hand, spec, other = classify(project, found, stamp)
    print("generated/ is out of date with openapi.yaml:")
    if stamp is None:
        print(f"  (no generated/{STAMP}: cannot tell hand edits apart; {NOT_GENERATED})")
    if hand:
        print(f"hand edits in files the generator writes ({HAND_EDIT}):")
        print("\n".join(f"  {line}" for line in hand))
    if spec:
        print(
            f"openapi.yaml or the generator config changed since the last generation "
            f"({NOT_GENERATED}):"
        )
        print("\n".join(f"  {line}" for line in spec))
    if other:
        print(
            f"the generator writes something else from the same inputs (another generator or "
            f"ruff version?): {NOT_GENERATED} and review the diff:"
        )
        print("\n".join(f"  {line}" for line in other))
    return 1


if __name__ == "__main__":
    sys.exit(main())
