"""What CI does when openapi.yaml changes, runnable locally: ``make regenerate-pr-prep``.

1. regenerate generated/ (``make generate``: synced from a scratch folder, stamped);
2. run the checks on what was regenerated: ``make typecheck``, ``make check-spec`` and, unless
   ``--no-tests``, ``make pytest``; each is recorded as passed or failed, and all of them run;
3. classify the changes since ``--base`` (``scripts/release_diff.py``: spec diff, public-API
   diff, semver bump, next version);
4. write a Markdown report (``--report``, and appended to ``$GITHUB_STEP_SUMMARY`` when set)
   and a CHANGELOG.md entry under ``## [Unreleased]`` naming the bump (replaced, not repeated,
   on the next run);
5. set ``bump``, ``checks`` (``passed`` or ``failed``) and ``changed`` (``true`` when generated/
   changed) in ``$GITHUB_OUTPUT`` when set, for the step that opens the pull request.

Exit status 1 when a check failed (the report and the CHANGELOG entry are written all the same,
so a reviewer sees what the spec change needs in the SDK).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

from scripts import check_generated

ROOT = Path(__file__).resolve().parent.parent
MARK_START = "<!-- regenerate.py: start -->"
MARK_END = "<!-- regenerate.py: end -->"


def default_base() -> str:
    """The latest release tag, or the previous commit when there is no tag."""
    result = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--tags", "--abbrev=0"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() if result.returncode == 0 else "HEAD~1"


def run_check(target: str) -> tuple[bool, str]:
    """``make <target>``: whether it passed, and the tail of its output."""
    result = subprocess.run(
        ["make", "--no-print-directory", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-40:])
    return result.returncode == 0, tail


def release_report(base: str) -> tuple[str, str]:
    """The release_diff output for ``base``, and the bump it ends with."""
    result = subprocess.run(
        [sys.executable, "-m", "scripts.release_diff", "--base", base],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    bump = re.findall(r"^semver: (\w+)$", result.stdout, re.MULTILINE)[-1]
    return result.stdout, bump


def changelog_entry(bump: str, base: str, spec_lines: list[str]) -> str:
    """The CHANGELOG block for this regeneration."""
    changes = "\n".join(f"  - `{line}`" for line in spec_lines) or "  - (no spec change)"
    return (
        f"{MARK_START}\n"
        f"### Changed\n\n"
        f"- The client was regenerated from openapi.yaml (changes since {base}; "
        f"semver: {bump}):\n{changes}\n"
        f"{MARK_END}\n"
    )


def update_changelog(path: Path, entry: str) -> None:
    """Put ``entry`` under ``## [Unreleased]``, replacing an earlier entry of this script."""
    text = path.read_text()
    block = re.compile(re.escape(MARK_START) + r".*?" + re.escape(MARK_END) + r"\n", re.DOTALL)
    if block.search(text):
        text = block.sub(lambda _: entry, text, count=1)
    else:
        heading = "## [Unreleased]\n"
        if heading not in text:
            sys.exit(f"{path} has no '## [Unreleased]' heading")
        text = text.replace(heading, f"{heading}\n{entry}", 1)
    path.write_text(text)


def spec_section(report: str) -> list[str]:
    """The change lines of the spec section of a release_diff report."""
    section = report.split("## ", 2)[1].splitlines()[1:]
    return [line for line in section if line and not line.startswith(("semver:", "patch no "))]


def _export(name: str, value: str) -> None:
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as sink:
            sink.write(f"{name}={value}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="", help="git ref to diff with (default: last tag)")
    parser.add_argument("--no-tests", action="store_true", help="skip `make pytest`")
    parser.add_argument(
        "--report", type=Path, default=ROOT / "build" / "regenerate-report.md", help="Markdown out"
    )
    args = parser.parse_args(argv)
    base = args.base or default_base()

    written = check_generated.write(ROOT)
    print("\n".join(written) or "generated/ was already up to date")
    checks = ["typecheck", "check-spec"] + ([] if args.no_tests else ["pytest"])
    results = {target: run_check(target) for target in checks}
    report, bump = release_report(base)

    lines = [f"# Regeneration from openapi.yaml (semver: {bump})", ""]
    lines += ["## generated/", "", *(f"- {line}" for line in written or ["no file changed"]), ""]
    lines += ["## Checks", "", "| check | result |", "| --- | --- |"]
    lines += [f"| make {t} | {'passed' if ok else 'FAILED'} |" for t, (ok, _) in results.items()]
    for target, (ok, tail) in results.items():
        if not ok:
            lines += ["", f"### make {target}", "", "```", tail, "```"]
    lines += ["", "## Changes since " + base, "", "```", report.strip(), "```", ""]
    markdown = "\n".join(lines)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(markdown)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as sink:
            sink.write(markdown)
    update_changelog(ROOT / "CHANGELOG.md", changelog_entry(bump, base, spec_section(report)))

    passed = all(ok for ok, _ in results.values())
    _export("bump", bump)
    _export("checks", "passed" if passed else "failed")
    _export("changed", "true" if written else "false")
    print(markdown)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
