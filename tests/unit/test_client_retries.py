"""The retry matrix: every operation against every failure; Retry-After; idempotency keys;
a create whose retry cannot happen keeps its outcome unknown."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from memoram_async import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    ClientClosedError,
    InternalServerError,
    MemoramClient,
    MemoramError,
    RateLimitError,
    UserMemories,
)
from memoram_async._operations import OPERATIONS as SDK_OPERATIONS
from memoram_async.testing import instant_client
from tests.support.fake_api import USER_ID, AfterCommit, FakeAPI, credentials

Op = Callable[[MemoramClient, UserMemories], Awaitable[object]]


async def _list_all(user: UserMemories) -> list[object]:
    return [m async for m in user.list_memories()]


# operationId: the public call, and the values of its path parameters. Everything else about an
# operation (method, path template, whether it is a create) is read from the SDK's one table.
CALLS: dict[str, tuple[Op, dict[str, str]]] = {
    "createMemory": (lambda c, u: u.create_memory("hi"), {}),
    "createAccessRequest": (lambda c, u: c.request_access("mk", reason="r"), {}),
    "getMemory": (lambda c, u: u.get_memory("mem_0001"), {"blobId": "mem_0001"}),
    "listMemories": (lambda c, u: _list_all(u), {}),
    "updateMemory": (lambda c, u: u.update_memory("mem_0001", title="t"), {"blobId": "mem_0001"}),
    "deleteMemory": (lambda c, u: u.delete_memory("mem_0001"), {"blobId": "mem_0001"}),
    "listTags": (lambda c, u: u.list_tags(), {}),
    "getTag": (lambda c, u: u.get_tag("tag_1"), {"tagId": "tag_1"}),
    "getAccessRequest": (
        lambda c, u: c.get_access_request("cm00000001"),
        {"requestId": "cm00000001"},
    ),
    "listAccessRequests": (lambda c, u: c.list_access_requests(), {}),
    "getAccessCredentials": (
        lambda c, u: c.get_credentials("cm00000001"),
        {"requestId": "cm00000001"},
    ),
}


def _row(operation_id: str) -> tuple[str, str, Op, bool]:
    op = SDK_OPERATIONS[operation_id]
    call, params = CALLS[operation_id]
    return op.method, op.path.format(**params), call, op.create


# operationId: (method, concrete path, call, is_create)
OPERATIONS: dict[str, tuple[str, str, Op, bool]] = {op_id: _row(op_id) for op_id in CALLS}


def test_the_matrix_covers_every_operation_a_user_calls() -> None:
    """Every operation of the SDK's table but the token call (made by the client) is in the
    retry matrix."""
    assert set(CALLS) == set(SDK_OPERATIONS) - {"createToken"}


def make_fault(kind: str) -> Any:
    """A fault by name."""
    if kind.isdigit():
        return httpx.Response(int(kind), json={"error": "e", "message": "failed"})
    return {
        "ConnectError": httpx.ConnectError("refused"),
        "ConnectTimeout": httpx.ConnectTimeout("slow connect"),
        "ReadTimeout": httpx.ReadTimeout("slow answer"),
        "RemoteProtocolError": httpx.RemoteProtocolError("dropped"),
        "ReadError after commit": AfterCommit(httpx.ReadError("reset")),
    }[kind]


# fault: (safe operations retry, creates retry, a create's failure is outcome-unknown)
FAULTS = {
    "429": (True, True, False),
    "ConnectError": (True, True, False),
    "ConnectTimeout": (True, True, False),
    "408": (True, False, False),
    "500": (True, False, True),
    "502": (True, False, True),
    "503": (True, False, True),
    "504": (True, False, True),
    "ReadTimeout": (True, False, True),
    "RemoteProtocolError": (True, False, True),
    "ReadError after commit": (True, False, True),
    "400": (False, False, False),
    "404": (False, False, False),
    "409": (False, False, False),
    "422": (False, False, False),
}


def prepared() -> FakeAPI:
    """A fake with one memory, one tag, and one approved access request."""
    fake = FakeAPI()
    fake.add_memory("stored", title="t")
    fake.tags["tag_1"] = {
        "id": "tag_1",
        "name": "n",
        "color": "#000000",
        "is_enabled": True,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    fake._access("POST", [], {"reason": "r", "memoryKey": "mk"})
    fake.access["cm00000001"]["status"] = "approved"
    return fake


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("op", OPERATIONS)
async def test_retry_matrix(op: str, fault: str) -> None:
    """Each operation retries exactly the failures its class allows, and labels unknown outcomes."""
    method, path, call, is_create = OPERATIONS[op]
    safe_retries, create_retries, unknown = FAULTS[fault]
    retried = create_retries if is_create else safe_retries
    fake = prepared()
    fake.fail(method, path, make_fault(fault))
    async with fake.client(encryption=False) as client:
        user = client.user(credentials())
        if retried:
            await call(client, user)
            assert fake.count(method, path) == 2
        else:
            with pytest.raises(MemoramError) as info:
                await call(client, user)
            assert fake.count(method, path) == 1
            assert info.value.outcome_unknown is (is_create and unknown)
            if info.value.outcome_unknown:
                assert "may or may not have been processed" in str(info.value)


@pytest.mark.parametrize("fault", ["503", "ReadTimeout", "ReadError after commit", "500"])
@pytest.mark.parametrize("op", ["createMemory", "createAccessRequest"])
async def test_idempotent_creates_retry_like_reads(op: str, fault: str) -> None:
    """With idempotent_creates=True a create retries after any transient failure."""
    method, path, call, _ = OPERATIONS[op]
    fake = prepared()
    fake.honour_idempotency = True
    fake.fail(method, path, make_fault(fault))
    async with fake.client(idempotent_creates=True, encryption=False) as client:
        await call(client, client.user(credentials()))
    assert fake.count(method, path) == 2


async def test_idempotent_create_lost_answer_is_stored_once() -> None:
    """A create whose answer is lost after commit is replayed with its key; one memory exists."""
    fake = FakeAPI()
    fake.honour_idempotency = True
    fake.fail("POST", "/memory-blobs", AfterCommit(httpx.ReadError("reset")))
    async with fake.client(idempotent_creates=True) as client:
        memory = await client.user(credentials()).create_memory("once")
    assert len(fake.memories) == 1
    assert memory.id in fake.memories


async def test_create_sends_one_idempotency_key_and_encrypts_once() -> None:
    """Every attempt of one create carries the same Idempotency-Key and the same envelope."""
    fake = FakeAPI()
    fake.fail("POST", "/memory-blobs", httpx.Response(429), httpx.ConnectError("refused"))
    async with fake.client() as client:
        user = client.user(credentials())
        memory = await user.create_memory("secret words", tags=["a"])
        await user.create_memory("another")
    creates = [r for r in fake.requests if r.method == "POST" and "memory-blobs" in str(r.url)]
    assert len(creates) == 4
    keys = [r.headers["idempotency-key"] for r in creates]
    assert keys[0] == keys[1] == keys[2] != keys[3]
    assert uuid.UUID(keys[0]).version == 4
    bodies = [json.loads(r.content) for r in creates[:3]]
    assert bodies[0] == bodies[1] == bodies[2]
    assert bodies[0]["content"].startswith("mrm1.")
    assert "secret words" not in creates[0].content.decode()
    assert memory.content == "secret words"


async def test_request_access_sends_an_idempotency_key() -> None:
    """request_access carries an Idempotency-Key too, kept across its retries."""
    fake = FakeAPI()
    fake.fail("POST", "/access-requests", httpx.Response(429))
    async with fake.client() as client:
        await client.request_access("mk", reason="r")
    keys = {
        r.headers["idempotency-key"]
        for r in fake.requests
        if r.method == "POST"[:4] and "access" in str(r.url)
    }
    assert len(keys) == 1


async def test_retries_are_bounded_and_backed_off() -> None:
    """A read failing every time is tried 1 + max_retries times with growing jittered delays."""
    fake = FakeAPI()
    fake.fail("GET", "/access-requests", *(httpx.Response(503) for _ in range(5)))
    async with fake.client() as client:
        with pytest.raises(InternalServerError) as info:
            await client.list_access_requests()
    assert fake.count("GET", "/access-requests") == 3
    assert fake.delays == [0.25, 0.5]
    assert info.value.status_code == 503
    assert not info.value.outcome_unknown


def _http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


@pytest.mark.parametrize(
    ("status", "clock_offset", "headers", "expected", "slack"),
    [
        pytest.param(429, 0.0, lambda now: {"Retry-After": "3"}, 3.0, 0.0, id="seconds"),
        pytest.param(
            503,
            0.0,
            lambda now: {"Retry-After": _http_date(now + timedelta(seconds=20))},
            20.0,
            5.0,
            id="http-date-without-a-Date",
        ),
        pytest.param(
            429,
            -3600.0,
            lambda now: {
                "Date": _http_date(now),
                "Retry-After": _http_date(now + timedelta(seconds=7)),
            },
            7.0,
            0.0,
            id="http-date-on-a-server-clock-an-hour-behind",
        ),
    ],
)
async def test_retry_after_is_honoured(
    status: int,
    clock_offset: float,
    headers: Callable[[datetime], dict[str, str]],
    expected: float,
    slack: float,
) -> None:
    """Retry-After replaces the backoff: seconds, or an HTTP date counted from the answer's own
    Date (the server's clock, however skewed the local one is), else from the local clock."""
    server_now = (datetime.now(UTC) + timedelta(seconds=clock_offset)).replace(microsecond=0)
    fake = FakeAPI(clock_offset=clock_offset)
    fake.fail("GET", "/tags", httpx.Response(status, headers=headers(server_now)))
    async with fake.client() as client:
        await client.user(credentials()).list_tags()
    assert len(fake.delays) == 1
    assert expected - slack <= fake.delays[0] <= expected


@pytest.mark.parametrize("op", ["createMemory", "listTags"])
async def test_long_retry_after_raises_rate_limit_error_at_once(op: str) -> None:
    """Retry-After beyond 60 s is not waited out: RateLimitError with retry_after, no retry."""
    method, path, call, _ = OPERATIONS[op]
    fake = FakeAPI()
    fake.fail(method, path, httpx.Response(429, headers={"Retry-After": "120"}))
    async with fake.client() as client:
        with pytest.raises(RateLimitError) as info:
            await call(client, client.user(credentials()))
    assert info.value.retry_after == 120.0
    assert not info.value.outcome_unknown
    assert fake.count(method, path) == 1
    assert fake.delays == []


@pytest.mark.parametrize("op", ["listTags", "getMemory"])
async def test_long_retry_after_on_a_503_raises_at_once_with_retry_after(op: str) -> None:
    """A 503 with Retry-After beyond 60 s is not waited out either: InternalServerError at once,
    with retry_after set like a 429's."""
    method, path, call, _ = OPERATIONS[op]
    fake = FakeAPI()
    fake.fail(method, path, httpx.Response(503, headers={"Retry-After": "120"}))
    async with fake.client(max_retries=5) as client:
        with pytest.raises(InternalServerError) as info:
            await call(client, client.user(credentials()))
    assert info.value.status_code == 503
    assert info.value.retry_after == 120.0
    assert fake.count(method, path) == 1
    assert fake.delays == []


async def test_a_503_create_keeps_retry_after_and_its_unknown_outcome() -> None:
    """A create is not repeated after a 503 (it may have run), but the error still says how long
    the server asked to wait."""
    fake = FakeAPI()
    fake.fail("POST", "/memory-blobs", httpx.Response(503, headers={"Retry-After": "5"}))
    async with fake.client(max_retries=5) as client:
        with pytest.raises(InternalServerError) as info:
            await client.user(credentials()).create_memory("hi")
    assert (info.value.retry_after, info.value.outcome_unknown) == (5.0, True)
    assert fake.count("POST", "/memory-blobs") == 1


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("header", ["0", "0.001"])
async def test_a_zero_retry_after_still_gets_the_backoff(status: int, header: str) -> None:
    """Retry-After: 0 (or a tiny one) with max_retries=20 waits the usual backoff between the 21
    attempts instead of sending them in a burst."""
    fake = FakeAPI()
    fake.fail(
        "GET",
        "/tags",
        *(httpx.Response(status, headers={"Retry-After": header}) for _ in range(21)),
    )
    async with fake.client(max_retries=20, total_timeout=3600) as client:
        with pytest.raises(APIStatusError) as info:
            await client.user(credentials()).list_tags()
    assert info.value.retry_after == float(header)
    assert fake.count("GET", "/tags") == 21
    # rng 0.5: half of each ceiling, 0.25 s for the first retry up to 4 s from the fifth on.
    assert fake.delays == [pytest.approx(min(8.0, 0.5 * 2**n) / 2) for n in range(20)]
    assert sum(fake.delays) > 60


async def test_exhausted_rate_limit_keeps_retry_after() -> None:
    """When 429s outlast the retries, the RateLimitError reports the last Retry-After."""
    fake = FakeAPI()
    fake.fail(
        "GET", "/tags", *(httpx.Response(429, headers={"Retry-After": "1"}) for _ in range(3))
    )
    async with fake.client() as client:
        with pytest.raises(RateLimitError) as info:
            await client.user(credentials()).list_tags()
    assert info.value.retry_after == 1.0


async def test_with_options_changes_retries_for_the_copy_only() -> None:
    """with_options(max_retries=0) fails at once; the parent client still retries."""
    fake = FakeAPI()
    async with fake.client() as client:
        fake.fail("GET", "/access-requests", httpx.Response(503))
        with pytest.raises(InternalServerError):
            await client.with_options(max_retries=0).list_access_requests()
        fake.fail("GET", "/access-requests", httpx.Response(503))
        await client.list_access_requests()
        user = client.user(credentials()).with_options(max_retries=0)
        fake.fail("GET", "/tags", httpx.Response(503))
        with pytest.raises(InternalServerError):
            await user.list_tags()
    assert client.max_retries == 2


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (httpx.ConnectError("refused"), APIConnectionError),
        (httpx.ReadTimeout("slow"), APITimeoutError),
        (httpx.ConnectTimeout("slow"), APITimeoutError),
        (httpx.RemoteProtocolError("dropped"), APIConnectionError),
        (httpx.UnsupportedProtocol("ftp"), APIConnectionError),
    ],
)
async def test_transport_errors_are_translated(fault: Exception, error: type[Exception]) -> None:
    """httpx exceptions never escape: they become APIConnectionError/APITimeoutError, chained."""
    fake = FakeAPI()
    fake.fail("GET", "/access-requests", fault, fault, fault)
    async with fake.client() as client:
        with pytest.raises(error) as info:
            await client.list_access_requests()
    assert info.value.__cause__ is fault
    assert isinstance(info.value, MemoramError)


