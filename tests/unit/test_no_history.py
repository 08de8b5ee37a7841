"""Comments and docstrings explain the code as it is; they never recount a history the reader
cannot see ("issue 5", "used to hang", "round 2")."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("memoram_async", "memoram_local", "memoram_pytest", "tests", "scripts", "examples")
HISTORY = re.compile(r"\bissue #?\d+|\bused to (?:hang|fail|crash|be)\b|\bround \d+\b", re.I)


def history_lines(paths: list[Path], root: Path = ROOT) -> list[str]:
    """``path:line: text`` (relative to ``root``) for each line that names history."""
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if HISTORY.search(line):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


def test_no_source_line_names_history() -> None:
    """No line of the packages, tests, scripts or examples names an issue or a past state."""
    paths = [p for folder in FOLDERS for p in (ROOT / folder).rglob("*.py")]
    paths.remove(Path(__file__).resolve())
    assert history_lines(paths) == []


def test_the_check_sees_history(tmp_path: Path) -> None:
    """The pattern catches each banned form and leaves ordinary words alone."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "# fixed in issue 5\n# this used to hang\n# round 2 of the review\n"
        "x = round(2.5)  # the id, used to poll it; around 10 issues\n"
    )
    found = history_lines([sample], tmp_path)
    where = [line.split(": ", 1)[0] for line in found]
    assert where == ["sample.py:1", "sample.py:2", "sample.py:3"]
