"""What a client and its ``with_options`` copies share: the connection, the token, the state.

A :class:`Session` holds the ``httpx.AsyncClient`` (``_send.Connection``), the bearer token
(``_auth``), the open/closed state and the calls in flight. Each call runs in the request loop
of ``_call.py``; :meth:`Session.aclose` ends the calls in flight at once (with what the wire
says about each), so none sends anything after the client was closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any, TypeVar

import httpx
from memoram_api.api.access_management import create_token
from memoram_api.models import AuthTokenRequest, AuthTokenResponse

from . import _clock
from ._auth import FixedToken, TokenGrant, TokenManager, parse_http_date
from ._call import Call, attempt_seconds, model_reader
from ._constants import TOKEN_REQUESTED_LIFETIME
from ._deadline import Watchdog
from ._operations import CREATE_TOKEN, M, Operation
from ._options import Options
from ._request import RequestSpec
from ._secret import Secret
from ._send import Connection
from ._shapes import ResponseShapeError

T = TypeVar("T")


class Session:
    """What a client and its ``with_options`` copies share: the connection, the token
    manager, the open/closed state, and the calls in flight."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: Secret | None,
        token: Secret | None,
        timeout: httpx.Timeout,
        transport: httpx.AsyncBaseTransport | None,
        http_client: httpx.AsyncClient | None,
        idempotent_creates: bool,
        token_options: Options,
        allow_insecure_http: bool = False,
    ) -> None:
        self.base_url = base_url
        # The token call retries freely, as often as the client's own calls may.
        self.token_options = token_options
        self.timeout = timeout
        # The bound of one whole attempt under that timeout (its longest phase).
        self.attempt_limit = attempt_seconds(timeout)
        self.idempotent_creates = idempotent_creates
        self.tokens: TokenManager | FixedToken = (
            FixedToken(token) if token is not None else TokenManager(self._fetch_token)
        )
        self.connection = Connection(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            http_client=http_client,
            allow_insecure_http=allow_insecure_http,
        )
        self._api_key = api_key
        # The deadlines of the attempts and waits in flight: aclose() ends them.
        self.watchdog = Watchdog()
        # The clock, waits and jitter: memoram_async.testing switches the waits to instant.
        self.sleep: Callable[[float], Awaitable[None]] = _clock.sleep
        self.random: Callable[[], float] = random.random
        self.clock: Callable[[], float] = _clock.now
        self.retries = 0

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        # Once per client (its with_options copies share this session): only a client whose
        # own connection pool was opened holds anything that closing would release.
        if not self.connection.closed and self.connection.holds_pool:
            _warn(
                "MemoramClient was garbage-collected while open, so its connections were never "
                "closed: use 'async with MemoramClient(...) as client:', or "
                "'await client.aclose()' when done.",
                ResourceWarning,
                source=self,
            )

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self.connection.closed

    def call(
        self,
        op: Operation[M],
        spec: RequestSpec,
        read: Callable[[M], T],
        options: Options,
    ) -> Coroutine[Any, Any, T]:
        """Run one operation; every failure leaves as a MemoramError.

        Args:
            op: The operation (its row of the table in ``_operations.py``).
            spec: Its request, as the generated request builder (``_get_kwargs``) made it.
            read: Turns the success body's generated model into the result; runs inside the
                error translation, so a broken body becomes APIResponseValidationError.
            options: Retries and timeouts of this call.

        Returns:
            The call's coroutine (the request loop itself, not a wrapper around it): await it.
        """
        return self.call_reading(op, spec, model_reader(op, read), options)

    def call_reading(
        self,
        op: Operation[Any],
        spec: RequestSpec,
        read_answer: Callable[[httpx.Response], T],
        options: Options,
    ) -> Coroutine[Any, Any, T]:
        """Run one operation whose success answer ``read_answer`` reads itself: a listing
        that reads its items one by one (each with the generated model), so that one broken
        item hides no other. Otherwise as :meth:`call`."""
        call: Call[T] = Call(self, op, spec, options)
        return call.run(read_answer)

    async def aclose(self) -> None:
        """Close the pool (never a user's own http_client); later calls raise ClientClosedError.

        Calls in flight end with ClientClosedError, whose ``outcome_unknown`` says whether
        their request had left this machine.

        Raises:
            MemoramError: Only this; closing never fails with anything else.
        """
        if self.connection.closed:
            return
        self.connection.closed = True
        in_flight = len(self.watchdog)
        self.watchdog.expire_all()
        # A fetch task of an event loop that is closed already cannot be cancelled.
        with contextlib.suppress(RuntimeError):
            self.tokens.close()
        if in_flight:
            # Let the ended calls stop before the pool closes: a request still waiting for a
            # connection must not get one that the closing pool frees.
            await asyncio.sleep(0)
        await self.connection.aclose()

    async def _fetch_token(self) -> TokenGrant:
        if self._api_key is None:  # pragma: no cover - FixedToken is used then
            raise RuntimeError("no API key")
        body = AuthTokenRequest(
            api_key=self._api_key.reveal_redacted(), expires_in=TOKEN_REQUESTED_LIFETIME
        )
        call: Call[TokenGrant] = Call(
            self, CREATE_TOKEN, create_token._get_kwargs(body=body), self.token_options
        )
        # The grant's lifetime is read on the server's clock: the Date header of its answer.
        return await call.run(
            model_reader(CREATE_TOKEN, lambda parsed: _grant(parsed, call.server_date))
        )


def _grant(parsed: AuthTokenResponse, server_date: str | None) -> TokenGrant:
    token = parsed.token
    if not isinstance(token, str) or not token or any(c.isspace() for c in token):
        raise ResponseShapeError(
            field="token", expected="a non-empty string without spaces", received="something else"
        )
    if not isinstance(parsed.expires_at, datetime):
        raise ResponseShapeError(
            field="expires_at", expected="a date-time", received="something else"
        )
    return TokenGrant(Secret(token), parsed.expires_at, parse_http_date(server_date))