async def test_status_errors_carry_what_a_user_needs() -> None:
    """A 400 carries status, method, path, request id and the server's short message."""
    fake = FakeAPI()
    fake.fail(
        "GET",
        "/memory-blobs/mem_9",
        httpx.Response(
            400,
            json={"error": "bad_request", "message": "bad id"},
            headers={"x-request-id": "r-42"},
        ),
    )
    async with fake.client() as client:
        with pytest.raises(BadRequestError) as info:
            await client.user(credentials()).get_memory("mem_9")
    error = info.value
    assert isinstance(error, APIStatusError)
    assert (error.status_code, error.method, error.path) == (400, "GET", "/memory-blobs/mem_9")
    assert error.request_id == "r-42"
    assert error.error_code == "bad_request"
    assert "bad id" in str(error)
    assert USER_ID not in str(error)


async def test_create_that_cannot_be_retried_keeps_outcome_unknown() -> None:
    """A create answered 500, whose retry cannot get a token, still says it may have happened."""
    fake = FakeAPI()
    fake.fail("POST", "/memory-blobs", httpx.Response(500))
    async with fake.client(idempotent_creates=True, max_retries=1) as client:
        user = client.user(credentials())
        await user.list_tags()  # a token is held

        def expire_the_token(seconds: float) -> None:
            client._session.tokens._refresh_at = float("-inf")
            fake.fail("POST", "/auth/token", httpx.Response(503), httpx.Response(503))

        instant_client(client, on_wait=expire_the_token)
        with pytest.raises(APIConnectionError) as info:
            await user.create_memory("maybe stored")
    assert info.value.outcome_unknown is True
    assert "could not be retried" in str(info.value)


async def test_client_closed_between_attempts_of_a_create_keeps_outcome_unknown() -> None:
    """Closing the client while a maybe-processed create waits to retry says so."""
    fake = FakeAPI()
    fake.fail("POST", "/memory-blobs", httpx.Response(500))
    client = fake.client(idempotent_creates=True)
    user = client.user(credentials())

    async def close_while_waiting(seconds: float) -> None:
        await client.aclose()

    instant_client(client, on_wait=close_while_waiting)
    with pytest.raises(ClientClosedError) as info:
        await user.create_memory("maybe stored")
    assert info.value.outcome_unknown is True
