"""The request loop in process: the total budget on the SDK's clock, the public switch that
makes waits instant, and the options that set the budgets."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

import memoram_async.testing
from memoram_async import APITimeoutError, InternalServerError, MemoramClient, ValidationError
from memoram_async.testing import (
    FAKE_API_KEY,
    FAKE_BASE_URL,
    fake_credentials,
    instant_retries,
    token_body,
)

TOKEN = token_body()["token"]


def answering(*statuses: int, retry_after: str | None = None) -> httpx.MockTransport:
    """A transport answering each GET with the next status (the last one repeats)."""
    queue = list(statuses)

    def handler(request: httpx.Request) -> httpx.Response:
        status = queue.pop(0) if len(queue) > 1 else queue[0]
        headers = {"Retry-After": retry_after} if retry_after else {}
        body = {"items": []} if status == 200 else {"error": "busy"}
        return httpx.Response(status, json=body, headers=headers)

    return httpx.MockTransport(handler)


async def test_instant_retries_skip_the_waits_and_record_them() -> None:
    """Within instant_retries() the retries happen, their waits take no time, and each wait
    asked for is recorded."""
    client = MemoramClient(
        token=TOKEN,
        base_url=FAKE_BASE_URL,
        transport=answering(503, 503, 200, retry_after="1"),
        max_retries=2,
    )
    started = time.monotonic()
    with instant_retries() as waits:
        tags = await client.user(fake_credentials()).list_tags()
    await client.aclose()
    assert tags == []
    assert waits == [1.0, 1.0]
    assert time.monotonic() - started < 0.5


async def test_instant_waits_still_spend_the_total_budget() -> None:
    """Skipped waits move the SDK's clock: Retry-After 2 s under total_timeout=5 allows two
    retries, then the error names the budget, all without waiting."""
    client = MemoramClient(
        token=TOKEN,
        base_url=FAKE_BASE_URL,
        transport=answering(503, retry_after="2"),
        max_retries=20,
        total_timeout=5,
    )
    started = time.monotonic()
    with instant_retries() as waits, pytest.raises(InternalServerError) as info:
        await client.user(fake_credentials()).list_tags()
    await client.aclose()
    assert waits == [2.0, 2.0]
    assert info.value.retry_after == 2.0
    assert "total_timeout of 5 s" in str(info.value)
    assert time.monotonic() - started < 1.0


def test_set_testing_switches_instant_waits_on_and_off() -> None:
    """set_testing(True) turns instant waits on until set_testing(False)."""
    from memoram_async import _clock

    memoram_async.testing.set_testing(True)
    try:
        assert _clock.is_instant()
    finally:
        memoram_async.testing.set_testing(False)
    assert not _clock.is_instant()


@pytest.mark.parametrize("bad", [0, -1, float("nan"), "5", True, 10**6])
def test_a_bad_total_timeout_is_refused_before_anything_is_sent(bad: object) -> None:
    """total_timeout must be a positive number of seconds, on the client and per call."""
    with pytest.raises(ValidationError, match="total_timeout"):
        MemoramClient(token=TOKEN, base_url=FAKE_BASE_URL, total_timeout=bad)  # type: ignore[arg-type]
    client = MemoramClient(token=TOKEN, base_url=FAKE_BASE_URL)
    with pytest.raises(ValidationError, match="total_timeout"):
        client.with_options(total_timeout=bad)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="total_timeout"):
        client.user(fake_credentials()).with_options(total_timeout=bad)  # type: ignore[arg-type]


async def test_with_options_total_timeout_applies_to_that_copy_only() -> None:
    """A copy's total_timeout bounds its calls; the client's own calls keep the default."""
    client = MemoramClient(
        token=TOKEN,
        base_url=FAKE_BASE_URL,
        transport=answering(503, retry_after="2"),
        max_retries=20,
    )
    user = client.user(fake_credentials())
    with instant_retries() as short, pytest.raises(InternalServerError):
        await user.with_options(total_timeout=3).list_tags()
    with instant_retries() as default, pytest.raises(InternalServerError):
        await user.list_tags()
    await client.aclose()
    assert short == [2.0]
    # Retry-After 2 is a floor under the (jittered) backoff: more than one 2 s wait fits in the
    # default 60 s, and the waits stop when the retries run out or the next would not fit.
    assert 1 < len(default) <= 20
    assert min(default) >= 2.0
    assert sum(default) <= 60


async def test_the_token_fetch_counts_against_the_total_budget() -> None:
    """A token endpoint that never answers ends the call at its total_timeout, named."""

    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return httpx.Response(500)

    client = MemoramClient(
        api_key=FAKE_API_KEY,
        base_url=FAKE_BASE_URL,
        transport=httpx.MockTransport(handler),
        timeout=20,
        total_timeout=0.3,
    )
    started = time.monotonic()
    with pytest.raises(APITimeoutError, match=r"total_timeout of 0\.3 s while getting a token"):
        await asyncio.wait_for(client.user(fake_credentials()).list_tags(), 5)
    await client.aclose()
    assert time.monotonic() - started < 3


def client_on(transport: httpx.MockTransport, **options: object) -> MemoramClient:
    """A client with a fixed token on ``transport``."""
    return MemoramClient(token=TOKEN, base_url=FAKE_BASE_URL, transport=transport, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("jitter", "expected"), [(0.0, [0.0, 0.0]), (0.5, [0.25, 0.5]), (1.0, [0.5, 1.0])]
)
async def test_instant_client_makes_one_clients_backoff_exact(
    jitter: float, expected: list[float]
) -> None:
    """instant_client(): that client's backoffs are skipped and exact for the jitter given;
    another client's waits are not its own (they go to instant_retries here)."""
    client = client_on(answering(503, 503, 200), max_retries=2)
    other = client_on(answering(503, 200), max_retries=1)
    waits = memoram_async.testing.instant_client(client, jitter=jitter)
    with instant_retries() as global_waits:
        assert await client.user(fake_credentials()).list_tags() == []
        assert await other.user(fake_credentials()).list_tags() == []
    await client.aclose()
    await other.aclose()
    assert waits == expected
    assert len(global_waits) == 1


