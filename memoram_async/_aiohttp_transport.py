"""httpx-aiohttp's transport, with aiohttp's failures told apart the way httpx tells them.

httpx-aiohttp maps every ``aiohttp.ClientConnectionError`` it does not know better to
``httpx.ConnectTimeout``, including a server that dropped the connection after the request
was sent. The SDK retries a ``ConnectTimeout`` as "never sent", even for a create: that
would store the memory twice. Here only a failure to connect stays a connect error; a
dropped connection is a ``RemoteProtocolError`` and a reset a ``ReadError``, as with httpx's
own transport. Imported only when a :class:`DefaultAioHttpClient` is built.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import httpx
import httpx_aiohttp

# The aiohttp failures that happen before a request is on the wire.
_BEFORE_SENDING = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


def _sent_failure(exc: httpx.ConnectTimeout) -> httpx.TransportError:
    """``exc`` as httpx's own transport would raise it, or ``exc`` when nothing was sent."""
    cause = exc.__cause__
    if cause is None or isinstance(cause, _BEFORE_SENDING):
        return exc
    if isinstance(cause, aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError(str(cause) or "Server disconnected")
    return httpx.ReadError(str(cause) or type(cause).__name__)


class _ResponseStream(httpx.AsyncByteStream):
    """The answer's body, with the same translation while it is read."""

    def __init__(self, stream: httpx.AsyncByteStream) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._stream:
                yield chunk
        except httpx.ConnectTimeout as exc:
            raise _sent_failure(exc) from exc.__cause__

    async def aclose(self) -> None:
        await self._stream.aclose()


class AiohttpTransport(httpx_aiohttp.AiohttpTransport):
    """aiohttp's connection pool behind httpx, failures translated as httpx's transport does."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await super().handle_async_request(request)
        except httpx.ConnectTimeout as exc:
            raise _sent_failure(exc) from exc.__cause__
        if isinstance(response.stream, httpx.AsyncByteStream):
            response.stream = _ResponseStream(response.stream)
        return response
