"""The switch that makes the SDK's waits instant in tests, like ``stamina.set_testing``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from .._clock import is_instant, requested_waits, set_instant


def set_testing(testing: bool) -> None:
    """Make every wait of the SDK instant (``True``) or real again (``False``).

    Instant waits: the backoff between attempts, a server's ``Retry-After`` and the pauses of
    ``wait_for_approval()`` return at once, and the SDK's clock moves forward by what they
    skipped, so ``total_timeout`` and ``wait_for_approval(timeout=...)`` still run out as they
    would have, without the wall-clock time. Retries themselves still happen, up to
    ``max_retries``. Prefer :func:`instant_retries`, which restores the previous state.

    Args:
        testing: Whether waits are instant.
    """
    set_instant(testing)


@contextlib.contextmanager
def instant_retries() -> Iterator[list[float]]:
    """Within the block, every wait of the SDK is instant (see :func:`set_testing`).

    ```python
    with memoram_async.testing.instant_retries() as waits:
        memory = await user.create_memory("Likes tea")
    assert len(waits) == 1  # one retry, its backoff skipped
    ```

    Yields:
        The seconds each skipped wait asked for, in order (filled in as the block runs).
    """
    before, before_waits = is_instant(), requested_waits()
    waits: list[float] = []
    set_instant(True, waits)
    try:
        yield waits
    finally:
        set_instant(before, before_waits)
