"""The transport of the SDK's own httpx client: httpx's, with requests queued in front of it.

httpcore's pool walks its queue of waiting requests and all its connections (with a ``poll``
syscall per idle one) whenever a request starts or ends, so with more requests than
connections every request costs CPU in proportion to both, and a thousand calls in flight
take minutes. Here a request waits for a free connection in an ``asyncio.Semaphore`` (a FIFO,
O(1) to enter and leave) and reaches httpcore only when a connection is free for it: httpcore's
queue stays empty. Its permit is held until the answer's body is closed, as the connection is.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx

from ._constants import DEFAULT_CONNECTION_LIMITS
from ._tls import shared_ssl_context


class _ReleasingStream(httpx.AsyncByteStream):
    """The answer's body; closing it frees the request's place."""

    def __init__(self, stream: httpx.AsyncByteStream, release: _Permit) -> None:
        self._stream = stream
        self._release = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            self._release()


class _Permit:
    """A semaphore's permit that is released once, however often it is released."""

    __slots__ = ("_semaphore",)

    def __init__(self, semaphore: asyncio.Semaphore) -> None:
        self._semaphore: asyncio.Semaphore | None = semaphore

    def __call__(self) -> None:
        semaphore, self._semaphore = self._semaphore, None
        if semaphore is not None:
            semaphore.release()


class QueuedTransport(httpx.AsyncBaseTransport):
    """At most ``limit`` requests in ``transport`` at once; the others wait their turn here.

    ``limit`` should be the wrapped pool's ``max_connections``: then every request that
    enters it finds a connection, new or idle.
    """

    def __init__(self, transport: httpx.AsyncBaseTransport, limit: int) -> None:
        self._transport = transport
        self._semaphore = asyncio.Semaphore(limit)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # The pool timeout bounds the wait for a connection, here as it would in httpcore.
        wait = request.extensions.get("timeout", {}).get("pool")
        try:
            async with asyncio.timeout(wait):
                await self._semaphore.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout(
                f"No connection was free within the pool timeout ({wait} s)"
            ) from None
        permit = _Permit(self._semaphore)
        try:
            response = await self._transport.handle_async_request(request)
        except BaseException:
            permit()
            raise
        if not isinstance(response.stream, httpx.AsyncByteStream):  # pragma: no cover
            permit()
            return response
        response.stream = _ReleasingStream(response.stream, permit)
        return response

    async def aclose(self) -> None:
        await self._transport.aclose()


def default_transport(*, trust_env: bool) -> QueuedTransport:
    """httpx's transport with the SDK's limits and shared TLS context, behind the queue."""
    limit = DEFAULT_CONNECTION_LIMITS.max_connections or 100
    return QueuedTransport(
        httpx.AsyncHTTPTransport(
            verify=shared_ssl_context(trust_env=trust_env),
            limits=DEFAULT_CONNECTION_LIMITS,
            trust_env=trust_env,
        ),
        limit,
    )
