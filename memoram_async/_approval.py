"""Waiting for a user's decision on an access request: the polling loop and how it ends.

The loop polls with growing, jittered pauses (at least the server's ``Retry-After``) until the
request is decided, the status is one this SDK does not know, or the time is up. Transient
failures of a poll (no answer, a 5xx, a 429) do not end it; when the time runs out after failed
polls, the error says the server failed, not that the user has not decided.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from ._errors import (
    APIConnectionError,
    APIStatusError,
    InternalServerError,
    MemoramError,
    RateLimitError,
)
from ._models import AccessRequest, AccessRequestStatus
from ._printable import quoted
from ._retry import poll_delay

DENIED: Final = (AccessRequestStatus.REJECTED, AccessRequestStatus.REVOKED)
# What a poll may fail with and still be worth another one.
_TRANSIENT: Final = (APIConnectionError, InternalServerError, RateLimitError)


class AccessDeniedError(MemoramError):
    """The user rejected or revoked the access request.

    Attributes:
        request_id: The access request's id.
        status: Its status, ``"rejected"`` or ``"revoked"``.
    """

    def __init__(self, request_id: str, status: str) -> None:
        super().__init__(
            f"Access request {request_id} was {status} by the user; ask the user again with "
            "request_access() if they change their mind."
        )
        self.request_id = request_id
        self.status = status


class ApprovalTimeoutError(MemoramError, TimeoutError):
    """``wait_for_approval()`` gave up: no decision could be seen within its timeout.

    Either the user did not decide (the request was pending when last read), or the server
    failed the last polls, so whether they decided is unknown; then ``last_error`` is that
    failure (also the ``__cause__``).

    Attributes:
        request_id: The access request's id.
        timeout: The seconds waited.
        last_error: The error of the last poll when it failed (the server's, or no answer),
            else None.
        failed_polls: How many polls in a row failed at the end (0 when the last one read the
            request).
        polls: How many polls were made.
    """

    def __init__(
        self,
        request_id: str,
        timeout: float,
        *,
        last_error: MemoramError | None = None,
        failed_polls: int = 0,
        polls: int = 0,
    ) -> None:
        if last_error is None:
            text = (
                f"Access request {request_id} is still pending after {timeout:g} s; the user has "
                "not decided yet. Call wait_for_approval() again to keep waiting."
            )
        else:
            before = "; it was pending when last read" if failed_polls < polls else ""
            text = (
                f"Access request {request_id} could not be read: the last {failed_polls} of "
                f"{polls} polls in {timeout:g} s failed, so whether the user decided is "
                f"unknown{before}. Last failure: {last_error.message} Check the server (or the "
                "network), then call wait_for_approval() again."
            )
        super().__init__(text)
        self.request_id = request_id
        self.timeout = timeout
        self.last_error = last_error
        self.failed_polls = failed_polls
        self.polls = polls


class UnknownAccessStatusError(MemoramError):
    """``wait_for_approval()`` met a status this SDK does not know (added by a newer API).

    The request is no longer pending, so waiting stops at once instead of polling until the
    timeout.

    Attributes:
        request_id: The access request's id.
        status: The status, as the server sent it.
    """

    def __init__(self, request_id: str, status: str) -> None:
        super().__init__(
            f"Access request {request_id} has the status {quoted(status, 40)}, which this "
            "version of memoram-async does not know; it is no longer pending, so "
            "wait_for_approval() stopped. Read it with get_access_request(), or upgrade "
            "memoram-async."
        )
        self.request_id = request_id
        self.status = status


async def wait_for_decision(
    poll: Callable[[float], Awaitable[AccessRequest]],
    request_id: str,
    timeout: float,  # noqa: ASYNC109
    *,
    clock: Callable[[], float],
    sleep: Callable[[float], Awaitable[None]],
    rng: Callable[[], float],
) -> AccessRequest:
    """Poll until the request is approved; ``poll(seconds)`` reads it once within ``seconds``.

    Raises:
        AccessDeniedError: Rejected or revoked.
        UnknownAccessStatusError: A status this SDK does not know.
        ApprovalTimeoutError: ``timeout`` seconds passed; ``last_error`` is set when the last
            polls failed.
    """
    deadline = clock() + timeout
    polls = failed_polls = 0
    failure: MemoramError | None = None
    while True:
        wait_at_least = 0.0
        polls += 1
        try:
            request = await poll(deadline - clock())
        except _TRANSIENT as exc:
            # The user may still be deciding: ask again after the usual pause (at least what
            # the server asked for).
            if isinstance(exc, APIStatusError) and exc.retry_after is not None:
                wait_at_least = exc.retry_after
            failure = exc
            failed_polls += 1
        else:
            if request.status is AccessRequestStatus.APPROVED:
                return request
            if request.status in DENIED:
                raise AccessDeniedError(request_id, str(request.status))
            if request.status is not AccessRequestStatus.PENDING:
                # A status a newer API added: not pending, so waiting cannot end well.
                raise UnknownAccessStatusError(request_id, request.status)
            failure = None
            failed_polls = 0
        remaining = deadline - clock()
        if remaining <= 0:
            # A failed last poll says nothing about the user: the error says the server (or
            # the network) failed, with that failure as its cause.
            raise ApprovalTimeoutError(
                request_id, timeout, last_error=failure, failed_polls=failed_polls, polls=polls
            ) from failure
        pause = max(poll_delay(polls - 1, rng), wait_at_least)
        await sleep(min(pause, remaining))
