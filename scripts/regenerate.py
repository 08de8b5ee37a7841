"""What CI does when openapi.yaml changes, runnable locally: ``make regenerate-pr-prep``.

1. regenerate generated/ (``make generate``: synced from a scratch folder, stamped); a spec that
   is not valid or a generator that warns stops here, and the report says why;
2. run the checks on what was regenerated: ``make typecheck``, ``make check-spec`` and, unless
   ``--no-tests``, ``make pytest``; each is recorded as passed or failed, and all of them run;
3. classify the changes since the last release recorded in release/ (or ``$BASE``, a git ref:
   ``scripts/release_diff.py``), so re-running, or running again after the regeneration is
   merged, measures the same thing and proposes the same bump;
4. write a Markdown report (``--report``, and appended to ``$GITHUB_STEP_SUMMARY`` when set):
   always, even when a step crashed (the error is in it); a failed check shows pytest's short
   summary of the failing tests (or the check's last lines), not the coverage table;
5. put the CHANGELOG.md entry naming the bump under ``## [Unreleased]``: replaced in place when
   it changed, left alone when it did not, and not written when nothing changed in the spec
   since the release (a released entry is never touched: only the Unreleased section is read);
6. set ``bump``, ``checks`` (``passed`` or ``failed``) and ``changed`` (``true`` when generated/
   differs from the commit checked out, i.e. there is something to propose) in
   ``$GITHUB_OUTPUT`` when set, for the steps that open the pull request.

Exit status 1 when a check failed or a step crashed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import traceback
from pathlib import Path

from scripts import check_generated, release_diff, spec_check

ROOT = Path(__file__).resolve().parent.parent
MARK_START = "<!-- regenerate.py: start -->"
MARK_END = "<!-- regenerate.py: end -->"
UNRELEASED = "## [Unreleased]\n"
SUMMARY_LINES = 60


def run_check(target: str) -> tuple[bool, str]:
    """``make <target>``: whether it passed, and what a reviewer needs of its output."""
    result = subprocess.run(
        ["make", "--no-print-directory", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0, failure_summary(result.stdout + result.stderr)


def failure_summary(output: str) -> str:
    """pytest's short summary of the failing tests when there is one, else the last lines
    without pytest-cov's coverage table."""
    lines = output.rstrip().splitlines()
    start = next((i for i, line in enumerate(lines) if "short test summary info" in line), None)
    if start is not None:
        return "\n".join(lines[start + 1 :][:SUMMARY_LINES])
    kept: list[str] = []
    in_table = False
    for line in lines:
        if line.startswith("---------- coverage") or line.startswith("Name  "):
            in_table = True
        elif in_table and line.startswith("TOTAL"):
            in_table = False
            continue
        if not in_table:
            kept.append(line)
    return "\n".join(kept[-SUMMARY_LINES:])


def changelog_entry(bump: str, base: str, spec_lines: list[str]) -> str:
    """The CHANGELOG block for this regeneration."""
    changes = "\n".join(f"  - `{line}`" for line in spec_lines)
    return (
        f"{MARK_START}\n"
        f"### Changed\n\n"
        f"- The client was regenerated from openapi.yaml (changes since {base}; "
        f"semver: {bump}):\n{changes}\n"
        f"{MARK_END}\n"
    )


def update_changelog(path: Path, entry: str) -> bool:
    """Put ``entry`` under ``## [Unreleased]``, replacing this script's earlier entry there.

    Only the Unreleased section is searched, so an entry that went out with a release stays as
    it was. Returns whether the file changed.
    """
    text = path.read_text()
    if UNRELEASED not in text:
        raise ValueError(f"{path.name} has no '## [Unreleased]' heading")
    head, _, rest = text.partition(UNRELEASED)
    following = re.search(r"^## \[", rest, re.M)
    end = following.start() if following else len(rest)
    section, released = rest[:end], rest[end:]
    block = re.compile(re.escape(MARK_START) + r".*?" + re.escape(MARK_END) + r"\n", re.DOTALL)
    if block.search(section):
        section = block.sub(lambda _: entry, section, count=1)
    else:
        section = f"\n{entry}{section}"
    updated = head + UNRELEASED + section + released
    if updated == text:
        return False
    path.write_text(updated)
    return True


