"""The switch that makes the SDK's waits instant in tests, like ``stamina.set_testing``."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING

from .._clock import is_instant, requested_waits, set_instant
from .._errors import ValidationError

if TYPE_CHECKING:
    from .._client import MemoramClient


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


def instant_client(
    client: MemoramClient,
    *,
    jitter: float = 0.5,
    on_wait: Callable[[float], Awaitable[None] | None] | None = None,
) -> list[float]:
    """Make one client's waits instant, its backoff exact, and its clock its own.

    For a test that asserts exact waits: every wait of ``client`` and of its ``with_options``
    copies (the backoff between attempts, a server's ``Retry-After``, the pauses of
    ``wait_for_approval()``) returns at once; the client's clock moves by the waits it skipped
    and by nothing else, so ``total_timeout`` and ``wait_for_approval(timeout=...)`` run out
    after exactly the waits they would have allowed, however long the test's requests take
    (each attempt is still bounded by ``timeout`` in real time); the random part of every
    backoff is ``jitter`` instead of a random number. Other clients are untouched.

    ```python
    client = MemoramClient(..., max_retries=2)
    waits = memoram_async.testing.instant_client(client, jitter=1.0)
    ...
    assert waits == [0.5, 1.0]
    ```

    Args:
        client: The client (its copies share its waits).
        jitter: The fraction of each backoff's random spread to use, 0 to 1.
        on_wait: Called with the seconds of each wait before it is skipped (awaited when it
            returns an awaitable): where a test acts while a call waits to retry, e.g. closes
            the client.

    Returns:
        The seconds each skipped wait asked for, in order (filled in as calls run).

    Raises:
        ValidationError: ``jitter`` is not a number from 0 to 1.
    """
    if isinstance(jitter, bool) or not isinstance(jitter, int | float) or not 0 <= jitter <= 1:
        raise ValidationError("jitter must be a number from 0 to 1")
    session = client._session
    waits: list[float] = []
    skipped = [0.0]
    start = session.clock()

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        skipped[0] += seconds
        if on_wait is not None:
            result = on_wait(seconds)
            if inspect.isawaitable(result):
                await result
        await asyncio.sleep(0)

    session.sleep = sleep
    session.random = lambda: float(jitter)
    session.clock = lambda: start + skipped[0]
    return waits
