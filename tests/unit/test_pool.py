"""QueuedTransport: at most `limit` requests reach httpx's pool; the rest wait in order."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from memoram_async._constants import DEFAULT_CONNECTION_LIMITS
from memoram_async._pool import QueuedTransport, default_transport


class Counting(httpx.AsyncBaseTransport):
    """Answers after a short pause, recording how many requests it held at once."""

    def __init__(self, fail: bool = False) -> None:
        self.inside = 0
        self.most = 0
        self.fail = fail

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.inside += 1
        self.most = max(self.most, self.inside)
        try:
            await asyncio.sleep(0.001)
            if self.fail:
                raise httpx.ReadError("boom", request=request)
        finally:
            self.inside -= 1
        # A body still to read, as from a real connection.
        return httpx.Response(200, stream=httpx.ByteStream(b"ok"))


async def test_no_more_than_the_limit_reach_the_pool() -> None:
    """200 concurrent calls through a limit of 5: never more than 5 inside, all answered."""
    inner = Counting()
    async with httpx.AsyncClient(transport=QueuedTransport(inner, 5)) as client:
        answers = await asyncio.gather(*(client.get("http://127.0.0.1/") for _ in range(200)))
    assert [a.text for a in answers] == ["ok"] * 200
    assert inner.most == 5


async def test_a_failed_request_gives_its_place_back() -> None:
    """Failures release their permit: a limit of 1 survives many failed requests."""
    transport = QueuedTransport(Counting(fail=True), 1)
    async with httpx.AsyncClient(transport=transport) as client:
        for _ in range(5):
            with pytest.raises(httpx.ReadError):
                await client.get("http://127.0.0.1/")
    async with httpx.AsyncClient(transport=QueuedTransport(Counting(), 1)) as client:
        assert (await client.get("http://127.0.0.1/")).text == "ok"


async def test_waiting_longer_than_the_pool_timeout_is_a_pool_timeout() -> None:
    """A request that finds no free place within the pool timeout raises httpx.PoolTimeout."""
    gate = asyncio.Event()

    async def slow(request: httpx.Request) -> httpx.Response:
        await gate.wait()
        return httpx.Response(200)

    transport = QueuedTransport(httpx.MockTransport(slow), 1)
    async with httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(5, pool=0.05)) as c:
        first = asyncio.create_task(c.get("http://127.0.0.1/"))
        await asyncio.sleep(0.01)
        with pytest.raises(httpx.PoolTimeout):
            await c.get("http://127.0.0.1/")
        gate.set()
        assert (await first).status_code == 200


async def test_a_streamed_answer_holds_its_place_until_closed() -> None:
    """The permit is held while the body is open and returned when it is closed."""
    transport = QueuedTransport(Counting(), 1)
    async with httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(5, pool=0.05)) as c:
        async with c.stream("GET", "http://127.0.0.1/") as response:
            with pytest.raises(httpx.PoolTimeout):
                await c.get("http://127.0.0.1/")
            await response.aread()
        assert (await c.get("http://127.0.0.1/")).text == "ok"


def test_the_sdks_transport_queues_at_its_connection_limit() -> None:
    """The SDK's own transport lets as many requests through as its pool has connections."""
    transport = default_transport(trust_env=False)
    assert transport._semaphore._value == DEFAULT_CONNECTION_LIMITS.max_connections
