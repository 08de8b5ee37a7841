"""What the next release needs: the spec diff and the public Python API diff against a git ref.

Usage: ``python -m scripts.release_diff --base REF`` (``make spec-diff BASE=REF``)

1. ``openapi.yaml`` at REF against the working tree, classified by ``scripts/spec_diff.py``;
2. the public API of ``memoram_async`` at REF against the working tree, with griffe: what
   ``griffe.find_breaking_changes`` reports is **major**; a new export, public member or
   parameter is **minor**;
3. the larger of the two bumps, applied to the version in ``pyproject.toml`` at REF. Before 1.0.0
   a breaking change raises the minor number (0.1.0 -> 0.2.0) and anything else the patch number,
   as Cargo and most Python projects do.

Every section ends with its ``semver:`` line; the last two lines are ``semver: <bump>`` for the
whole release and ``next version: X.Y.Z``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import griffe

from scripts import spec_diff

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "memoram_async"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def git_show(ref: str, path: str) -> str:
    """A file's text at a git ref."""
    result = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{ref}:{path}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"cannot read {path} at {ref}: {result.stderr.strip()}")
    return result.stdout


def spec_changes(ref: str) -> list[spec_diff.Change]:
    """The classified spec changes from ``ref`` to the working tree."""
    with tempfile.TemporaryDirectory(prefix="memoram-spec-") as scratch:
        old = Path(scratch) / "openapi.yaml"
        old.write_text(git_show(ref, "openapi.yaml"))
        return spec_diff.diff(spec_diff.load(old), spec_diff.load(ROOT / "openapi.yaml"))


def _public_members(obj: Any) -> dict[str, Any]:
    target = obj.final_target if obj.is_alias else obj
    return {
        name: member
        for name, member in target.members.items()
        if not name.startswith("_") or name == "__init__"
    }


def _parameters(obj: Any) -> set[str]:
    target = obj.final_target if obj.is_alias else obj
    if not target.is_function:
        return set()
    return {parameter.name for parameter in target.parameters if parameter.name != "self"}


def api_additions(old: Any, new: Any) -> list[spec_diff.Change]:
    """New exports, public members of exported classes, and parameters of their methods."""
    changes: list[spec_diff.Change] = []
    old_exports, new_exports = set(old.exports or ()), set(new.exports or ())
    for name in sorted(new_exports - old_exports):
        changes.append(spec_diff.Change("minor", "public name added", f"{PACKAGE}.{name}"))
    for name in sorted(old_exports & new_exports):
        try:
            before, after = old[name], new[name]
            if not (after.final_target if after.is_alias else after).is_class:
                continue
            old_members, new_members = _public_members(before), _public_members(after)
        except (griffe.AliasResolutionError, griffe.CyclicAliasError, KeyError):
            continue
        for member in sorted(new_members.keys() - old_members.keys()):
            where = f"{PACKAGE}.{name}.{member}"
            changes.append(spec_diff.Change("minor", "public member added", where))
        for member in sorted(old_members.keys() & new_members.keys()):
            try:
                added = _parameters(new_members[member]) - _parameters(old_members[member])
            except (griffe.AliasResolutionError, griffe.CyclicAliasError):
                continue
            for parameter in sorted(added):
                where = f"{PACKAGE}.{name}.{member}({parameter})"
                changes.append(spec_diff.Change("minor", "parameter added", where))
    return changes


def api_changes(ref: str) -> list[spec_diff.Change]:
    """Breaking changes (griffe) and additions in the public API from ``ref``."""
    old = griffe.load_git(PACKAGE, ref=ref, repo=ROOT)
    new = griffe.load(PACKAGE, search_paths=[ROOT])
    changes = [
        spec_diff.Change("major", "public API break", ANSI.sub("", breakage.explain()).strip())
        for breakage in griffe.find_breaking_changes(old, new)
    ]
    return changes + api_additions(old, new)


def next_version(version: str, bump: str) -> str:
    """The version after ``version`` for a release needing ``bump``."""
    major, minor, patch = (int(part) for part in version.split(".")[:3])
    if major == 0:
        return f"0.{minor + 1}.0" if bump == "major" else f"0.{minor}.{patch + 1}"
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="HEAD", help="the git ref to compare with")
    args = parser.parse_args(argv)
    spec = spec_changes(args.base)
    api = api_changes(args.base)
    print(f"## openapi.yaml since {args.base}")
    print("\n".join(spec_diff.report(spec)))
    print(f"\n## public API of {PACKAGE} since {args.base} (griffe)")
    print("\n".join(spec_diff.report(api, "no change in the public API")))
    bump = spec_diff.semver(spec + api)
    version = tomllib.loads(git_show(args.base, "pyproject.toml"))["project"]["version"]
    print(f"\n## next release (from {version} at {args.base})")
    print(f"semver: {bump}")
    print(f"next version: {next_version(version, bump)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
