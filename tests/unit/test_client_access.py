"""The access flow: request, poll until decided, credentials, and the errors on the way."""

from __future__ import annotations

import json

import httpx
import pytest

from memoram_async import (
    AccessDeniedError,
    AccessRequestStatus,
    ApprovalPendingError,
    ApprovalTimeoutError,
    Credentials,
    NotFoundError,
    PermissionDeniedError,
    UnknownAccessStatusError,
)
from tests.support.fake_api import MEMORY_KEY, USER_ID, FakeAPI


async def test_request_access_creates_a_pending_request() -> None:
    """request_access sends memoryKey and reason and returns a pending AccessRequest."""
    fake = FakeAPI()
    async with fake.client() as client:
        request = await client.request_access(MEMORY_KEY, reason="To remember your plans")
        listed = await client.list_access_requests()
        fetched = await client.get_access_request(request.id)
    assert request.status is AccessRequestStatus.PENDING
    assert request.reason == "To remember your plans"
    assert [r.id for r in listed] == [request.id]
    assert fetched == request
    body = json.loads(
        next(r for r in fake.requests if r.method == "POST" and "access" in str(r.url)).content
    )
    assert body == {"memoryKey": MEMORY_KEY, "reason": "To remember your plans"}


async def polling_fake(decision: str, after: int) -> tuple[FakeAPI, str]:
    """A fake whose one access request turns `decision` after `after` polls."""
    fake = FakeAPI()
    request_id = fake._access("POST", [], {"reason": "r", "memoryKey": "mk"}).json()["id"]
    path = f"/access-requests/{request_id}"
    polls = 0

    def poll(request: httpx.Request) -> httpx.Response:
        nonlocal polls
        polls += 1
        if polls > after:
            fake.access[request_id]["status"] = decision
        return fake._route(request, path)

    fake.fail("GET", path, *(poll for _ in range(after + 1)))
    return fake, request_id


async def test_wait_for_approval_polls_with_backoff_until_approved() -> None:
    """Polls until approved, with growing delays, and returns the approved request."""
    fake, request_id = await polling_fake("approved", after=4)
    async with fake.client() as client:
        request = await client.wait_for_approval(request_id, timeout=300)
    assert request.status is AccessRequestStatus.APPROVED
    assert fake.count("GET", f"/access-requests/{request_id}") == 5
    assert fake.delays == sorted(fake.delays)
    assert fake.delays[0] < fake.delays[-1] <= 15


@pytest.mark.parametrize("decision", ["rejected", "revoked"])
async def test_wait_for_approval_raises_access_denied(decision: str) -> None:
    """A rejected or revoked request raises AccessDeniedError with its status."""
    fake, request_id = await polling_fake(decision, after=1)
    async with fake.client() as client:
        with pytest.raises(AccessDeniedError) as info:
            await client.wait_for_approval(request_id)
    assert info.value.status == decision
    assert info.value.request_id == request_id


async def test_wait_for_approval_stops_at_a_status_it_does_not_know() -> None:
    """A status a newer API added ends the wait at once with UnknownAccessStatusError."""
    fake, request_id = await polling_fake("expired", after=2)
    async with fake.client() as client:
        with pytest.raises(UnknownAccessStatusError) as info:
            await client.wait_for_approval(request_id, timeout=300)
    assert (info.value.status, info.value.request_id) == ("expired", request_id)
    assert "'expired'" in str(info.value)
    assert fake.count("GET", f"/access-requests/{request_id}") == 3


@pytest.mark.parametrize("server", ["pending", "failing"])
async def test_wait_for_approval_times_out(server: str) -> None:
    """Still pending, or a server that only answers 503, after the timeout: ApprovalTimeoutError
    (also a TimeoutError), and every pause is the polling loop's own (no retry inside a poll)."""
    if server == "pending":
        fake, request_id = await polling_fake("approved", after=10_000)
    else:
        fake = FakeAPI()
        request_id = fake._access("POST", [], {"reason": "r", "memoryKey": "mk"}).json()["id"]
        fake.fail(
            "GET", f"/access-requests/{request_id}", *(httpx.Response(503) for _ in range(200))
        )
    path = f"/access-requests/{request_id}"
    async with fake.client(max_retries=5) as client:
        with pytest.raises(ApprovalTimeoutError) as info:
            await client.wait_for_approval(request_id, timeout=30)
    assert isinstance(info.value, TimeoutError)
    assert sum(fake.delays) == pytest.approx(30)
    assert fake.count("GET", path) == len(fake.delays) + 1


async def test_wait_for_approval_with_zero_timeout_polls_once() -> None:
    """timeout=0 checks once and gives up if still pending."""
    fake, request_id = await polling_fake("approved", after=5)
    async with fake.client() as client:
        with pytest.raises(ApprovalTimeoutError):
            await client.wait_for_approval(request_id, timeout=0)
    assert fake.count("GET", f"/access-requests/{request_id}") == 1


async def test_credentials_of_an_approved_request() -> None:
    """get_credentials returns Credentials with a UUID user id and hidden keys."""
    fake = FakeAPI()
    async with fake.client() as client:
        request = await client.request_access(MEMORY_KEY, reason="r")
        fake.access[request.id]["status"] = "approved"
        creds = await client.get_credentials(request.id)
    assert isinstance(creds, Credentials)
    assert str(creds.user_id) == USER_ID
    assert creds.memory_key.reveal() == MEMORY_KEY
    assert creds.key_version == 1


async def test_credentials_of_a_pending_request_say_approval_is_pending() -> None:
    """A 403 for a pending request becomes ApprovalPendingError (a 403 PermissionDeniedError)."""
    fake = FakeAPI()
    async with fake.client() as client:
        request = await client.request_access(MEMORY_KEY, reason="r")
        with pytest.raises(ApprovalPendingError) as info:
            await client.get_credentials(request.id)
    assert isinstance(info.value, PermissionDeniedError)
    assert info.value.status_code == 403
    assert "approval is pending" in str(info.value)


@pytest.mark.parametrize("decision", ["rejected", "revoked"])
async def test_credentials_of_a_refused_request_raise_access_denied(decision: str) -> None:
    """A 403 for a rejected or revoked request becomes AccessDeniedError."""
    fake = FakeAPI()
    async with fake.client() as client:
        request = await client.request_access(MEMORY_KEY, reason="r")
        fake.access[request.id]["status"] = decision
        with pytest.raises(AccessDeniedError, match=decision):
            await client.get_credentials(request.id)


async def test_credentials_of_an_unknown_request() -> None:
    """An unknown request id is a NotFoundError."""
    fake = FakeAPI()
    async with fake.client() as client:
        with pytest.raises(NotFoundError):
            await client.get_credentials("cm_missing")


async def test_wait_for_approval_polls_through_transient_failures() -> None:
    """A 503 or a dropped answer while polling is not the user's decision: polling goes on."""
    fake = FakeAPI()
    request_id = fake._access("POST", [], {"reason": "r", "memoryKey": "mk"}).json()["id"]
    path = f"/access-requests/{request_id}"

    def approve(request: httpx.Request) -> httpx.Response:
        fake.access[request_id]["status"] = "approved"
        return fake._route(request, path)

    fake.fail("GET", path, httpx.Response(503), httpx.ReadError("reset"), approve)
    async with fake.client(max_retries=0) as client:
        request = await client.wait_for_approval(request_id, timeout=300)
    assert request.status is AccessRequestStatus.APPROVED