def spec_section(report: str) -> list[str]:
    """The change lines of the spec and generator sections of a release_diff report."""
    found: list[str] = []
    for section in re.split(r"^## ", report, flags=re.M):
        title, _, body = section.partition("\n")
        if title.startswith(("openapi.yaml since", "generator since")):
            skip = ("semver:", "patch no ")
            found += [line for line in body.splitlines() if line and not line.startswith(skip)]
    return found


def _export(name: str, value: str) -> None:
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as sink:
            sink.write(f"{name}={value}\n")


def generated_changed() -> bool:
    """Whether generated/ differs from the commit checked out (something to propose)."""
    result = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "generated"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode != 0 or bool(result.stdout.strip())


class Run:
    """What one run found, for the report."""

    def __init__(self) -> None:
        self.written: list[str] = []
        self.results: dict[str, tuple[bool, str]] = {}
        self.diff = ""
        self.bump = "unknown"
        self.base = "the last release"
        self.error = ""

    @property
    def passed(self) -> bool:
        return not self.error and all(ok for ok, _ in self.results.values())

    def markdown(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        lines = [f"# Regeneration from openapi.yaml (semver: {self.bump}; checks {verdict})", ""]
        if self.error:
            lines += ["## The run stopped", "", "```", self.error.rstrip(), "```", ""]
        lines += ["## generated/", ""]
        lines += [f"- {line}" for line in self.written or ["no file changed"]]
        if self.results:
            lines += ["", "## Checks", "", "| check | result |", "| --- | --- |"]
            lines += [
                f"| make {target} | {'passed' if ok else 'FAILED'} |"
                for target, (ok, _) in self.results.items()
            ]
        for target, (ok, summary) in self.results.items():
            if not ok:
                lines += ["", f"### make {target}", "", "```", summary, "```"]
        if self.diff:
            lines += ["", f"## Changes since {self.base}", "", "```", self.diff.strip(), "```"]
        return "\n".join(lines) + "\n"


def prepare(run: Run, *, base: str | None, tests: bool) -> None:
    """Regenerate, check, classify and write the CHANGELOG entry, recording all in ``run``."""
    run.written = check_generated.write(ROOT)
    print("\n".join(run.written) or "generated/ was already up to date")
    checks = ["typecheck", "check-spec"] + (["pytest"] if tests else [])
    for target in checks:
        run.results[target] = run_check(target)
    chosen = release_diff.choose_base(base)
    run.base = chosen.label
    run.diff = "\n".join(release_diff.report(chosen))
    run.bump = re.findall(r"^semver: (\w+)$", run.diff, re.MULTILINE)[-1]
    changes = spec_section(run.diff)
    if changes:
        entry = changelog_entry(run.bump, chosen.label, changes)
        update_changelog(ROOT / "CHANGELOG.md", entry)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base", default=None, help="git ref to diff with (default: $BASE, else release/)"
    )
    parser.add_argument("--no-tests", action="store_true", help="skip `make pytest`")
    parser.add_argument(
        "--report", type=Path, default=ROOT / "build" / "regenerate-report.md", help="Markdown out"
    )
    args = parser.parse_args(argv)
    run = Run()
    try:
        prepare(run, base=args.base, tests=not args.no_tests)
    except (
        spec_check.SpecError,
        check_generated.GenerationError,
        release_diff.BaseError,
        ValueError,
    ) as exc:
        run.error = str(exc)
    except Exception:  # the report must say why whatever happened
        run.error = traceback.format_exc()
    markdown = run.markdown()
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(markdown)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as sink:
            sink.write(markdown)
    _export("bump", run.bump)
    _export("checks", "passed" if run.passed else "failed")
    _export("changed", "true" if generated_changed() else "false")
    print(markdown)
    if run.error:
        print(run.error.rstrip().splitlines()[-1], file=sys.stderr)
    return 0 if run.passed else 1


if __name__ == "__main__":
    sys.exit(main())
