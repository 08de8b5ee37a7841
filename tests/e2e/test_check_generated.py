"""The drift gate (scripts/check_generated.py) fails on hand edits and on unregenerated specs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_generated.py"


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


def run_gate(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--project", str(project)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_unchanged_copy_passes(project_copy: Path) -> None:
    """A faithful copy of the checkout is in sync."""
    result = run_gate(project_copy)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hand_edit_in_generated_fails_and_names_the_file(project_copy: Path) -> None:
    """Editing one generated file makes the gate fail and list that file."""
    edited = project_copy / "generated" / "memoram_api" / "models" / "tag.py"
    edited.write_text(edited.read_text() + "\n# hand edit\n")
    result = run_gate(project_copy)
    assert result.returncode == 1
    assert "differs: models/tag.py" in result.stdout


def test_spec_change_without_regenerating_fails(project_copy: Path) -> None:
    """A new schema property in openapi.yaml without `make generate` fails the gate."""
    spec = project_copy / "openapi.yaml"
    text = spec.read_text()
    anchor = "        is_enabled:\n          type: boolean\n"
    assert anchor in text
    spec.write_text(text.replace(anchor, anchor + "        archived:\n          type: boolean\n"))
    result = run_gate(project_copy)
    assert result.returncode == 1
    assert "differs: models/tag.py" in result.stdout


def test_extra_file_in_generated_fails(project_copy: Path) -> None:
    """A file the generator does not produce is reported."""
    (project_copy / "generated" / "memoram_api" / "extra.py").write_text("x = 1\n")
    result = run_gate(project_copy)
    assert result.returncode == 1
    assert "not produced by the generator: extra.py" in result.stdout
