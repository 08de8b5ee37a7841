"""Sending: one httpx request per attempt, through the app's own client or the SDK's.

The generated ``asyncio_detailed`` functions only call ``client.get_async_httpx_client()
.request(...)`` and read ``client.raise_on_unexpected_status``. An :class:`Attempt` stands in
for that client: its ``request`` builds the request with the chosen ``httpx.AsyncClient``'s own
``build_request`` (so its default headers, query params, cookies and timeout apply; the URL is
absolute, so its ``base_url`` does not) and sends it once with ``client.send``, with our own
``auth`` (so the client's ``auth=`` never touches a Memoram request) and no redirects. Only the
documented success status goes back to generated parsing; any other answer leaves as an
exception the retry loop sorts out.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

import httpx
from httpx._client import UseClientDefault

from ._auth import FixedToken, TokenManager, authorization
from ._constants import DEFAULT_CONNECTION_LIMITS, USER_AGENT
from ._errors import APIConnectionError, ClientClosedError, EventLoopError
from ._loopback import HostCheck
from ._operations import CREATE_TOKEN, Operation
from ._pool import default_transport
from ._secret import RedactedStr
from ._tls import shared_ssl_context
from ._translate import read_error

# Replaces the client's own auth= for every Memoram request: the bearer token is set here.
_NO_AUTH: Final = httpx.Auth()


class ClientFailure(Exception):
    """The httpx client raised something other than an httpx error (internal): an app's event
    hook, auth or transport failed. The original exception is the ``__cause__``; ``request``
    tells what its text may quote (and must be redacted from)."""

    def __init__(self, request: httpx.Request) -> None:
        super().__init__("the httpx client raised")
        self.request = request


class UndocumentedSuccess(Exception):
    """A 2xx answer other than the documented one (internal): parsed by the retry loop."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


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
            trust_env = self._transport is None and not self.host_check.bypasses_proxies
            client = self._own = httpx.AsyncClient(
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
        return client

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


class Attempt:
    """One call's stand-in for the generated client: builds and sends each attempt's request.

    Attributes:
        answered: The status of the last answer (0 before any): tells a body that generated
            parsing refused apart from a failure before any answer.
        response: The last answer, whose body names the broken field when parsing fails.
    """

    __slots__ = ("_connection", "_op", "_path", "_timeout", "_tokens", "answered", "response")

    # Read by generated code: a status it does not document raises instead of parsing None.
    raise_on_unexpected_status: Final = True

    def __init__(
        self,
        connection: Connection,
        tokens: TokenManager | FixedToken,
        op: Operation,
        path: str,
        timeout: httpx.Timeout | UseClientDefault,
    ) -> None:
        self._connection = connection
        self._tokens = tokens
        self._op = op
        self._path = path
        self._timeout = timeout
        self.answered = 0
        self.response: httpx.Response | None = None

    def get_async_httpx_client(self) -> Attempt:
        """What generated code calls ``request`` on: this object itself."""
        return self

    async def request(self, *, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send one attempt; return the answer only when it has the documented status.

        Raises:
            ErrorAnswer: An answer with an error status (after one token refresh for a 401).
            UndocumentedSuccess: Another 2xx answer.
            httpx.TransportError: No answer.
        """
        connection = self._connection
        if not connection.host_check.cleared:
            await connection.host_check.check(connection.resolve_within)
        client = connection.client()
        if client.is_closed:
            raise APIConnectionError(
                f"{self._op.method} {self._path} cannot be sent: the http_client given to "
                "MemoramClient was closed. Keep it open while the MemoramClient is in use.",
                method=self._op.method,
                path=self._path,
            )
        op = self._op
        tokens = self._tokens
        header = ""
        target: str | httpx.URL = connection.base_url + url
        params = kwargs.get("params")
        if params is not None and not client.params:
            # The query goes into the one parse of the URL: handed to build_request, the params
            # would make httpx parse the whole URL a second time (the same URL either way). With
            # the app's default params, build_request merges them as usual.
            target = httpx.URL(target, params=kwargs.pop("params"))
        if op is CREATE_TOKEN:
            request = client.build_request(method, target, timeout=self._timeout, **kwargs)
            # The app's default Authorization (if any) is not for Memoram.
            request.headers.pop("Authorization", None)
        else:
            # The cached header without a coroutine on the hot path; a fetch otherwise.
            header = tokens.header() or await authorization(tokens)
            # Merged by build_request after the client's defaults, so ours win on conflict.
            headers = kwargs.pop("headers", None)
            if headers is None:
                headers = {"Authorization": header}
            else:
                headers["Authorization"] = header
            request = client.build_request(
                method, target, timeout=self._timeout, headers=headers, **kwargs
            )
        replayed = False
        while True:
            try:
                response = await client.send(request, auth=_NO_AUTH, follow_redirects=False)
            except httpx.HTTPStatusError as exc:
                # E.g. httpx's documented raise_for_status hook: the answer is still the answer.
                response = exc.response
            except httpx.HTTPError:
                raise
            except Exception as exc:
                raise ClientFailure(request) from exc
            status = response.status_code
            if status != 401 or replayed or not header or not tokens.refreshable:
                break
            # The token was refused (revoked, or expired early): one replay with a new one.
            header = RedactedStr("Bearer " + (await tokens.refresh(header)).reveal())
            request.headers["Authorization"] = header
            replayed = True
        self.answered = status
        self.response = response
        if status == op.success:
            return response
        if 200 <= status < 300:
            raise UndocumentedSuccess(response)
        raise read_error(response, request)
