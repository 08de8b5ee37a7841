"""When to try a request again and how long to wait: pure functions, no I/O, no event loop.

The rules, in one place:

* Retried failures: the statuses in ``RETRYABLE_STATUSES`` (408, 429, 500, 502, 503, 504) and
  transport failures (refused, reset, dropped, timed out).
* An operation that is *safe* to repeat (reads, updates, deletes, the token call, and creates
  when the client has ``idempotent_creates=True``) retries on all of them. A create that is not
  safe to repeat retries only when the server provably did not process it: the connection was
  never made (connect error, connect or pool timeout) or the server said so (429).
* ``max_retries`` bounds the attempts; full-jitter exponential backoff (0.5 s base, 8 s cap)
  spaces them, unless the server sent ``Retry-After``, which is honoured up to 60 s. A longer
  ``Retry-After`` is not waited out: the error is raised at once with its ``retry_after``.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Final

import httpx

from ._constants import (
    APPROVAL_POLL_INITIAL,
    APPROVAL_POLL_MAX,
    MAX_RETRY_AFTER,
    RETRY_BASE_DELAY,
    RETRY_MAX_DELAY,
    RETRYABLE_STATUSES,
)


class AttemptTimedOut(Exception):
    """An attempt outlived the whole-attempt ``timeout`` (internal; retried like a read timeout).

    Attributes:
        seconds: The per-attempt timeout that ran out.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


# The request never left this machine: nothing can have been processed.
NEVER_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Transport failures worth another attempt; the others (UnsupportedProtocol, LocalProtocolError,
# ProxyError...) are configuration problems that would fail the same way again.
TRANSIENT: Final = (
    httpx.NetworkError,
    httpx.TimeoutException,
    httpx.RemoteProtocolError,
    AttemptTimedOut,
)


def backoff_delay(retry: int, rng: Callable[[], float] = random.random) -> float:
    """Seconds before retry number ``retry`` (0-based): uniform in [0, min(8, 0.5 * 2**retry)]."""
    ceiling = RETRY_MAX_DELAY if retry >= 5 else min(RETRY_MAX_DELAY, RETRY_BASE_DELAY * 2**retry)
    return ceiling * rng()


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date.

    Args:
        value: The header's value, or None when absent.
        now: The current Unix time, for HTTP-dates (defaults to ``time.time()``).

    Returns:
        Non-negative seconds, or None when the header is absent or unreadable.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def was_sent(exc: BaseException) -> bool:
    """Whether a failed request may have reached the server."""
    return not isinstance(exc, NEVER_SENT)


def may_have_been_processed(status: int | None, exc: BaseException | None = None) -> bool:
    """Whether the server may have acted on a request that failed with ``status`` or ``exc``.

    A 4xx answer is a refusal: nothing happened. A 5xx answer or a lost answer leaves it open.
    """
    if status is None:
        return exc is None or was_sent(exc)
    return status >= 500


def is_retryable(status: int | None, exc: BaseException | None, *, safe: bool) -> bool:
    """Whether a failed attempt may be tried again (ignoring how many attempts are left).

    Args:
        status: The error status of the answer, or None when there was no answer.
        exc: The transport exception when there was no answer.
        safe: Whether the operation may be repeated without creating a duplicate.
    """
    if status is None:
        if exc is None or not isinstance(exc, TRANSIENT):
            return False
        return safe or not was_sent(exc)
    if status not in RETRYABLE_STATUSES:
        return False
    return safe or status == 429


def retry_delay(
    retries_done: int,
    max_retries: int,
    retry_after: float | None,
    rng: Callable[[], float] = random.random,
) -> float | None:
    """Seconds to wait before the next attempt, or None when the caller should give up.

    Args:
        retries_done: Retries already made for this call (0 after the first attempt).
        max_retries: The most retries allowed.
        retry_after: The server's ``Retry-After`` in seconds, if it sent one.
        rng: A source of uniform floats in [0, 1), replaceable in tests.
    """
    if retries_done >= max_retries:
        return None
    if retry_after is not None:
        return retry_after if retry_after <= MAX_RETRY_AFTER else None
    return backoff_delay(retries_done, rng)


def poll_delay(poll: int, rng: Callable[[], float] = random.random) -> float:
    """Seconds before approval poll number ``poll`` (0-based): up 1.5x to 15 s, jittered."""
    ceiling = min(APPROVAL_POLL_MAX, APPROVAL_POLL_INITIAL * 1.5 ** min(poll, 20))
    return ceiling * (0.5 + rng() / 2)
