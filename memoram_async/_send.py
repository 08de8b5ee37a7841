"""Sending: one httpx request per attempt, through the app's own client or the SDK's.

:class:`Connection` is the ``httpx.AsyncClient`` a client sends through (the app's
``http_client=``, or the SDK's own), bound to its event loop. :func:`send_once` sends a built
request once with ``client.send``, with our own ``auth`` (so the client's ``auth=`` never
touches a Memoram request) and no redirects, and hands back whatever answer came, error
statuses included, its body read inside the attempt (:func:`read_body`: a success body up
to ``max_response_bytes``, an error body cut at ``MAX_ERROR_BODY``) and the stream closed;
:func:`reports_trace` tells whether the client's transports report
httpcore's trace events (from which the request loop learns whether a request left).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Final

import httpx
from httpx._client import UseClientDefault

from ._body import BodyTooLarge, declared_length, read_capped
from ._constants import DEFAULT_CONNECTION_LIMITS, MAX_ERROR_BODY, USER_AGENT
from ._errors import ClientClosedError, EventLoopError
from ._loopback import HostCheck
from ._pool import default_transport
from ._tls import shared_ssl_context

# Replaces the client's own auth= for every Memoram request: the bearer token is set here.
_NO_AUTH: Final = httpx.Auth()


class ClientFailure(Exception):
    """The httpx client raised something other than an httpx error (internal): an app's event
    hook, auth or transport failed. The original exception is the ``__cause__``; ``request``
    tells what its text may quote (and must be redacted from)."""

    def __init__(self, request: httpx.Request) -> None:
        super().__init__("the httpx client raised")
        self.request = request


class UnreadBody(Exception):
    """An answer came but its body could not be read (internal): over ``max_response_bytes``
    (the cause is a :class:`BodyTooLarge`) or not decodable (an ``httpx.DecodingError``).
    ``status`` is the answer's real status."""

    def __init__(self, status: int) -> None:
        super().__init__(f"the body of a {status} answer could not be read")
        self.status = status


class Connection:
    """The ``httpx.AsyncClient`` a client sends through, bound to the event loop it first ran on.

    With ``http_client=`` that is the app's own client, used as is and never closed here;
    otherwise one the SDK builds (with ``transport=`` when given) and closes in :meth:`aclose`.
    """

    def __init__(
        self,
        *,
        base_url: str,
        timeout: httpx.Timeout,
        transport: httpx.AsyncBaseTransport | None,
        http_client: httpx.AsyncClient | None,
        allow_insecure_http: bool = False,
    ) -> None:
        self.base_url = base_url
        self.closed = False
        # Plain http to a name: resolved before the first request (loopback only).
        self.host_check = HostCheck(
            base_url,
            allow_insecure_http=allow_insecure_http,
            decides_proxies=transport is None and http_client is None,
        )
        self._timeout = timeout
        self._transport = transport
        self._borrowed = http_client
        self._own: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # Whether the client's transports report trace events (httpx's own do; a MockTransport,
        # an ASGITransport or a custom one do not): known at the first use of the client.
        self.traced = False
        self._trace_checked: httpx.AsyncClient | None = None
        # The timeout each request carries unless its call sets one: the client's own when it
        # is the timeout configured (the app's bounded one, or ours), else ours.
        self.default_timeout: httpx.Timeout | UseClientDefault = (
            httpx.USE_CLIENT_DEFAULT
            if http_client is None or http_client.timeout == timeout
            else timeout
        )

    @property
    def resolve_within(self) -> float:
        """Seconds a host name may take to resolve: the connect timeout."""
        connect = self._timeout.connect  # always set: check_timeout refuses None phases
        return connect if connect is not None else 5.0

    def client(self) -> httpx.AsyncClient:
        """The client to send through, checked for this event loop and the closed state."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            if self._loop is not None:
                raise EventLoopError(
                    f"This MemoramClient is bound to the event loop it first ran on "
                    f"({self._loop!r}), not the current one ({loop!r}). Use one MemoramClient "
                    "per event loop: create it, or 'async with MemoramClient(...)', inside each "
                    "asyncio.run()."
                )
            self._loop = loop
        if self.closed:
            raise ClientClosedError(
                "This MemoramClient was closed; create a new one (or use 'async with')."
            )
        client = self._borrowed or self._own
        if client is None:
            client = self._own = self._new_client()
            self.traced = reports_trace(client)
        elif self._borrowed is not None and self._trace_checked is not client:
            self._trace_checked = client
            self.traced = reports_trace(client)
        return client

    @property
    def holds_pool(self) -> bool:
        """Whether the SDK built its own httpx client (whose connections ``aclose`` closes)."""
        return self._own is not None

    def _new_client(self) -> httpx.AsyncClient:
        trust_env = self._transport is None and not self.host_check.bypasses_proxies
        return httpx.AsyncClient(
            # One CA bundle load per process, not one per client inside the event loop
            # (a transport= given brings its own TLS, if any).
            verify=True if self._transport else shared_ssl_context(trust_env=trust_env),
            timeout=self._timeout,
            transport=self._transport or default_transport(trust_env=trust_env),
            limits=DEFAULT_CONNECTION_LIMITS,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
            # A transport= given is the one used (proxy variables would replace it for
            # matching URLs), and plain http to loopback never goes through a proxy.
            trust_env=trust_env,
        )

    async def aclose(self) -> None:
        """Close the SDK's own client; an app's http_client stays open. Idempotent.

        Raises:
            ClientClosedError: Closing the connections failed (they are released anyway).
        """
        self.closed = True
        own, self._own = self._own, None
        if own is None:
            return
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if current is not self._loop:
            # Its connections belong to another (usually closed) loop and cannot be closed
            # from this one; dropping them is all that is left to do.
            return
        try:
            await own.aclose()
        except Exception as exc:
            raise ClientClosedError(
                f"Closing the connections failed ({type(exc).__name__}); they were released."
            ) from exc


def reports_trace(client: httpx.AsyncClient) -> bool:
    """Whether every transport of ``client`` is httpx's own (which reports trace events)."""
    transports = [getattr(client, "_transport", None)]
    transports += list(getattr(client, "_mounts", {}).values())
    return all(isinstance(t, httpx.AsyncHTTPTransport) for t in transports)


