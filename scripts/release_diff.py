"""What the next release needs: spec, generator and public-API changes since the last release.

Usage: ``python -m scripts.release_diff [--base REF]`` (``make spec-diff [BASE=REF]``)

The base is the last release, recorded in the tree in ``release/`` (tags may not travel with a
clone): ``release/VERSION``, ``release/openapi.yaml``, ``release/GENERATOR`` (the generator that
wrote that release's client) and ``release/public-api.json`` (griffe's dump of
``memoram_async``). ``--base REF``, or the environment variable ``BASE`` (which ``make`` passes
through), compares with a git ref instead. The report:

1. ``openapi.yaml`` at the base against the working tree, classified by ``scripts/spec_diff.py``;
2. the generator that wrote ``generated/`` (its stamp) against the base's, as its own line;
3. the public API of ``memoram_async`` at the base against the working tree, with griffe: what
   ``griffe.find_breaking_changes`` reports is **major**; a new export, public member or
   parameter is **minor**;
4. the largest bump, applied to the base's version. Before 1.0.0 a breaking change raises the
   minor number (0.1.0 -> 0.2.0) and anything else the patch number, as Cargo does.

Every section ends with its ``semver:`` line; the last two lines are ``semver: <bump>`` for the
whole release and ``next version: X.Y.Z``.

``--snapshot`` records the working tree (or ``--base REF``) as the last release: the release
step, ``make release-snapshot``, run once the version in pyproject.toml and its CHANGELOG heading
are set. It also takes the regeneration markers out of that CHANGELOG section, so the next
regeneration writes a new Unreleased entry instead of rewriting a released one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import griffe

from scripts import spec_check, spec_diff

ROOT = Path(__file__).resolve().parent.parent
RELEASE = ROOT / "release"
PACKAGE = "memoram_async"
GENERATOR_STAMP = "generated/generation.json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
REGENERATION_MARKS = ("<!-- regenerate.py: start -->\n", "<!-- regenerate.py: end -->\n")


class BaseError(Exception):
    """The base cannot be read; ``str()`` is the one line to print."""


@dataclass(frozen=True)
class Base:
    """What the changes are measured from."""

    label: str
    version: str
    generator: str | None
    spec_text: str
    load_api: Callable[[], Any]


def git_show(ref: str, path: str) -> str:
    """A file's text at a git ref."""
    result = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{ref}:{path}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BaseError(f"cannot read {path} at {ref}: {result.stderr.strip()}")
    return result.stdout


def _pinned_generator(pyproject: str) -> str | None:
    found = re.search(r'"openapi-python-client==([^"]+)"', pyproject)
    return f"openapi-python-client {found.group(1)}" if found else None


