"""The whole SDK against the local Memoram server, over loopback (real uvicorn, real sockets)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from memoram_async import (
    AccessDeniedError,
    ApprovalPendingError,
    AuthenticationError,
    Credentials,
    DecryptionError,
    MemoramClient,
    NotFoundError,
)
from memoram_local import LocalServer

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
        # The server only ever held envelopes: no plaintext in its database.
        rows = server.app.store._conn.execute("SELECT content FROM memories").fetchall()
        assert len(rows) == 2
        assert all(row[0].startswith("mrm1.") for row in rows)
        assert not any("Window" in row[0] or "nuts" in row[0] for row in rows)
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
