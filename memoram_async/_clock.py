"""The SDK's clock and its waits, switchable to instant for tests (``memoram_async.testing``).

Every wait of the SDK (backoff between attempts, a server's ``Retry-After``, the pauses of
``wait_for_approval``) goes through :func:`sleep`, and every budget is measured with :func:`now`.
In instant mode a wait returns at once (after one pass of the event loop) and moves this clock
forward by the seconds it skipped, so budgets still run out as they would have: a test of
``total_timeout=5`` with retries sees the same outcome, instantly.
"""

from __future__ import annotations

import asyncio
import time


class _Waits:
    """The switch and what was skipped while it was on."""

    instant = False
    skipped = 0.0
    requested: list[float] | None = None


_waits = _Waits()


def now() -> float:
    """Seconds on the SDK's monotonic clock (real time, plus any skipped waits)."""
    return time.monotonic() + _waits.skipped


async def sleep(seconds: float) -> None:
    """Wait ``seconds``; in instant mode, record them, move the clock, and yield once."""
    if not _waits.instant:
        await asyncio.sleep(seconds)
        return
    if _waits.requested is not None:
        _waits.requested.append(seconds)
    _waits.skipped += seconds
    await asyncio.sleep(0)


def set_instant(instant: bool, requested: list[float] | None = None) -> None:
    """Turn instant waits on or off; ``requested`` collects the seconds asked for."""
    _waits.instant = instant
    _waits.requested = requested if instant else None


def is_instant() -> bool:
    """Whether waits are instant."""
    return _waits.instant


def requested_waits() -> list[float] | None:
    """The list collecting the skipped waits, if any."""
    return _waits.requested
