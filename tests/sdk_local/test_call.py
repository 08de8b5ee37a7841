"""The request loop over loopback: each attempt bounded as a whole, each call by its total
budget, and ``outcome_unknown`` as true as the wire: through the SDK's own client and an app's
``httpx.AsyncClient``, each scenario under a deadline it cannot escape."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from memoram_async import (
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    ClientClosedError,
    InternalServerError,
    MemoramClient,
    MemoramError,
    RateLimitError,
)
from memoram_async.testing import fake_credentials, token_body
from tests.sdk_local.wire_server import WireServer
from tests.support.deadline import run_in_thread

SEAMS = ("own", "app")
TOKEN = token_body()["token"]


def client_for(
    seam: str, base_url: str, *, limits: httpx.Limits | None = None, **options: Any
) -> tuple[MemoramClient, httpx.AsyncClient | None]:
    """A client with a fixed token on the ``own`` (SDK's client) or ``app`` seam."""
    options.setdefault("max_retries", 0)
    if seam == "own":
        transport = httpx.AsyncHTTPTransport(limits=limits) if limits else None
        return MemoramClient(token=TOKEN, base_url=base_url, transport=transport, **options), None
    hooks = options.pop("event_hooks", None)
    theirs = httpx.AsyncClient(limits=limits or httpx.Limits(), event_hooks=hooks)
    return MemoramClient(token=TOKEN, base_url=base_url, http_client=theirs, **options), theirs


async def create(client: MemoramClient) -> None:
    """One create_memory."""
    await client.user(fake_credentials()).create_memory("Likes tea")


async def timed_create(
    seam: str, base_url: str, error: type[BaseException], **options: Any
) -> tuple[float, BaseException]:
    """One create through ``seam`` that must raise ``error``: the seconds it took, and the error."""
    client, theirs = client_for(seam, base_url, **options)
    started = time.monotonic()
    try:
        with pytest.raises(error) as info:
            await create(client)
        return time.monotonic() - started, info.value
    finally:
        await client.aclose()
        if theirs is not None:
            await theirs.aclose()


@pytest.mark.parametrize("seam", SEAMS)
def test_a_trickling_body_ends_at_the_per_attempt_timeout(seam: str) -> None:
    """timeout=2 bounds the whole attempt: a body sent one byte every 0.5 s ends in about 2 s,
    with an APITimeoutError naming that budget (the create was sent: outcome unknown)."""

    async def scenario() -> None:
        async with WireServer() as server:
            server.mode = "trickle"
            elapsed, error = await timed_create(seam, server.base_url, APITimeoutError, timeout=2)
        assert 1.5 <= elapsed < 4.0, elapsed
        assert "timeout of 2 s per attempt" in str(error)
        assert isinstance(error, APITimeoutError)
        assert error.outcome_unknown is True

    run_in_thread(scenario, 20.0)


@pytest.mark.parametrize("seam", SEAMS)
@pytest.mark.parametrize(
    ("status", "error", "unknown"), [(429, RateLimitError, False), (503, InternalServerError, True)]
)
def test_a_retry_after_beyond_the_total_budget_raises_at_once(
    seam: str, status: int, error: type[MemoramError], unknown: bool
) -> None:
    """Retry-After: 30 with total_timeout=5: the typed error at once (no wait, one request),
    retry_after set, the budget named; a 503 may have run the create, a 429 did not."""

    async def scenario() -> None:
        async with WireServer() as server:
            server.mode, server.status = "status", status
            server.headers = {"Retry-After": "30"}
            # Creates are retried on a 503 only with idempotent_creates (a 429 always).
            elapsed, raised = await timed_create(
                seam,
                server.base_url,
                error,
                total_timeout=5,
                max_retries=2,
                idempotent_creates=True,
            )
        assert elapsed < 2.0, elapsed
        assert getattr(raised, "retry_after", None) == 30
        assert "total_timeout of 5 s" in str(raised)
        assert isinstance(raised, MemoramError)
        assert raised.outcome_unknown is unknown
        assert len(server.received) == 1

    run_in_thread(scenario, 20.0)


@pytest.mark.parametrize("seam", SEAMS)
def test_the_total_budget_bounds_the_call_and_is_named(seam: str) -> None:
    """total_timeout=1 with timeout=10: a held answer ends the call at 1 s, naming the budget."""

    async def scenario() -> None:
        async with WireServer() as server:
            server.mode = "hold"
            elapsed, error = await timed_create(
                seam, server.base_url, APITimeoutError, timeout=10, total_timeout=1
            )
        assert 0.8 <= elapsed < 3.0, elapsed
        assert "total_timeout of 1 s" in str(error)
        assert isinstance(error, APITimeoutError)
        assert error.outcome_unknown is True

    run_in_thread(scenario, 20.0)


# -- every exit of the loop, and the outcome it reports ----------------------------------------

Exit = Callable[[WireServer, str], Awaitable[BaseException]]


async def _one_create(
    server: WireServer, seam: str, *, base_url: str | None = None, **options: Any
) -> BaseException:
    """What one create through ``seam`` raised (to ``server``, unless ``base_url`` is given)."""
    client, theirs = client_for(seam, base_url or server.base_url, **options)
    try:
        await create(client)
    except BaseException as exc:
        return exc
    finally:
        await client.aclose()
        if theirs is not None:
            await theirs.aclose()
    raise AssertionError("the create succeeded")


async def status_400(server: WireServer, seam: str) -> BaseException:
    server.mode, server.status = "status", 400
    return await _one_create(server, seam)


async def status_500(server: WireServer, seam: str) -> BaseException:
    server.mode, server.status = "status", 500
    return await _one_create(server, seam)


async def refused(server: WireServer, seam: str) -> BaseException:
    return await _one_create(server, seam, base_url="http://127.0.0.1:9/api/v1")


async def lost_answer(server: WireServer, seam: str) -> BaseException:
    server.mode = "drop"
    return await _one_create(server, seam)


async def attempt_timeout(server: WireServer, seam: str) -> BaseException:
    server.mode = "hold"
    return await _one_create(server, seam, timeout=0.5)


async def total_timeout(server: WireServer, seam: str) -> BaseException:
    server.mode = "hold"
    return await _one_create(server, seam, total_timeout=0.5)


async def _closed_while(server: WireServer, seam: str, waiting: bool) -> BaseException:
    server.mode = "hold"
    client, theirs = client_for(seam, server.base_url, limits=httpx.Limits(max_connections=1))
    first = asyncio.ensure_future(create(client))
    await asyncio.wait_for(server.arrived.wait(), 5)
    second = asyncio.ensure_future(create(client))
    await asyncio.sleep(0.2)  # the second now waits for the one connection
    await client.aclose()
    outcomes = await asyncio.gather(first, second, return_exceptions=True)
    if theirs is not None:
        await theirs.aclose()
    assert len(server.received) == 1, server.received  # nothing was sent after aclose()
    outcome = outcomes[1] if waiting else outcomes[0]
    assert isinstance(outcome, BaseException)
    return outcome


async def closed_while_sent(server: WireServer, seam: str) -> BaseException:
    return await _closed_while(server, seam, waiting=False)


async def closed_while_waiting_for_a_connection(server: WireServer, seam: str) -> BaseException:
    return await _closed_while(server, seam, waiting=True)


async def pool_timeout(server: WireServer, seam: str) -> BaseException:
    server.mode = "hold"
    client, theirs = client_for(
        seam,
        server.base_url,
        limits=httpx.Limits(max_connections=1),
        timeout=httpx.Timeout(5, pool=0.3),
    )
    first = asyncio.ensure_future(create(client))
    await asyncio.wait_for(server.arrived.wait(), 5)
    try:
        await create(client)
    except BaseException as exc:
        return exc
    finally:
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        await client.aclose()
        if theirs is not None:
            await theirs.aclose()
    raise AssertionError("the create succeeded")


async def _raising(request: httpx.Request | httpx.Response) -> None:
    raise LookupError("the app's hook failed")


async def request_hook_raises(server: WireServer, seam: str) -> BaseException:
    return await _one_create(server, "app", event_hooks={"request": [_raising]})


async def response_hook_raises(server: WireServer, seam: str) -> BaseException:
    return await _one_create(server, "app", event_hooks={"response": [_raising]})


async def cancelled(server: WireServer, seam: str) -> BaseException:
    server.mode = "hold"
    client, theirs = client_for(seam, server.base_url)
    task = asyncio.ensure_future(create(client))
    await asyncio.wait_for(server.arrived.wait(), 5)
    task.cancel()
    (outcome,) = await asyncio.gather(task, return_exceptions=True)
    await client.aclose()
    if theirs is not None:
        await theirs.aclose()
    assert isinstance(outcome, BaseException)
    return outcome


EXITS: dict[str, tuple[Exit, type[BaseException], bool | None]] = {
    "400 answer": (status_400, BadRequestError, False),
    "500 answer": (status_500, InternalServerError, True),
    "connection refused": (refused, APIConnectionError, False),
    "answer lost (connection dropped)": (lost_answer, APIConnectionError, True),
    "per-attempt timeout": (attempt_timeout, APITimeoutError, True),
    "total timeout": (total_timeout, APITimeoutError, True),
    "aclose() while the create is sent": (closed_while_sent, ClientClosedError, True),
    "aclose() while waiting for a connection": (
        closed_while_waiting_for_a_connection,
        ClientClosedError,
        False,
    ),
    "pool timeout": (pool_timeout, APITimeoutError, False),
    "request hook raises": (request_hook_raises, APIConnectionError, False),
    "response hook raises": (response_hook_raises, APIConnectionError, True),
    "caller cancelled": (cancelled, asyncio.CancelledError, None),
}


@pytest.mark.parametrize("seam", SEAMS)
@pytest.mark.parametrize("name", EXITS)
def test_every_exit_of_the_loop_reports_a_true_outcome(name: str, seam: str) -> None:
    """Each way a create can end tells whether the server may have it (outcome_unknown)."""
    run_exit, error, unknown = EXITS[name]

    async def scenario() -> None:
        async with WireServer() as server:
            outcome = await run_exit(server, seam)
        assert isinstance(outcome, error), repr(outcome)
        if unknown is not None:
            assert isinstance(outcome, MemoramError)
            assert outcome.outcome_unknown is unknown, (name, str(outcome))

    run_in_thread(scenario, 20.0)
