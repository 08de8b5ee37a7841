"""Shared pieces of the benchmark: statistics, interleaved timing, machine facts, tables."""

from __future__ import annotations

import gc
import importlib.metadata
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

LIBRARIES = ("memoram-async", "httpx", "cryptography", "attrs", "starlette", "uvicorn")


@dataclass(frozen=True)
class Stats:
    """The spread of one figure over the runs: median, min and max."""

    values: tuple[float, ...]

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        """Statistics of a non-empty sequence."""
        if not values:
            raise ValueError("no values")
        return cls(tuple(values))

    @property
    def median(self) -> float:
        """The median."""
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        """The smallest value."""
        return min(self.values)

    @property
    def high(self) -> float:
        """The largest value."""
        return max(self.values)

    def cell(self, digits: int = 1, unit: str = "") -> str:
        """``median (min-max)`` for a table cell."""
        return f"{self.median:,.{digits}f}{unit} ({self.low:,.{digits}f}-{self.high:,.{digits}f})"


@dataclass(frozen=True)
class Target:
    """One target of the issue and whether the run met it."""

    name: str
    goal: str
    measured: str
    met: bool
    # Why the target can be missed, shown next to the figure when it is.
    why: str = ""

    @property
    def mark(self) -> str:
        """✅ or ❌."""
        return "✅" if self.met else "❌"

    @property
    def note(self) -> str:
        """The explanation of a miss; nothing when the target is met."""
        return "" if self.met else self.why


def why_missed(cause: str, stats: Stats, limit: float, *, at_most: bool) -> str:
    """``cause``, preceded by a word on noise when the runs' spread straddles the goal."""
    met_in_some = stats.low <= limit if at_most else stats.high >= limit
    if met_in_some:
        return (
            f"Within noise: {stats.low:.2f}-{stats.high:.2f} over the runs spans the goal. " + cause
        )
    return cause


@dataclass
class Section:
    """One section of the report: a title, a few lines of method, and a table."""

    key: str
    title: str
    method: list[str]
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    def markdown(self) -> str:
        """The section as Markdown."""
        lines = [f"## {self.title}", ""]
        lines += self.method
        lines += ["", table(self.headers, self.rows)]
        if self.notes:
            lines += ["", *self.notes]
        return "\n".join(lines)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table."""
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(out)


def ratio_cell(stats: Stats, goal: str, met: bool) -> str:
    """A ratio with its target and mark."""
    return f"{stats.cell(2)} {goal} {'✅' if met else '❌'}"


# -- timing ----------------------------------------------------------------------------------

Batch = Callable[[int], Awaitable[None]]


async def interleaved(
    variants: dict[str, Batch], *, runs: int, rounds: int, batch: int
) -> list[dict[str, float]]:
    """CPU microseconds (this process) per call of each variant, per run.

    Each run is ``rounds`` rounds; each round runs every variant for ``batch`` calls, in an order
    rotated from round to round, so slow drift (CPU frequency, other load) hits all alike. A
    garbage collection before each batch keeps one variant's garbage off another's clock.
    """
    names = list(variants)
    results: list[dict[str, float]] = []
    turn = 0
    for _ in range(runs):
        spent = dict.fromkeys(names, 0.0)
        for _ in range(rounds):
            order = names[turn % len(names) :] + names[: turn % len(names)]
            turn += 1
            for name in order:
                gc.collect()
                # Process CPU time: other processes on the machine do not count against a variant.
                started = time.process_time()
                await variants[name](batch)
                spent[name] += time.process_time() - started
        results.append({name: spent[name] / (rounds * batch) * 1e6 for name in names})
    return results


def column(results: Sequence[dict[str, float]], name: str) -> Stats:
    """One variant's figures over the runs."""
    return Stats.of([run[name] for run in results])


def ratios(results: Sequence[dict[str, float]], name: str, base: str) -> Stats:
    """``name / base`` computed within each run, over the runs."""
    return Stats.of([run[name] / run[base] for run in results])


# -- the machine -----------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    kib = int(line.split()[1])
                    return f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return "unknown"


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (other work on the machine skews the figures)."""
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:  # pragma: no cover - not available
        return "unknown"


def machine_facts() -> list[tuple[str, str]]:
    """What the figures depend on: hardware, OS, Python, libraries, date."""
    cores = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = cores
    facts = [
        ("Date", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("CPU", _cpu_model()),
        ("Cores", f"{cores} ({usable} usable by this process)"),
        ("Memory", _memory()),
        ("OS", platform.platform()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
    ]
    facts += [(name, _version(name)) for name in LIBRARIES]
    return facts
