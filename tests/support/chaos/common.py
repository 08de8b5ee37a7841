"""What every chaos scenario shares: the result row, the outcome tally, the table, setup helpers.

The scenarios live in the ``tests.support.chaos`` package so that ``scripts/chaos.py`` runs
them at full size and the tests in ``tests/scenarios/`` run the very same code small.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from memoram_async import Credentials, MemoramClient, MemoramError

T = TypeVar("T")

UNTYPED = "untyped"
"""The failure class of anything that is not a MemoramError (always a defect)."""
HUNG = "hung"
"""The failure class of a call stopped by the scenario's own guard timeout (always a defect)."""


@dataclass
class ScenarioResult:
    """One row of the chaos table, plus what went wrong in words.

    ``stored``, ``duplicates``, ``lost`` and ``token_requests`` are None where they do not apply
    (printed as ``-``). ``problems`` lists every broken promise; a scenario passes when it is
    empty.
    """

    scenario: str
    calls: int = 0
    succeeded: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    stored: int | None = None
    duplicates: int | None = None
    lost: int | None = None
    token_requests: int | None = None
    elapsed: float = 0.0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    untyped_examples: list[str] = field(default_factory=list)

    @property
    def untyped(self) -> int:
        """Calls that ended in something other than a return value or a MemoramError."""
        return self.failed[UNTYPED] + self.failed[HUNG]

    @property
    def ok(self) -> bool:
        """No problem, no loss, no duplicate, no untyped failure."""
        return not self.problems and not self.untyped and not self.lost and not self.duplicates

    def record(self, outcome: object) -> None:
        """Count one call's outcome: a value, or the exception it raised."""
        self.calls += 1
        if isinstance(outcome, BaseException):
            kind = error_kind(outcome)
            self.failed[kind] += 1
            if kind in (UNTYPED, HUNG) and len(self.untyped_examples) < 5:
                self.untyped_examples.append(f"{type(outcome).__name__}: {outcome}"[:300])
        else:
            self.succeeded += 1

    def check(self, condition: bool, problem: str) -> None:
        """Note ``problem`` unless ``condition`` holds."""
        if not condition:
            self.problems.append(problem)

    def failures_text(self) -> str:
        """``Class:count`` pairs, most frequent first (``-`` when none)."""
        if not self.failed:
            return "-"
        return " ".join(f"{name}:{count}" for name, count in self.failed.most_common())

    def summary(self) -> str:
        """Everything that went wrong, for an assertion message."""
        lines = [*self.problems]
        if self.untyped:
            lines.append(f"{self.untyped} untyped or hung failures: {self.untyped_examples}")
        if self.lost:
            lines.append(f"{self.lost} lost")
        if self.duplicates:
            lines.append(f"{self.duplicates} duplicates")
        return "; ".join(lines) or "ok"


class Hung(Exception):
    """A call outlived the scenario's guard (far beyond any timeout the client was given)."""


def error_kind(exc: BaseException) -> str:
    """The error class name of a MemoramError, ``hung`` or ``untyped`` otherwise."""
    if isinstance(exc, Hung):
        return HUNG
    if isinstance(exc, MemoramError):
        return type(exc).__name__
    return UNTYPED


async def outcome_of(call: Awaitable[T], guard: float) -> T | BaseException:
    """The value of ``call``, or the exception it raised (a Hung after ``guard`` seconds)."""
    try:
        async with asyncio.timeout(guard):
            return await call
    except TimeoutError as exc:
        if isinstance(exc, MemoramError):  # ApprovalTimeoutError is a TimeoutError too
            return exc
        return Hung(f"no outcome after {guard:g} s")
    except Exception as exc:
        return exc


async def bounded_gather(
    count: int, concurrency: int, job: Callable[[int], Awaitable[None]]
) -> None:
    """Run ``job(0) .. job(count - 1)`` with at most ``concurrency`` in flight."""
    queue = iter(range(count))

    async def worker() -> None:
        for index in queue:
            await job(index)

    await asyncio.gather(*(worker() for _ in range(min(concurrency, count))))


async def with_attempts(make: Callable[[], Awaitable[T]], attempts: int = 8) -> T:
    """Setup steps only (never the calls under test): try ``make()`` a few times."""
    for attempt in range(attempts):
        try:
            return await make()
        except MemoramError:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.1)
    raise AssertionError("unreachable")


async def grant(
    client: MemoramClient, memory_key: str, *, approve: Callable[[str], Awaitable[Any]] | None
) -> Credentials:
    """Ask for access (approved by the server or by ``approve``) and fetch the credentials.

    Setup, not a scenario: each step is retried a few times, since some servers here are made to
    fail on purpose. A request asked twice only leaves a spare approved request behind.
    """

    async def ask_and_fetch() -> Credentials:
        request = await client.request_access(memory_key, reason="chaos run")
        if approve is not None:
            await approve(request.id)
        return await client.get_credentials(request.id)

    return await with_attempts(ask_and_fetch)


class Stopwatch:
    """Elapsed wall time of a block: ``with Stopwatch() as watch: ...; watch.elapsed``."""

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        self.elapsed = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.elapsed = time.perf_counter() - self.started


_HEADERS = (
    "scenario",
    "calls",
    "succeeded",
    "failed by error class",
    "stored",
    "dups",
    "lost",
    "tokens",
    "elapsed",
    "result",
)


def _cell(value: int | None) -> str:
    return "-" if value is None else str(value)


def _wrap(pairs: list[str], width: int) -> list[str]:
    lines: list[str] = []
    for pair in pairs:
        if lines and len(lines[-1]) + 1 + len(pair) <= width:
            lines[-1] += " " + pair
        else:
            lines.append(pair)
    return lines or ["-"]


def format_table(results: Iterable[ScenarioResult], failures_width: int = 48) -> str:
    """The results as a fixed-width text table; long failure lists wrap onto more lines."""
    rows: list[tuple[str, ...]] = []
    for r in results:
        failures = _wrap(r.failures_text().split(" "), failures_width)
        rows.append(
            (
                r.scenario,
                str(r.calls),
                str(r.succeeded),
                failures[0],
                _cell(r.stored),
                _cell(r.duplicates),
                _cell(r.lost),
                _cell(r.token_requests),
                f"{r.elapsed:.1f} s",
                "ok" if r.ok else "FAIL",
            )
        )
        rows.extend(("", "", "", more, "", "", "", "", "", "") for more in failures[1:])
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(_HEADERS)]
    numeric = {1, 2, 4, 5, 6, 7, 8}

    def line(cells: Iterable[str]) -> str:
        return " | ".join(
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "-+-".join("-" * w for w in widths)
    return "\n".join([line(_HEADERS), rule, *(line(row) for row in rows)])
