"""Failure paths across the client: outcomes that must stay known, waits that must stay bounded.

Creates that may have happened, a client closed mid-call, token fetches under a caller's
timeout, dropped connections, polls through failing servers, re-encryption racing a writer
and a repeated page cursor: what the user is told when something goes wrong half-way.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from memoram_async import (
    AccessRequestStatus,
    APIConnectionError,
    ApprovalTimeoutError,
    ClientClosedError,
    Credentials,
    MemoramClient,
    MemoramError,
    ValidationError,
)
from memoram_async._crypto import Keyring
from tests.scenarios.fake_api import ENCRYPTION_KEY, MEMORY_KEY, USER_ID, FakeAPI, credentials


async def test_create_that_cannot_be_retried_keeps_outcome_unknown() -> None:
    """A create answered 500, whose retry cannot get a token, still says it may have happened."""
    fake = FakeAPI()
    fake.fail("POST", "/memory-blobs", httpx.Response(500))
    async with fake.client(idempotent_creates=True, max_retries=1) as client:
        user = client.user(credentials())
        await user.list_tags()  # a token is held

        async def expire_then_pause(seconds: float) -> None:
            client._session.tokens._refresh_at = float("-inf")
            fake.fail("POST", "/auth/token", httpx.Response(503), httpx.Response(503))
            await asyncio.sleep(0)

        client._session.sleep = expire_then_pause
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

    client._session.sleep = close_while_waiting
    with pytest.raises(ClientClosedError) as info:
        await user.create_memory("maybe stored")
    assert info.value.outcome_unknown is True


async def test_token_fetch_does_not_inherit_a_callers_timeout() -> None:
    """A token fetched for a with_options(timeout=...) call uses the client's own timeout."""
    fake = FakeAPI()
    async with fake.client(timeout=20.0) as client:
        await client.with_options(timeout=0.5).list_access_requests()
    token_request = next(r for r in fake.requests if r.url.path.endswith("/auth/token"))
    listing = next(r for r in fake.requests if r.url.path.endswith("/access-requests"))
    assert token_request.extensions["timeout"]["read"] == 20.0
    assert listing.extensions["timeout"]["read"] == 0.5


async def test_closing_during_a_token_fetch_is_client_closed_not_cancelled() -> None:
    """Callers waiting on a token when the client closes get ClientClosedError."""
    started = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        started.set()
        await asyncio.sleep(30)
        raise AssertionError("never answered")

    client = MemoramClient(
        api_key="mem_" + "a" * 48,
        base_url="https://api.test/api/v1",
        transport=httpx.MockTransport(handler),
    )
    waiting = asyncio.create_task(client.list_access_requests())
    await asyncio.wait_for(started.wait(), 5)
    await client.aclose()
    with pytest.raises(ClientClosedError):
        await asyncio.wait_for(waiting, 5)


@pytest.mark.parametrize("memory_id", [".", ".."])
async def test_dot_ids_never_leave_the_process(memory_id: str) -> None:
    """'.' and '..' would be resolved by the URL into another endpoint: refused first."""
    fake = FakeAPI()
    async with fake.client() as client:
        with pytest.raises(ValidationError, match=r"'\.' or '\.\.'"):
            await client.user(credentials()).delete_memory(memory_id)
    assert fake.requests == []


async def test_a_users_closed_http_client_is_a_typed_error() -> None:
    """Sending through an http_client its owner already closed is an APIConnectionError."""
    fake = FakeAPI()
    async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler)) as mine:
        pass
    client = MemoramClient(
        api_key="mem_" + "a" * 48, base_url="https://api.test/api/v1", http_client=mine
    )
    async with client:
        with pytest.raises(APIConnectionError):
            await client.list_access_requests()


