"""The drift gate (scripts/check_generated.py) tells hand edits from ungenerated spec changes."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts import check_generated, spec_check

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_generated.py"
# What the generator wrote for each (spec, config, pin) this process has seen: a tree to copy, or
# the error it raised. The generator costs 4 to 5 s of CPU a run and most tests give it the same
# spec; each distinct input still goes through the real generator once.
GENERATED: dict[str, Path | Exception] = {}


@dataclass
class Outcome:
    """What one run of the gate printed, and its exit status."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A scratch copy of what the drift gate reads: the spec, the config and generated/."""
    for name in ("openapi.yaml", "openapi-python-client.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(
        ROOT / "generated",
        tmp_path / "generated",
        ignore=shutil.ignore_patterns("__pycache__", ".ruff_cache"),
    )
    return tmp_path


@pytest.fixture
def run_gate(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[..., Outcome]:
    """Runs the drift gate (or, with --write, `make generate`) on a project copy: its ``main``
    in this process, the generator's output reused for a (spec, config) it already saw."""
    generate = check_generated.generate

    def remembered(project: Path, output: Path) -> None:
        # The pin in pyproject.toml decides whether the generator may run at all.
        inputs = [project / name for name in (*check_generated.INPUTS, "pyproject.toml")]
        key = hashlib.sha256(
            b"\0".join(path.read_bytes() if path.exists() else b"-" for path in inputs)
        ).hexdigest()
        if key not in GENERATED:
            kept = tmp_path_factory.mktemp("generated") / check_generated.PACKAGE
            try:
                generate(project, kept)
            except (check_generated.GenerationError, spec_check.SpecError) as exc:
                GENERATED[key] = exc
            else:
                GENERATED[key] = kept
        found = GENERATED[key]
        if isinstance(found, Exception):
            raise found
        shutil.copytree(found, output)

    monkeypatch.setattr(check_generated, "generate", remembered)

    def run(project: Path, *args: str) -> Outcome:
        capsys.readouterr()
        status = check_generated.main(["--project", str(project), *args])
        printed = capsys.readouterr()
        return Outcome(status, printed.out, printed.err)

    return run


def run_script(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The gate as `make check-generated` runs it: the script in a child."""
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--project", str(project), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def add_property(project: Path, schema_anchor: str, addition: str) -> None:
    """Change openapi.yaml in a project copy: add a property after an anchor line."""
    spec = project / "openapi.yaml"
    text = spec.read_text()
    assert schema_anchor in text
    spec.write_text(text.replace(schema_anchor, schema_anchor + addition, 1))


TAG_ANCHOR = "        is_enabled:\n          type: boolean\n"
ERROR_ANCHOR = "          description: A sentence for humans.\n"
TAG = "generated/memoram_api/models/tag.py"


def test_unchanged_copy_passes(project_copy: Path) -> None:
    """A faithful copy of the checkout is in sync: the script, run as make runs it."""
    result = run_script(project_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "generated/ is in sync with openapi.yaml" in result.stdout


def test_hand_edit_is_told_to_revert_not_to_regenerate(
    project_copy: Path, run_gate: Callable[..., Outcome]
) -> None:
    """A hand edit with the spec unchanged is named as one, with git checkout as the fix."""
    edited = project_copy / TAG
    edited.write_text(edited.read_text() + "\n# hand edit\n")
    result = run_gate(project_copy)
    assert result.returncode == 1
    assert f"differs: models/tag.py  ->  git checkout -- {TAG}" in result.stdout
    assert "change openapi.yaml or the SDK instead" in result.stdout
    assert "run make generate" not in result.stdout


def test_spec_change_without_regenerating_is_told_to_generate(
    project_copy: Path, run_gate: Callable[..., Outcome]
) -> None:
    """A new schema property without `make generate` is reported as a spec change."""
    add_property(project_copy, TAG_ANCHOR, "        archived:\n          type: boolean\n")
    result = run_gate(project_copy)
    assert result.returncode == 1
    assert "(run make generate):\n  differs: models/tag.py\n" in result.stdout
    assert "git checkout" not in result.stdout


def test_hand_edit_and_spec_change_are_told_apart(
    project_copy: Path, run_gate: Callable[..., Outcome]
) -> None:
    """With both at once, the edited file is a hand edit and the other one a spec change."""
    edited = project_copy / TAG
    edited.write_text(edited.read_text() + "\n# hand edit\n")
    add_property(project_copy, ERROR_ANCHOR, "        hint:\n          type: string\n")
    result = run_gate(project_copy)
    assert result.returncode == 1
    hand, _, spec = result.stdout.partition("(run make generate):")
    assert f"git checkout -- {TAG}" in hand
    assert "differs: models/error.py" in spec
    assert "tag.py" not in spec


def test_extra_file_in_generated_is_a_stray_to_delete(
    project_copy: Path, run_gate: Callable[..., Outcome]
) -> None:
    """A file the generator does not produce is reported with the command that removes it."""
    (project_copy / "generated" / "memoram_api" / "extra.py").write_text("x = 1\n")
    result = run_gate(project_copy)
    assert result.returncode == 1
    assert (
        "not produced by the generator: extra.py  ->  delete generated/memoram_api/extra.py"
        in result.stdout
    )


def test_generate_syncs_without_strays_and_restamps(
    project_copy: Path, run_gate: Callable[..., Outcome]
) -> None:
    """`make generate` deletes strays, writes the spec change and stamps: the gate then passes."""
    stray = project_copy / "generated" / "memoram_api" / "models" / "old_model.py"
    stray.write_text("x = 1\n")
    add_property(project_copy, TAG_ANCHOR, "        archived:\n          type: boolean\n")
    written = run_gate(project_copy, "--write")
    assert written.returncode == 0, written.stderr
    assert "deleted models/old_model.py" in written.stdout
    assert "updated models/tag.py" in written.stdout
    assert not stray.exists()
    assert "archived" in (project_copy / TAG).read_text()
    result = run_gate(project_copy)
    assert result.returncode == 0, result.stdout


def test_generate_says_when_it_replaces_a_hand_edit(
    project_copy: Path, run_gate: Callable[..., Outcome]
) -> None:
    """`make generate` over a hand edit says it replaced one, so the loss is not silent."""
    edited = project_copy / TAG
    edited.write_text(edited.read_text() + "\n# hand edit\n")
    written = run_gate(project_copy, "--write")
    assert "replaced a hand edit in models/tag.py" in written.stdout
    assert "# hand edit" not in edited.read_text()


def test_stale_stamp_fails(project_copy: Path, run_gate: Callable[..., Outcome]) -> None:
    """A spec change that generates nothing new still needs the stamp refreshed."""
    spec = project_copy / "openapi.yaml"
    spec.write_text(spec.read_text() + "# a comment\n")
    result = run_gate(project_copy)
    assert result.returncode == 1
    assert "generation.json does not describe generated/" in result.stdout


def test_generator_warning_fails_in_the_generators_words(
    project_copy: Path, run_gate: Callable[..., Outcome]
) -> None:
    """A $ref to nothing makes the generator warn: both modes fail, quoting it; nothing changes."""
    spec = project_copy / "openapi.yaml"
    spec.write_text(spec.read_text().replace("schemas/TagList'", "schemas/TagListing'", 1))
    before = (project_copy / "generated" / "memoram_api" / "api").stat().st_mtime
    for args in ((), ("--write",)):
        result = run_gate(project_copy, *args)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "WARNING parsing GET /tags within memory_tag_management." in result.stderr
        assert "response will be omitted from generated client" in result.stderr
        assert "Traceback" not in result.stderr
    assert (project_copy / "generated" / "memoram_api" / "api").stat().st_mtime == before


def test_invalid_yaml_is_one_line(project_copy: Path, run_gate: Callable[..., Outcome]) -> None:
    """A YAML syntax error stops the gate in one line naming file and line, no traceback."""
    spec = project_copy / "openapi.yaml"
    spec.write_text(spec.read_text().replace("  /tags:\n", "  /tags: [\n", 1))
    result = run_gate(project_copy)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("openapi.yaml:")
    assert "YAML syntax error" in result.stderr


def test_stamp_written_by_another_generator_than_the_pin_fails(
    project_copy: Path, run_gate: Callable[..., Outcome]
) -> None:
    """The stamp's generator must be the pinned one; the message names both versions."""
    shutil.copy(ROOT / "pyproject.toml", project_copy / "pyproject.toml")
    stamp = project_copy / "generated" / "generation.json"
    recorded = json.loads(stamp.read_text())
    pinned = recorded["generator"]
    recorded["generator"] = "openapi-python-client 0.28.4"
    stamp.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n")
    result = run_gate(project_copy)
    assert result.returncode == 1
    assert (
        "generated/generation.json was written by openapi-python-client 0.28.4, but "
        f"pyproject.toml pins {pinned}: run make venv, then make generate" in result.stdout
    )


def test_installed_generator_other_than_the_pin_refuses(
    project_copy: Path, run_gate: Callable[..., Outcome]
) -> None:
    """With another generator installed than the pin, nothing is generated or compared."""
    text = (ROOT / "pyproject.toml").read_text()
    (project_copy / "pyproject.toml").write_text(
        text.replace('"openapi-python-client==0.29.1"', '"openapi-python-client==0.28.4"')
    )
    result = run_gate(project_copy, "--write")
    assert result.returncode == 2
    assert "is installed, but pyproject.toml pins openapi-python-client 0.28.4: run make venv" in (
        result.stderr
    )
