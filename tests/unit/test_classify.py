"""The request loop's one decision, without an event loop: what each outcome of an attempt
leads to, and whether the server may have acted on it."""

from __future__ import annotations

import attrs
import httpx
import pytest

from memoram_async._classify import Decision, Verdict, classify, was_processed
from memoram_async._retry import AttemptTimedOut


@attrs.frozen
class State:
    """A call's state, as classify reads it."""

    safe: bool = True
    delete: bool = False
    retries: int = 0
    max_retries: int = 2
    can_replay: bool = False
    processed_before: bool = False


def half() -> float:
    """Jitter in the middle of its range."""
    return 0.5


REQUEST = httpx.Request("POST", "https://api.test/x")
CASES = {
    "2xx documented": (201, None, None, State(), Verdict.SUCCESS),
    "2xx other": (200, None, None, State(safe=False), Verdict.SUCCESS),
    "401, token replaceable": (401, None, None, State(can_replay=True), Verdict.REPLAY),
    "401, already replayed": (401, None, None, State(can_replay=False), Verdict.FAIL),
    "404 on a delete after a lost answer": (
        404,
        None,
        None,
        State(delete=True, retries=1, processed_before=True),
        Verdict.DONE,
    ),
    "404 on a first delete": (404, None, None, State(delete=True), Verdict.FAIL),
    "500, safe": (500, None, None, State(), Verdict.RETRY),
    "500, unsafe create": (500, None, None, State(safe=False), Verdict.FAIL),
    "429, unsafe create": (429, None, None, State(safe=False), Verdict.RETRY),
    "503 with Retry-After": (503, None, 3.0, State(), Verdict.RETRY),
    "503 with a Retry-After over the cap": (503, None, 3600.0, State(), Verdict.FAIL),
    "500, retries spent": (500, None, None, State(retries=2), Verdict.FAIL),
    "400": (400, None, None, State(), Verdict.FAIL),
    "connect error, unsafe create": (
        None,
        httpx.ConnectError("x", request=REQUEST),
        None,
        State(safe=False),
        Verdict.RETRY,
    ),
    "read error, unsafe create": (
        None,
        httpx.ReadError("x", request=REQUEST),
        None,
        State(safe=False),
        Verdict.FAIL,
    ),
    "whole attempt timed out, safe": (None, AttemptTimedOut(2.0), None, State(), Verdict.RETRY),
    "a hook's own exception": (None, LookupError("x"), None, State(), Verdict.FAIL),
}


@pytest.mark.parametrize("name", CASES)
def test_classify_decides_what_the_loop_does(name: str) -> None:
    """Each outcome of an attempt leads to one verdict (and a wait for a retry)."""
    status, failure, retry_after, state, verdict = CASES[name]
    decision = classify(status, failure, retry_after, state, half)
    assert decision.verdict is verdict
    if verdict is Verdict.RETRY:
        assert decision.delay == (retry_after if retry_after is not None else 0.25)


def test_a_retry_waits_the_jittered_backoff() -> None:
    """The second retry waits half of its 1 s ceiling with the jitter in the middle."""
    state = State(retries=1)
    assert classify(500, None, None, state, half) == Decision(Verdict.RETRY, 0.5)


@pytest.mark.parametrize(
    ("status", "failure", "sent", "processed"),
    [
        (400, None, True, False),
        (429, None, True, False),
        (500, None, True, True),
        (503, None, True, True),
        (None, httpx.ConnectError("x"), True, False),
        (None, httpx.PoolTimeout("x"), True, False),
        (None, httpx.ReadError("x"), True, True),
        (None, httpx.ReadError("x"), False, False),
        (None, AttemptTimedOut(1.0), True, True),
        (None, AttemptTimedOut(1.0), False, False),
    ],
)
def test_was_processed_reads_the_wire(
    status: int | None, failure: BaseException | None, sent: bool, processed: bool
) -> None:
    """A refusal or a request that never left did nothing; a 5xx or a sent request may have."""
    assert was_processed(status, failure, sent) is processed
