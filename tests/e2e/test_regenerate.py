"""scripts/regenerate.py: its CHANGELOG entry sits under Unreleased, replaced on each run."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import regenerate

CHANGELOG = "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-11-24\n\n- First.\n"


def test_entry_goes_under_unreleased_and_names_the_bump(tmp_path: Path) -> None:
    """The entry lands between Unreleased and the last release, with the semver bump and changes."""
    path = tmp_path / "CHANGELOG.md"
    path.write_text(CHANGELOG)
    entry = regenerate.changelog_entry("major", "v0.1.0", ["major operation removed: GET /tags"])
    regenerate.update_changelog(path, entry)
    text = path.read_text()
    unreleased, _, released = text.partition("## [0.1.0]")
    assert "semver: major" in unreleased
    assert "`major operation removed: GET /tags`" in unreleased
    assert "- First." in released


def test_second_run_replaces_the_entry(tmp_path: Path) -> None:
    """Running again (the PR is updated) leaves one entry, the latest."""
    path = tmp_path / "CHANGELOG.md"
    path.write_text(CHANGELOG)
    regenerate.update_changelog(path, regenerate.changelog_entry("minor", "v0.1.0", ["a"]))
    regenerate.update_changelog(path, regenerate.changelog_entry("patch", "v0.1.0", ["b"]))
    text = path.read_text()
    assert text.count(regenerate.MARK_START) == 1
    assert "semver: patch" in text
    assert "semver: minor" not in text


def test_spec_section_keeps_only_change_lines() -> None:
    """Only the spec section's change lines go to the CHANGELOG (no semver or API lines)."""
    report = (
        "## openapi.yaml since v0.1.0\nminor response enum value added: X (y)\nsemver: minor\n\n"
        "## public API of memoram_async since v0.1.0 (griffe)\nminor public name added: Z\n"
    )
    assert regenerate.spec_section(report) == ["minor response enum value added: X (y)"]


def test_same_entry_again_leaves_the_file_alone(tmp_path: Path) -> None:
    """Re-running (or running after the merge) with the same changes rewrites nothing."""
    path = tmp_path / "CHANGELOG.md"
    path.write_text(CHANGELOG)
    entry = regenerate.changelog_entry("major", "the last release (0.1.0)", ["major x"])
    assert regenerate.update_changelog(path, entry) is True
    before = path.read_text()
    assert regenerate.update_changelog(path, entry) is False
    assert path.read_text() == before


def test_released_entry_is_never_rewritten(tmp_path: Path) -> None:
    """A marked entry under a released version stays; the new one goes under Unreleased."""
    released = regenerate.changelog_entry("minor", "0.0.9", ["minor old change"])
    path = tmp_path / "CHANGELOG.md"
    path.write_text(CHANGELOG.replace("- First.\n", f"- First.\n\n{released}"))
    regenerate.update_changelog(path, regenerate.changelog_entry("patch", "0.1.0", ["patch y"]))
    unreleased, _, rest = path.read_text().partition("## [0.1.0]")
    assert "patch y" in unreleased
    assert "minor old change" in rest
    assert "patch y" not in rest


def test_crash_still_writes_the_report_with_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step that crashes leaves a report naming the error, and the run fails."""

    def crash(run: regenerate.Run, *, base: str | None, tests: bool) -> None:
        run.written = ["updated models/tag.py"]
        raise RuntimeError("the generator's disk is full")

    monkeypatch.setattr(regenerate, "prepare", crash)
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    report = tmp_path / "report.md"
    assert regenerate.main(["--report", str(report)]) == 1
    text = report.read_text()
    assert "checks FAILED" in text
    assert "RuntimeError: the generator's disk is full" in text
    assert "- updated models/tag.py" in text


def test_failure_summary_is_the_failing_tests_not_the_coverage_table() -> None:
    """A failed pytest run is summarised by its short summary, without the coverage table."""
    output = (
        "..F\n---------- coverage: platform linux ----------\nName    Stmts   Miss\n"
        "memoram_async/_user.py  10  1\nTOTAL  10  1\n"
        "=========================== short test summary info ===========================\n"
        "FAILED tests/unit/test_shapes.py::test_x - AssertionError: name\n"
        "1 failed, 2 passed in 1.0s\n"
    )
    summary = regenerate.failure_summary(output)
    assert (
        summary.splitlines()[0] == "FAILED tests/unit/test_shapes.py::test_x - AssertionError: name"
    )
    assert "Stmts" not in summary
    assert "TOTAL" not in summary
    no_pytest = "mypy: error one\nFound 1 error\n"
    assert regenerate.failure_summary(no_pytest) == no_pytest.strip()
