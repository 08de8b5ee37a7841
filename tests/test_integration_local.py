"""The whole SDK against the local Memoram server, over loopback (real uvicorn, real sockets)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from memoram_async import (
    AccessDeniedError,
    ApprovalPendingError,
    AuthenticationError,
    Credentials,
    DecryptionError,
    MemoramClient,
    MemoramError,
    NotFoundError,
)
from memoram_async.local import LocalServer

MEMORY_KEY = "memory-key-integration"


@pytest.fixture
async def server() -> AsyncIterator[LocalServer]:
    """A local server on a free loopback port."""
    async with LocalServer() as local:
        yield local


def client_for(server: LocalServer, **kwargs: object) -> MemoramClient:
    """A client on the local server."""
    return MemoramClient(api_key=server.api_key, base_url=server.base_url, **kwargs)  # type: ignore[arg-type]


async def approved_credentials(
    client: MemoramClient, server: LocalServer
) -> tuple[str, Credentials]:
    """Ask, approve as the user, wait, and fetch the credentials."""
    request = await client.request_access(MEMORY_KEY, reason="integration tests")
    await server.aapprove(request.id)
    await client.wait_for_approval(request.id, timeout=10)
    return request.id, await client.get_credentials(request.id)


async def test_the_whole_flow(server: LocalServer) -> None:
    """Token, access request, approval, credentials, create/list/get/update/delete, tags."""
    async with client_for(server) as client:
        request = await client.request_access(MEMORY_KEY, reason="Remember your trips")
        assert request.status == "pending"
        with pytest.raises(ApprovalPendingError, match="approval is pending"):
            await client.get_credentials(request.id)
        waiter = asyncio.ensure_future(client.wait_for_approval(request.id, timeout=30))
        await asyncio.sleep(0.05)
        await server.aapprove(request.id)
        approved = await waiter
        assert approved.status == "approved"
        assert [r.id for r in await client.list_access_requests()] == [request.id]
        credentials = await client.get_credentials(request.id)
        user = client.user(credentials)

        trip = await user.create_memory("Lisbon in May", title="trip", tags=["travel", "2026"])
        await user.create_memory("Window seats", tags=["travel"], importance=4, confidence=0.8)
        await user.create_memory("Allergic to nuts", tags=["health"], source="intake")

        travel = [m async for m in user.list_memories(tags=["travel"], page_size=1)]
        assert sorted(m.content or "" for m in travel) == ["Lisbon in May", "Window seats"]
        everything = [m async for m in user.list_memories()]
        assert len(everything) == 3

        fetched = await user.get_memory(trip.id)
        assert (fetched.content, fetched.title, set(fetched.tags)) == (
            "Lisbon in May",
            "trip",
            {"travel", "2026"},
        )
        updated = await user.update_memory(trip.id, content="Lisbon in June", tags=["travel"])
        assert updated.tags == ("travel",)
        assert (await user.get_memory(trip.id)).content == "Lisbon in June"

        tags = await user.list_tags()
        assert {"travel", "health"} <= {t.name for t in tags}
        one = await user.get_tag(tags[0].id)
        assert one.id == tags[0].id

        await user.delete_memory(trip.id)
        with pytest.raises(NotFoundError):
            await user.get_memory(trip.id)
        stored = server.app.store  # the server keeps envelopes only
        assert stored is not None
    assert server.stats.tokens_issued == 1


async def test_rejection_is_access_denied(server: LocalServer) -> None:
    """A rejected request ends wait_for_approval and get_credentials with AccessDeniedError."""
    async with client_for(server) as client:
        request = await client.request_access(MEMORY_KEY, reason="r")
        await server.areject(request.id)
        with pytest.raises(AccessDeniedError):
            await client.wait_for_approval(request.id, timeout=5)
        with pytest.raises(AccessDeniedError):
            await client.get_credentials(request.id)


async def test_key_rotation(server: LocalServer) -> None:
    """After rotate_key: old memories read with merged keys, reencrypt, then the new key alone."""
    async with client_for(server) as client:
        request_id, old = await approved_credentials(client, server)
        user = client.user(old)
        ids = [(await user.create_memory(f"note {i}")).id for i in range(5)]

        version = await server.arotate_key(str(old.user_id))
        new = await client.get_credentials(request_id)
        assert new.key_version == version > old.key_version

        new_only = client.user(new)
        listing = new_only.list_memories(strict=False)
        assert [m async for m in listing] == []
        assert sorted(listing.failed_ids) == sorted(ids)

        merged = client.user(old.rotated_to(new))
        assert sorted([m.content async for m in merged.list_memories()]) == [  # type: ignore[type-var]
            f"note {i}" for i in range(5)
        ]
        result = await merged.reencrypt_memories()
        assert (result.scanned, result.reencrypted, result.failed_ids) == (5, 5, ())

        contents = sorted([m.content async for m in new_only.list_memories()])  # type: ignore[type-var]
        assert contents == [f"note {i}" for i in range(5)]
        with pytest.raises(DecryptionError):
            await client.user(old).get_memory(ids[0])


async def test_concurrent_cold_start_makes_one_token_request(server: LocalServer) -> None:
    """300 concurrent first calls over loopback: one token issued, every call answered."""
    async with client_for(server) as client:
        results = await asyncio.gather(*(client.list_access_requests() for _ in range(300)))
    assert len(results) == 300
    assert server.stats.tokens_issued == 1


async def test_wrong_api_key_is_an_authentication_error(server: LocalServer) -> None:
    """A key the server does not know fails with AuthenticationError naming MEMORAM_API_KEY."""
    async with MemoramClient(api_key="mem_" + "0" * 48, base_url=server.base_url) as client:
        with pytest.raises(AuthenticationError, match="MEMORAM_API_KEY"):
            await client.list_access_requests()


@pytest.mark.slow
async def test_faulty_server_loses_and_duplicates_nothing() -> None:
    """Under 500/503/429/dropped connections: idempotent creates all succeed exactly once."""
    faults = "error_rate=0.15,rate_limit_rate=0.05,reset_rate=0.05"
    async with LocalServer(faults=faults, seed=7) as server:
        client = client_for(server, idempotent_creates=True, max_retries=6)
        async with client:
            await server.aapprove((await client.request_access(MEMORY_KEY, reason="r")).id)
            requests = await client.list_access_requests()
            user = client.user(await client.get_credentials(requests[0].id))
            client._session.random = lambda: 0.01  # short backoff, same retry decisions
            memories = await asyncio.gather(*(user.create_memory(f"m{i}") for i in range(120)))
            listed = [
                m async for m in user.with_options(max_retries=8).list_memories(page_size=100)
            ]
        retries = client._session.retries
    assert len({m.id for m in memories}) == 120
    assert sorted(m.content or "" for m in listed) == sorted(f"m{i}" for i in range(120))
    assert server.stats.memories_created == 120
    assert retries > 0
    RESULTS["faulty idempotent creates"] = {"calls": 120, "retries": retries}


@pytest.mark.slow
async def test_faulty_server_default_creates_never_duplicate() -> None:
    """Default creates under faults: no duplicates; every stored memory is accounted for."""
    faults = "error_rate=0.15,rate_limit_rate=0.05,reset_rate=0.05"
    async with LocalServer(faults=faults, seed=11) as server:
        client = client_for(server, max_retries=6)
        async with client:
            client._session.random = lambda: 0.01
            request = await client.with_options(max_retries=10).request_access(
                MEMORY_KEY, reason="r"
            )
            await server.aapprove(request.id)
            creds = await client.with_options(max_retries=10).get_credentials(request.id)
            user = client.user(creds)
            outcomes = await asyncio.gather(
                *(user.create_memory(f"m{i}") for i in range(120)), return_exceptions=True
            )
            stored = [m.content async for m in user.with_options(max_retries=10).list_memories()]
    assert all(isinstance(o, MemoramError) or not isinstance(o, BaseException) for o in outcomes)
    succeeded = {o.content for o in outcomes if not isinstance(o, BaseException)}
    unknown = {
        f"m{i}" for i, o in enumerate(outcomes) if isinstance(o, MemoramError) and o.outcome_unknown
    }
    assert len(stored) == len(set(stored))  # no duplicates
    assert succeeded <= set(stored)
    assert set(stored) <= succeeded | unknown  # nothing stored by a definite failure
    RESULTS["faulty default creates"] = {
        "calls": 120,
        "succeeded": len(succeeded),
        "failed": len(outcomes) - len(succeeded),
        "stored": len(stored),
    }


@pytest.mark.slow
async def test_token_churn_has_no_stampede() -> None:
    """With 2 s tokens and 10 workers for ~3 s, every call succeeds and tokens stay few."""
    async with LocalServer(token_ttl=2) as server, client_for(server) as client:
        deadline = time.monotonic() + 3.0
        calls = 0

        async def worker() -> None:
            nonlocal calls
            for _ in range(10_000):
                if time.monotonic() > deadline:
                    return
                await client.list_access_requests()
                calls += 1

        await asyncio.gather(*(worker() for _ in range(10)))
    # One token per half-life (1 s) of a 3 s run, plus the first: never one per call.
    assert 2 <= server.stats.tokens_issued <= 6
    assert calls > 50
    RESULTS["token churn"] = {"calls": calls, "tokens": server.stats.tokens_issued}


RESULTS: dict[str, dict[str, int]] = {}
