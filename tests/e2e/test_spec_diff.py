"""scripts/spec_diff.py and scripts/release_diff.py: each kind of spec change gets its bump."""

from __future__ import annotations

import copy
import dataclasses
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts import release_diff, spec_diff

ROOT = Path(__file__).resolve().parents[2]
SPEC: dict[str, Any] = yaml.safe_load((ROOT / "openapi.yaml").read_text())
SCHEMAS = "components"


def schema(spec: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = spec["components"]["schemas"][name]
    return found


def list_memories(spec: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = spec["paths"]["/memory-blobs"]["get"]
    return found


def limit(spec: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in list_memories(spec)["parameters"] if "name" in p)
    assert found["name"] == "limit"
    return found


def rename_memory_key(spec: dict[str, Any]) -> None:
    target = schema(spec, "CreateAccessRequest")
    target["properties"]["memory_key"] = target["properties"].pop("memoryKey")
    target["required"] = ["memory_key", "reason"]


def add_operation(spec: dict[str, Any]) -> None:
    spec["paths"]["/tags/{tagId}"]["delete"] = {
        "operationId": "deleteTag",
        "tags": ["Memory Tag Management"],
        "parameters": [
            {"name": "tagId", "in": "path", "required": True, "schema": {"type": "string"}}
        ],
        "responses": {"200": {"description": "Deleted."}},
    }


Mutation = Callable[[dict[str, Any]], None]
CASES: list[tuple[str, Mutation, str, str]] = [
    (
        "new optional response field",
        lambda s: schema(s, "MemoryBlobResponse")["properties"].update(pinned={"type": "boolean"}),
        "patch response property added: MemoryBlobResponse.pinned",
        "patch",
    ),
    (
        "removed response field",
        lambda s: schema(s, "MemoryBlobResponse")["properties"].pop("source"),
        "major response property removed: MemoryBlobResponse.source",
        "major",
    ),
    (
        "renamed wire field",
        rename_memory_key,
        "major request property removed: CreateAccessRequest.memoryKey (renamed to memory_key?)",
        "major",
    ),
    (
        "new enum value in a response",
        lambda s: schema(s, "AccessRequestStatus")["enum"].append("expired"),
        "minor response enum value added: AccessRequestStatus (expired)",
        "minor",
    ),
    (
        "open enum closed to its members",
        lambda s: schema(s, "AccessRequest")["properties"].update(
            status={"$ref": "#/components/schemas/AccessRequestStatus"}
        ),
        "patch response enum closed: AccessRequest.status",
        "patch",
    ),
    (
        "number becomes integer in a request",
        lambda s: schema(s, "CreateMemoryRequest")["properties"].update(
            importance={"type": "integer"}
        ),
        "major request type changed: CreateMemoryRequest.importance (number -> integer)",
        "major",
    ),
    (
        "lower maximum on a parameter",
        lambda s: limit(s)["schema"].update(maximum=50),
        "major request maximum narrowed: GET /memory-blobs query limit (100 -> 50)",
        "major",
    ),
    (
        "higher maximum on a parameter",
        lambda s: limit(s)["schema"].update(maximum=200),
        "patch request maximum widened: GET /memory-blobs query limit (100 -> 200)",
        "patch",
    ),
    (
        "new operation",
        add_operation,
        "patch operation added: DELETE /tags/{tagId}",
        "patch",
    ),
    (
        "removed operation",
        lambda s: s["paths"]["/tags/{tagId}"].pop("get"),
        "major operation removed: GET /tags/{tagId} (getTag)",
        "major",
    ),
    (
        "new required parameter",
        lambda s: list_memories(s)["parameters"].append(
            {"name": "scope", "in": "query", "required": True, "schema": {"type": "string"}}
        ),
        "major parameter added, required: GET /memory-blobs query scope",
        "major",
    ),
    (
        "response field becomes optional",
        lambda s: schema(s, "Tag")["required"].remove("color"),
        "major response property now optional: Tag.color",
        "major",
    ),
    (
        "request field becomes optional",
        lambda s: schema(s, "CreateAccessRequest")["required"].remove("reason"),
        "patch request property now optional: CreateAccessRequest.reason",
        "patch",
    ),
    (
        "response field becomes nullable",
        lambda s: schema(s, "Tag")["properties"]["name"].update(nullable=True),
        "major response nullable added: Tag.name",
        "major",
    ),
    (
        "request property deprecated",
        lambda s: schema(s, "CreateMemoryRequest")["properties"]["source"].update(deprecated=True),
        "minor request deprecated: CreateMemoryRequest.source",
        "minor",
    ),
    (
        "parameter deprecated",
        lambda s: limit(s).update(deprecated=True),
        "minor parameter deprecated: GET /memory-blobs query limit",
        "minor",
    ),
    (
        "operation deprecated",
        lambda s: s["paths"]["/tags/{tagId}"]["get"].update(deprecated=True),
        "minor operation deprecated: GET /tags/{tagId}",
        "minor",
    ),
    (
        "server moved",
        lambda s: s["servers"][0].update(url="https://api.memoram.app/api/v2"),
        "major server moved: https://api.memoram.app/api/v1 -> https://api.memoram.app/api/v2",
        "major",
    ),
    (
        "server added",
        lambda s: s["servers"].append({"url": "https://eu.memoram.app/api/v1"}),
        "patch server added: https://eu.memoram.app/api/v1",
        "patch",
    ),
]


def run(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    mutate: Mutation,
    *,
    old: Path = ROOT / "openapi.yaml",
) -> list[str]:
    """spec_diff's lines for ``old`` (default openapi.yaml) against a mutated openapi.yaml, from
    its ``main`` in this process (a child would spend a second importing the spec validator;
    the command line itself is run as a child below)."""
    new = copy.deepcopy(SPEC)
    mutate(new)
    new_path = tmp_path / "new.yaml"
    new_path.write_text(yaml.safe_dump(new, sort_keys=False))
    capsys.readouterr()
    assert spec_diff.main([str(old), str(new_path)]) == 0
    return capsys.readouterr().out.splitlines()


@pytest.mark.parametrize(
    ("mutate", "line", "bump"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_change_is_classified(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mutate: Mutation, line: str, bump: str
) -> None:
    """The change is one printed line with its bump, and the last line is the release's bump."""
    lines = run(tmp_path, capsys, mutate)
    normalized = [" ".join(printed.split()) for printed in lines]
    assert any(printed.startswith(" ".join(line.split())) for printed in normalized), lines
    assert lines[-1] == f"semver: {bump}"


def test_opening_a_closed_response_enum_is_minor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A closed status enum opened to any string (as this spec does) is a minor change."""
    closed = copy.deepcopy(SPEC)
    schema(closed, "AccessRequest")["properties"]["status"] = {
        "$ref": "#/components/schemas/AccessRequestStatus"
    }
    old = tmp_path / "closed.yaml"
    old.write_text(yaml.safe_dump(closed, sort_keys=False))
    lines = run(tmp_path, capsys, lambda s: None, old=old)
    assert lines == ["minor response enum opened: AccessRequest.status", "semver: minor"]


def test_identical_specs_are_a_patch_without_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing changed: one note and `semver: patch`."""
    assert run(tmp_path, capsys, lambda s: None) == ["patch no change in the spec", "semver: patch"]


@pytest.mark.parametrize(
    ("version", "bump", "expected"),
    [
        ("0.1.0", "major", "0.2.0"),
        ("0.1.0", "minor", "0.1.1"),
        ("0.1.3", "patch", "0.1.4"),
        ("1.2.3", "major", "2.0.0"),
        ("1.2.3", "minor", "1.3.0"),
        ("1.2.3", "patch", "1.2.4"),
    ],
)
def test_next_version(version: str, bump: str, expected: str) -> None:
    """The next version follows semver (below 1.0, a breaking change raises the minor number)."""
    assert release_diff.next_version(version, bump) == expected


def test_public_api_additions_and_breaks_are_found(tmp_path: Path) -> None:
    """griffe sees a removed field as major and a new parameter as minor."""
    import griffe

    old_pkg = tmp_path / "old" / "pkg"
    new_pkg = tmp_path / "new" / "pkg"
    for folder, body in (
        (old_pkg, "class A:\n    x: int\n    y: int\n    def f(self, a: int) -> None: ...\n"),
        (new_pkg, "class A:\n    x: int\n    def f(self, a: int, b: int = 0) -> None: ...\n"),
    ):
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text('from ._m import A\n__all__ = ["A"]\n')
        (folder / "_m.py").write_text(body)
    old = griffe.load("pkg", search_paths=[old_pkg.parent])
    new = griffe.load("pkg", search_paths=[new_pkg.parent])
    breaks = [b.explain() for b in griffe.find_breaking_changes(old, new)]
    additions = [change.line() for change in release_diff.api_additions(old, new)]
    assert any("A.y" in text for text in breaks), breaks
    assert "minor parameter added: memoram_async.A.f(b)" in additions


INVALID_SPECS = [
    (
        "YAML syntax error",
        lambda text: text.replace("  /tags:\n", "  /tags: [\n", 1),
        r"^new\.yaml:\d+: YAML syntax error: ",
    ),
    (
        "schema error",
        lambda text: text.replace("  - url: https://api.memoram.app/api/v1", "  - uri: x", 1),
        r'^new\.yaml:13: not valid OpenAPI 3\.0: "url" is a required property \(at servers\.0\)$',
    ),
    (
        "dangling $ref",
        lambda text: text.replace("schemas/TagList'", "schemas/TagListing'", 1),
        r"^new\.yaml:\d+: \$ref to nothing: #/components/schemas/TagListing \(at paths\./tags\.get",
    ),
]


@pytest.mark.parametrize(
    ("edit", "pattern"), [case[1:] for case in INVALID_SPECS], ids=[c[0] for c in INVALID_SPECS]
)
def test_invalid_spec_is_one_line_without_traceback(
    tmp_path: Path, edit: Callable[[str], str], pattern: str
) -> None:
    """spec_diff refuses an invalid spec in one line naming file, line and problem (exit 2)."""
    new = tmp_path / "new.yaml"
    new.write_text(edit((ROOT / "openapi.yaml").read_text()))
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "spec_diff.py"), str(ROOT / "openapi.yaml"), new],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert re.match(pattern, result.stderr.replace(str(tmp_path) + "/", "")), result.stderr


def test_generator_change_is_its_own_line() -> None:
    """A base written by another generator than generated/'s stamp gives one patch line."""
    base = release_diff.release_base()
    other = dataclasses.replace(base, generator="openapi-python-client 0.28.4")
    now = release_diff.current_generator()
    lines = [change.line() for change in release_diff.generator_changes(other)]
    assert lines == [
        f"patch generator changed: openapi-python-client 0.28.4 -> {now} (the generated client "
        "may differ; the public-API diff and the release test show how)"
    ]
    assert release_diff.generator_changes(dataclasses.replace(base, generator=now)) == []


def fresh_clone(tmp_path: Path) -> Path:
    """A clone of this repository's committed state, as a CI checkout or a new contributor has."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    return clone


def run_spec_diff(clone: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`make spec-diff`'s command in a clone, with ``env`` added to the environment."""
    return subprocess.run(
        [sys.executable, "-m", "scripts.release_diff"],
        cwd=clone,
        env={**os.environ, "PYTHONPATH": f"{clone}:{clone / 'generated'}", **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )


def test_spec_diff_in_a_fresh_clone_measures_from_the_last_release(tmp_path: Path) -> None:
    """Without BASE, a fresh clone (no tags) compares with release/ and names its version."""
    clone = fresh_clone(tmp_path)
    result = run_spec_diff(clone, {"BASE": ""})
    assert result.returncode == 0, result.stderr
    version = (clone / "release" / "VERSION").read_text().strip()
    assert f"## openapi.yaml since the last release ({version})" in result.stdout
    assert f"## next release (from {version})" in result.stdout
    assert re.search(r"^next version: \d+\.\d+\.\d+$", result.stdout, re.M)


def test_base_reaches_the_script_as_data_not_shell(tmp_path: Path) -> None:
    """A BASE crafted to break out of quotes runs nothing: it is a (bad) git ref, one line."""
    marker = tmp_path / "pwned"
    attack = f"main'; touch {marker}; echo '"
    dry = subprocess.run(
        [
            "make",
            "-n",
            "-o",
            ".venv/.installed",
            "regenerate-pr-prep",
            "spec-diff",
            f"BASE={attack}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert "pwned" not in dry.stdout, dry.stdout
    real = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "spec-diff", f"BASE={attack}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert not marker.exists()
    assert real.returncode != 0
    assert f"cannot read pyproject.toml at {attack}" in real.stderr
    assert "Traceback" not in real.stderr
