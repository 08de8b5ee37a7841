"""A smoke test of scripts/bench.py: the quick mode runs every section and writes the report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECTION_TITLES = (
    "## 1. Per-call overhead",
    "## 2. Throughput over loopback",
    "## 3. Encryption",
    "## 4. Tokens",
    "## 5. Listing",
    "## 6. Throughput with many calls in flight",
)


def _file_state(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def test_quick_bench_writes_every_section_to_the_given_output_only(tmp_path: Path) -> None:
    """--quick --output runs all six sections, prints what it writes, leaves BENCHMARKS.md."""
    committed = ROOT / "BENCHMARKS.md"
    before = _file_state(committed)
    output = tmp_path / "report.md"
    result = subprocess.run(
        [sys.executable, "-m", "scripts.bench", "--quick", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=100,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = output.read_text(encoding="utf-8")
    assert report.strip() == result.stdout.strip()
    for title in SECTION_TITLES:
        assert title in report
    assert "| Python | CPython " in report
    assert "| httpx | " in report
    # Every section's targets land in the summary, each with its mark.
    summary = report.split("## Targets", 1)[1].split("## 1.", 1)[0]
    target_rows = [
        line for line in summary.splitlines() if line.startswith("| ") and "|---" not in line
    ][1:]
    # Per-call: 2 seams x 2 encryption settings x create/get; loopback: 4 variants x 3 levels;
    # throughput (quick: 3 levels): SDK vs raw aiohttp per level, the speedup at 64, and
    # 4 variants completing.
    assert len(target_rows) == 8 + 12 + 2 + 1 + 1 + 3 + 1 + 4
    marks = [row.strip("|").split("|")[3].strip() for row in target_rows]
    assert set(marks) <= {"✅", "❌"}
    # A missed target says why, next to its figure.
    assert all(row.strip("|").split("|")[4].strip() for row in target_rows if "❌" in row)
    assert "(c) memoram_async `transport=`, encryption off" in report
    assert "(e) memoram_async `http_client=`, encryption off" in report
    assert "/auth/token` requests per burst | 1 (1-1)" in report
    assert _file_state(committed) == before