async def test_instant_client_calls_on_wait_before_each_retry() -> None:
    """on_wait gets each wait's seconds (a coroutine is awaited): closing the client there ends
    the call with ClientClosedError instead of a retry."""
    seen: list[float] = []

    async def close_there(seconds: float) -> None:
        seen.append(seconds)
        await client.aclose()

    client = client_on(answering(503, 200), max_retries=3)
    memoram_async.testing.instant_client(client, jitter=1.0, on_wait=close_there)
    with pytest.raises(memoram_async.ClientClosedError):
        await client.user(fake_credentials()).list_tags()
    assert seen == [0.5]


async def test_instant_client_clock_moves_by_the_skipped_waits_only() -> None:
    """total_timeout on that client runs out after exactly the waits it allows: Retry-After 2 s
    under total_timeout=5 allows two retries, the third wait would not fit."""
    client = client_on(answering(503, retry_after="2"), max_retries=10, total_timeout=5)
    waits = memoram_async.testing.instant_client(client)
    with pytest.raises(InternalServerError) as info:
        await client.user(fake_credentials()).list_tags()
    await client.aclose()
    assert waits == [2.0, 2.0]
    assert "total_timeout" in str(info.value)


@pytest.mark.parametrize("jitter", [-0.1, 1.5, "0.5", True])
def test_instant_client_refuses_a_bad_jitter(jitter: object) -> None:
    """jitter must be a number from 0 to 1."""
    client = client_on(answering(200))
    with pytest.raises(ValidationError, match="jitter"):
        memoram_async.testing.instant_client(client, jitter=jitter)  # type: ignore[arg-type]