async def test_connection_error_text_drops_what_the_request_sent() -> None:
    """A transport error that quotes the request body does not carry the memory key onward."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/auth/token"):
            return httpx.Response(
                200,
                json={"token": "eyJx.y.z", "expires_at": "2999-01-01T00:00:00Z"}
                | {"token_type": "Bearer"},
            )
        raise httpx.ConnectError(
            f"refused while sending {request.content.decode()}", request=request
        )

    client = MemoramClient(
        api_key="mem_" + "a" * 48,
        base_url="https://api.test/api/v1",
        transport=httpx.MockTransport(handler),
        max_retries=0,
    )
    async with client:
        with pytest.raises(APIConnectionError) as info:
            await client.request_access("mk_short", reason="r")
    assert "mk_short" not in str(info.value)


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


async def test_wait_for_approval_timeout_bounds_a_failing_server() -> None:
    """A server that only fails ends the wait with ApprovalTimeoutError at the deadline."""
    fake = FakeAPI()
    request_id = fake._access("POST", [], {"reason": "r", "memoryKey": "mk"}).json()["id"]
    path = f"/access-requests/{request_id}"
    fake.fail("GET", path, *(httpx.Response(503) for _ in range(200)))
    async with fake.client(max_retries=5) as client:
        with pytest.raises(ApprovalTimeoutError):
            await client.wait_for_approval(request_id, timeout=20)
    # No poll retried inside itself: every pause is the polling loop's own, within the timeout.
    assert sum(fake.delays) == pytest.approx(20)


def test_rotated_to_refuses_older_credentials() -> None:
    """Swapping old and new in rotated_to() would move memories back to the old key."""
    old = credentials()
    new = Credentials(
        user_id=USER_ID, memory_key=MEMORY_KEY, encryption_key="ab" * 32, key_version=2
    )
    assert old.rotated_to(new).key_version == 2
    with pytest.raises(ValidationError, match="newer credentials"):
        new.rotated_to(old)


async def test_reencryption_skips_a_memory_changed_since_the_listing() -> None:
    """Content written by someone else between listing and rewriting is not overwritten."""
    fake = FakeAPI()
    old_ring = Keyring.from_hex(ENCRYPTION_KEY, 1)
    stale = fake.add_memory(old_ring.encrypt("old text", USER_ID))
    untouched = fake.add_memory(old_ring.encrypt("other", USER_ID))
    new = Credentials(
        user_id=USER_ID, memory_key=MEMORY_KEY, encryption_key="cd" * 32, key_version=2
    )
    merged = credentials().rotated_to(new)
    newer_text = merged._keyring.encrypt("written after the listing", USER_ID)
    path = f"/memory-blobs/{stale}"

    def changed_meanwhile(request: httpx.Request) -> httpx.Response:
        fake.memories[stale]["content"] = newer_text
        return fake._route(request, path)

    fake.fail("GET", path, changed_meanwhile)
    async with fake.client() as client:
        result = await client.user(merged).reencrypt_memories()
    assert result.skipped_ids == (stale,)
    assert result.reencrypted == 1
    assert fake.memories[stale]["content"] == newer_text
    assert merged._keyring.decrypt(fake.memories[untouched]["content"], USER_ID) == "other"
    assert not merged._keyring.needs_reencryption(fake.memories[untouched]["content"])


async def test_repeated_cursor_page_is_not_yielded_after_the_error() -> None:
    """After the repeated-cursor error, iterating again yields nothing more."""
    fake = FakeAPI()
    first = fake.add_memory(Keyring.from_hex(ENCRYPTION_KEY, 1).encrypt("x", USER_ID))
    blob = {**fake.memories[first]}
    page = httpx.Response(200, json={"memoryBlobs": [blob], "next_cursor": "same"})
    fake.fail("GET", "/memory-blobs", page, page)
    async with fake.client() as client:
        iterator = client.user(credentials()).list_memories()
        seen = []

        async def drain() -> None:
            async for memory in iterator:
                seen.append(memory.id)

        with pytest.raises(MemoramError):
            await drain()
        leftovers = [memory.id async for memory in iterator]
    assert seen == [first]
    assert leftovers == []