async def send_once(
    client: httpx.AsyncClient, request: httpx.Request, max_bytes: int
) -> httpx.Response:
    """Send ``request`` once through ``client``: any answer, error statuses included, with its
    body read (:func:`read_body`) and its stream closed.

    Raises:
        httpx.HTTPError: No answer, or the connection failed while the body was read.
        UnreadBody: A body over ``max_bytes``, or one that cannot be decoded.
        ClientFailure: The client's event hook, auth or transport raised something else.
    """
    try:
        response = await client.send(request, auth=_NO_AUTH, follow_redirects=False, stream=True)
    except httpx.HTTPStatusError as exc:
        # E.g. httpx's documented raise_for_status hook: the answer is still the answer (httpx
        # closed it unread: its status and headers must do).
        return exc.response
    except httpx.HTTPError:
        raise
    except Exception as exc:
        raise ClientFailure(request) from exc
    try:
        await read_body(response, max_bytes)
    finally:
        await response.aclose()
    return response


async def read_body(response: httpx.Response, max_bytes: int) -> None:
    """Read the body of a streamed ``response`` into ``response.content``.

    A success body over ``max_bytes`` is refused before it is read whole (a declared
    ``Content-Length`` first, then the decoded bytes as they come); an error body is cut at
    ``MAX_ERROR_BODY`` (only its short message is used), and one that cannot be decoded is
    read as empty, so the status still speaks.

    Raises:
        UnreadBody: A success body over ``max_bytes``, or one that cannot be decoded.
        httpx.TransportError: The connection failed while the body was read.
    """
    status = response.status_code
    if status >= 300:
        try:
            body = await _read_cut(response.aiter_bytes(), MAX_ERROR_BODY)
        except httpx.DecodingError:
            body = b""
        _keep(response, body)
        return
    headers = response.headers
    declared = declared_length(headers.get("content-length"))
    try:
        if declared is not None and declared <= max_bytes and "content-encoding" not in headers:
            # The common case: the length is known and nothing inflates it.
            await response.aread()
            return
        _keep(response, await read_capped(response.aiter_bytes(), max_bytes, declared))
    except (BodyTooLarge, httpx.DecodingError) as exc:
        raise UnreadBody(status) from exc


async def _read_cut(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    """The first ``limit`` bytes of a body; the rest is never read."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        parts.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(parts)[:limit]


def _keep(response: httpx.Response, body: bytes) -> None:
    # What Response.aread() does with the bytes it read: later reads of .content see them.
    response._content = body
