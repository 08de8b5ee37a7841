"""What one attempt's outcome means for the call: the one decision of the request loop. Pure.

:func:`classify` reads what happened (a status, or the failure that left no answer) with what
the call knows (retries made, whether the operation is safe to repeat, whether the token may be
replaced once), and says what the loop does next. How long a retry waits is part of the answer;
whether the call's total budget leaves time for that wait is the loop's concern.

:func:`was_processed` is the other half: whether the server may have acted on an attempt, read
from the wire (an answer's status; for no answer, whether the request left this machine).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Final, Protocol

import attrs

from ._retry import NEVER_SENT, is_retryable, retry_delay


class Verdict(enum.Enum):
    """What the loop does after an attempt."""

    SUCCESS = "success"  # a 2xx: read the body
    REPLAY = "replay"  # a 401 for a token that can be replaced: send again with a new one
    RETRY = "retry"  # a transient failure: wait ``delay`` seconds, then try again
    DONE = "done"  # a delete answered 404 after an earlier attempt lost its answer: it is gone
    FAIL = "fail"  # raise the typed error of this outcome


@attrs.frozen
class Decision:
    """A verdict, and the seconds to wait before a retry."""

    verdict: Verdict
    delay: float = 0.0


_SUCCESS: Final = Decision(Verdict.SUCCESS)
_REPLAY: Final = Decision(Verdict.REPLAY)
_DONE: Final = Decision(Verdict.DONE)
_FAIL: Final = Decision(Verdict.FAIL)


class Attempted(Protocol):
    """What the call knows when it classifies an attempt (the request loop's call state).

    Attributes:
        safe: The operation may be repeated without creating a duplicate.
        delete: The operation is a delete (a 404 after a lost answer means done).
        retries: Retries made so far in this call.
        max_retries: The most retries allowed.
        can_replay: A 401 may be answered with one replay under a new token.
        processed_before: An earlier attempt of this call may have been processed.
    """

    @property
    def safe(self) -> bool: ...
    @property
    def delete(self) -> bool: ...
    @property
    def retries(self) -> int: ...
    @property
    def max_retries(self) -> int: ...
    @property
    def can_replay(self) -> bool: ...
    @property
    def processed_before(self) -> bool: ...


def classify(
    status: int | None,
    failure: BaseException | None,
    retry_after: float | None,
    call: Attempted,
    rng: Callable[[], float],
) -> Decision:
    """What to do after an attempt that answered ``status`` or failed with ``failure``.

    Args:
        status: The answer's status, or None when there was no answer.
        failure: The transport failure when there was no answer.
        retry_after: The server's ``Retry-After`` in seconds, if it sent one.
        call: The state of the call.
        rng: Uniform floats in [0, 1) for the backoff's jitter.
    """
    if status is not None:
        if 200 <= status < 300:
            return _SUCCESS
        if status == 401 and call.can_replay:
            return _REPLAY
        if status == 404 and call.delete and call.retries and call.processed_before:
            return _DONE
    if not is_retryable(status, failure, safe=call.safe):
        return _FAIL
    delay = retry_delay(call.retries, call.max_retries, retry_after, rng)
    return _FAIL if delay is None else Decision(Verdict.RETRY, delay)


def was_processed(status: int | None, failure: BaseException | None, sent: bool) -> bool:
    """Whether the server may have acted on an attempt.

    Args:
        status: The answer's status (a 4xx is a refusal; a 5xx leaves it open), or None.
        failure: What ended an attempt without an answer.
        sent: Whether the request (its first bytes) left this machine, as far as known.
    """
    if status is not None:
        return status >= 500
    if isinstance(failure, NEVER_SENT):
        return False
    return sent