def _stamp_generator(text: str) -> str | None:
    try:
        found = json.loads(text).get("generator")
    except (ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None


def _api_from_json(text: str) -> Any:
    """A griffe module from ``public-api.json``, attached to a collection so aliases resolve."""
    module = json.loads(text, object_hook=griffe.json_decoder)
    collection = griffe.ModulesCollection()
    collection.set_member(module.path, module)
    module._modules_collection = collection
    return module


def release_base() -> Base:
    """The last release, as ``make release-snapshot`` recorded it in release/."""
    try:
        version = (RELEASE / "VERSION").read_text().strip()
        spec_text = (RELEASE / "openapi.yaml").read_text()
        generator = (RELEASE / "GENERATOR").read_text().strip() or None
        api_text = (RELEASE / "public-api.json").read_text()
    except OSError as exc:
        raise BaseError(
            f"no last release recorded in release/ ({exc.strerror}: {exc.filename}): "
            "run make release-snapshot, or pass BASE=<git ref>"
        ) from exc
    label = f"the last release ({version})"
    return Base(label, version, generator, spec_text, lambda: _api_from_json(api_text))


def git_base(ref: str) -> Base:
    """The state at a git ref."""
    pyproject = git_show(ref, "pyproject.toml")
    version = tomllib.loads(pyproject)["project"]["version"]
    try:
        generator = _stamp_generator(git_show(ref, GENERATOR_STAMP))
    except BaseError:  # before the stamp existed, the pin said which generator wrote generated/
        generator = _pinned_generator(pyproject)
    return Base(
        ref,
        version,
        generator,
        git_show(ref, "openapi.yaml"),
        lambda: griffe.load_git(PACKAGE, ref=ref, repo=ROOT),
    )


def choose_base(ref: str | None) -> Base:
    """``--base``, else ``$BASE``, else the last release."""
    ref = ref or os.environ.get("BASE", "").strip()
    return git_base(ref) if ref else release_base()


def spec_changes(base: Base) -> list[spec_diff.Change]:
    """The classified spec changes from the base to the working tree."""
    with tempfile.TemporaryDirectory(prefix="memoram-spec-") as scratch:
        old = Path(scratch) / "openapi.yaml"
        old.write_text(base.spec_text)
        before = spec_diff.load(old, name=f"openapi.yaml at {base.label}")
        return spec_diff.diff(before, spec_diff.load(ROOT / "openapi.yaml", name="openapi.yaml"))


def current_generator() -> str | None:
    """The generator that wrote generated/, from its stamp."""
    try:
        return _stamp_generator((ROOT / GENERATOR_STAMP).read_text())
    except OSError:
        return None


def generator_changes(base: Base) -> list[spec_diff.Change]:
    """One line when the generator that wrote generated/ is not the base's."""
    now = current_generator()
    if base.generator == now or base.generator is None or now is None:
        return []
    detail = "the generated client may differ; the public-API diff and the release test show how"
    return [spec_diff.Change("patch", "generator changed", f"{base.generator} -> {now}", detail)]


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


def current_api() -> Any:
    """The public API of the working tree."""
    return griffe.load(PACKAGE, search_paths=[ROOT])


def api_changes(base: Base) -> list[spec_diff.Change]:
    """Breaking changes (griffe) and additions in the public API since the base."""
    old, new = base.load_api(), current_api()
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


def report(base: Base) -> list[str]:
    """The printed report."""
    spec = spec_changes(base)
    generator = generator_changes(base)
    api = api_changes(base)
    now = current_generator() or "unknown"
    lines = [f"## openapi.yaml since {base.label}", *spec_diff.report(spec), ""]
    lines += [f"## generator since {base.label}"]
    lines += spec_diff.report(generator, f"no change of the generator ({now})")
    lines += ["", f"## public API of {PACKAGE} since {base.label} (griffe)"]
    lines += spec_diff.report(api, "no change in the public API")
    bump = spec_diff.semver(spec + generator + api)
    since = "" if base.version in base.label else f" at {base.label}"
    lines += ["", f"## next release (from {base.version}{since})"]
    lines += [f"semver: {bump}", f"next version: {next_version(base.version, bump)}"]
    return lines


# Left out of public-api.json: docstrings break nothing.
UNRECORDED = frozenset({"docstring"})


def _api_json(module: Any) -> str:
    """griffe's dump of a module, one value a line, without what breaks nothing."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: strip(value) for key, value in node.items() if key not in UNRECORDED}
        if isinstance(node, list):
            return [strip(value) for value in node]
        return node

    return json.dumps(strip(json.loads(module.as_json())), indent=0, sort_keys=True) + "\n"


def release_changelog(path: Path, version: str) -> None:
    """Check the CHANGELOG has the release's heading; unmark the regeneration entry in it."""
    text = path.read_text()
    heading = re.search(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.M)
    if heading is None:
        raise BaseError(
            f"{path.name} has no '## [{version}] - YYYY-MM-DD' heading: move the Unreleased "
            "entries under it first"
        )
    head, section = text[: heading.end()], text[heading.end() :]
    following = re.search(r"^## \[", section, re.M)
    end = following.start() if following else len(section)
    released = section[:end]
    for mark in REGENERATION_MARKS:
        released = released.replace(mark, "")
    path.write_text(head + released + section[end:])


def snapshot(ref: str | None) -> list[str]:
    """``make release-snapshot``: record the working tree (or ``ref``) as the last release."""
    if ref:
        base = git_base(ref)
        version, spec_text, generator = base.version, base.spec_text, base.generator
        module = base.load_api()
    else:
        version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
        spec_text = (ROOT / "openapi.yaml").read_text()
        generator = current_generator()
        module = current_api()
        release_changelog(ROOT / "CHANGELOG.md", version)
    with tempfile.TemporaryDirectory(prefix="memoram-spec-") as scratch:
        checked = Path(scratch) / "openapi.yaml"
        checked.write_text(spec_text)
        spec_check.load(checked, name=f"openapi.yaml at {ref or 'the working tree'}")
    RELEASE.mkdir(exist_ok=True)
    (RELEASE / "VERSION").write_text(version + "\n")
    (RELEASE / "openapi.yaml").write_text(spec_text)
    (RELEASE / "GENERATOR").write_text((generator or "") + "\n")
    (RELEASE / "public-api.json").write_text(_api_json(module))
    return [f"release/ now records {version} ({ref or 'the working tree'}, {generator})"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base", default=None, help="a git ref to compare with (default: $BASE, else release/)"
    )
    parser.add_argument(
        "--snapshot", action="store_true", help="record the working tree (or --base) in release/"
    )
    args = parser.parse_args(argv)
    try:
        lines = snapshot(args.base) if args.snapshot else report(choose_base(args.base))
    except (BaseError, spec_check.SpecError) as exc:
        print(exc, file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
