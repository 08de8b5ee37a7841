"""DefaultAioHttpClient over loopback: a connection dropped after sending is not "never sent"."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from memoram_async import APIConnectionError, DefaultAioHttpClient, MemoramClient
from tests.support.deadline import run_in_thread
from tests.support.fake_api import credentials

DEADLINE = 30.0


class DroppingServer:
    """Reads each request's head and body, counts it, and closes the connection unanswered."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await reader.readexactly(length)
        self.requests.append(
            head.split(b" ", 2)[0].decode() + " " + head.split(b" ", 2)[1].decode()
        )
        writer.close()


def test_raw_request_to_a_dropping_server_is_a_remote_protocol_error() -> None:
    """httpx-aiohttp would call this a ConnectTimeout; the SDK's client says RemoteProtocolError."""

    async def scenario() -> None:
        server = DroppingServer()
        listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
        port = listener.sockets[0].getsockname()[1]
        async with listener, DefaultAioHttpClient() as http:
            with pytest.raises(httpx.RemoteProtocolError):
                await http.post(f"http://127.0.0.1:{port}/x", json={"a": 1})
        assert server.requests == ["POST /x"]

    run_in_thread(scenario, DEADLINE)


def test_a_create_whose_connection_drops_is_sent_once_and_may_have_happened() -> None:
    """create_memory through DefaultAioHttpClient is not retried after a drop: one POST, outcome
    unknown (retrying it as never sent would store the memory twice)."""

    async def scenario() -> None:
        server = DroppingServer()
        listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
        port = listener.sockets[0].getsockname()[1]
        async with listener, DefaultAioHttpClient() as http:
            client = MemoramClient(
                token="eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
                base_url=f"http://127.0.0.1:{port}/api/v1",
                http_client=http,
                max_retries=3,
            )
            async with client:
                with pytest.raises(APIConnectionError) as caught:
                    await client.user(credentials()).create_memory("hello")
        assert caught.value.outcome_unknown
        assert server.requests == ["POST /api/v1/memory-blobs"]

    run_in_thread(scenario, DEADLINE)
