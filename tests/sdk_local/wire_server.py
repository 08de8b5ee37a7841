"""A loopback HTTP/1.1 server that misbehaves on purpose, for the request loop's exits.

Not the local Memoram server: this one answers by ``mode`` (set by the test) at the level of
bytes, so a test can hold an answer, drop the connection, trickle a body or send any status.
It records every request it read in full, which is what "the server received the POST" means.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Final

from memoram_async.testing import FAKE_USER_ID

CREATED: Final = json.dumps({"id": "mem_1", "user_id": str(FAKE_USER_ID)}).encode()


class WireServer:
    """``async with WireServer() as server:``; ``server.base_url`` is the API's URL.

    Attributes:
        mode: How the next requests are answered: ``ok``, ``hold`` (never answer), ``drop``
            (close without answering), ``trickle`` (one body byte every ``interval`` s), or
            ``status`` (``status`` and ``headers``).
        received: The request lines of the requests read in full (``"POST /api/v1/..."``).
    """

    def __init__(self) -> None:
        self.mode = "ok"
        self.status = 500
        self.headers: dict[str, str] = {}
        self.interval = 0.5
        self.received: list[str] = []
        self.arrived = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def base_url(self) -> str:
        """The API's base URL on this server."""
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/api/v1"

    async def __aenter__(self) -> WireServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while await self._one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # The server is closing: this handler ends with it (the loop's callback would
            # otherwise report the cancellation as an error).
            return
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        await reader.readexactly(length)
        self.received.append(lines[0].rsplit(" ", 1)[0])
        self.arrived.set()
        return await self._answer(writer)

    async def _answer(self, writer: asyncio.StreamWriter) -> bool:
        if self.mode == "hold":
            await asyncio.sleep(3600)
        if self.mode == "drop":
            return False
        if self.mode == "trickle":
            await self._trickle(writer)
            return False
        status, body = (201, CREATED) if self.mode == "ok" else (self.status, b'{"error":"x"}')
        writer.write(_head(status, len(body), self.headers) + body)
        await writer.drain()
        return True

    async def _trickle(self, writer: asyncio.StreamWriter) -> None:
        body = CREATED
        writer.write(_head(201, len(body), {}))
        for byte in body:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(self.interval)


def _head(status: int, length: int, headers: dict[str, Any]) -> bytes:
    lines = [f"HTTP/1.1 {status} X", "content-type: application/json", f"content-length: {length}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()
