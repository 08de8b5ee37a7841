"""scripts/regenerate.py: its CHANGELOG entry sits under Unreleased, replaced on each run."""

from __future__ import annotations

from pathlib import Path

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
