"""The SDK's log lines: statuses, paths, timings, counts; never a header, a body or a secret.

Per-attempt lines are DEBUG, and callers check ``logger.isEnabledFor(logging.DEBUG)`` first, so
a disabled logger costs one cached lookup per attempt. A WARNING is kept for what the app's
operators should see (a server whose clocks disagree).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from ._constants import LOGGER_NAME
from ._operations import Operation

logger = logging.getLogger(LOGGER_NAME)


def log_attempt(op: Operation[Any], path: str, outcome: str, retries: int, started: float) -> None:
    """One attempt ended with ``outcome`` (a status or an exception's class name)."""
    logger.debug(
        "%s %s -> %s (attempt %d, %.1f ms)",
        op.method,
        path,
        outcome,
        retries + 1,
        (time.perf_counter() - started) * 1000,
    )


def log_retry(
    op: Operation[Any], path: str, delay: float, retries: int, max_retries: int, cause: str
) -> None:
    """The next attempt starts in ``delay`` seconds."""
    logger.debug(
        "retrying %s %s in %.2f s (retry %d of %d) after %s",
        op.method,
        path,
        delay,
        retries + 1,
        max_retries,
        cause,
    )


def log_expired_token(seconds_expired: float) -> None:
    """A token arrived already expired by the server's own clocks; it is used anyway."""
    logger.warning(
        "the developer token arrived already expired (expires_at is %.0f s before the server's "
        "Date); using it until the server refuses it",
        seconds_expired,
    )
