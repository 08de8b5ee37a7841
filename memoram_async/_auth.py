"""Developer tokens: fetched lazily, refreshed early, one fetch in flight for any number of callers.

The deadline of a token lives on the monotonic clock. Its lifetime is read from the server's
own clock (``expires_at`` minus the ``Date`` header of the same answer), so a local clock that
is minutes or hours off changes nothing. A token is refreshed 60 s before it expires, or at half
its lifetime when that is sooner. A token that arrives already expired by those clocks (a
server whose clocks disagree) is kept until the server refuses it, with one warning, rather than
fetched again before every call.

:func:`authorization` is the per-request half: the ``Authorization`` value to send, fetching a
token only when none is valid; a refused token is replaced through :meth:`TokenManager.refresh`.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import attrs

from ._constants import TOKEN_REFRESH_MARGIN
from ._errors import ClientClosedError
from ._log import log_expired_token
from ._secret import RedactedStr, Secret


@attrs.frozen
class TokenGrant:
    """A token as ``/auth/token`` granted it, with the server's clock at the time."""

    token: Secret
    expires_at: datetime
    server_date: datetime | None


def parse_http_date(value: str | None) -> datetime | None:
    """A ``Date`` header as an aware datetime, or None when absent or unreadable."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else None


def token_lifetime(
    expires_at: datetime, server_date: datetime | None, local_now: datetime
) -> float:
    """Seconds the token lives, measured on the server's clock when it sent its ``Date``."""
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    reference = server_date if server_date is not None else local_now
    return (expires_at - reference).total_seconds()


def refresh_delay(lifetime: float, margin: float = TOKEN_REFRESH_MARGIN) -> float:
    """Seconds after the grant at which to fetch a new token: ``margin`` early, or at half-life."""
    if not math.isfinite(lifetime) or lifetime <= 0:
        return 0.0
    return lifetime - min(margin, lifetime / 2)


class FixedToken:
    """A token given by the user: used as is, never refreshed."""

    refreshable = False

    def __init__(self, token: Secret) -> None:
        self._token = token
        self._header: str = RedactedStr("Bearer " + token.reveal())

    def header(self) -> str | None:
        """The Authorization header value (always available)."""
        return self._header

    async def get(self) -> Secret:
        """The fixed token."""
        return self._token

    async def refresh(self, failed_header: str) -> Secret:
        """The same token: there is nothing to refresh with."""
        return self._token

    def close(self) -> None:
        """Nothing to release."""


class TokenManager:
    """Tokens from ``/auth/token``, shared by every request of a client.

    Args:
        fetch: Calls ``/auth/token`` (with the client's retries) and returns the grant.
        clock: The monotonic clock, replaceable in tests.
        wall: The local wall clock in UTC, used only when the server sent no ``Date``.

    Attributes:
        fetches: How many token fetches were started (for tests and diagnostics).
    """

    refreshable = True

    def __init__(
        self,
        fetch: Callable[[], Awaitable[TokenGrant]],
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._wall = wall
        self._token: Secret | None = None
        self._refresh_at = -math.inf
        self._inflight: asyncio.Task[Secret] | None = None
        self._header: str | None = None
        self.fetches = 0

    def header(self) -> str | None:
        """The Authorization header value of a token valid now, or None: the per-request fast
        path, without a coroutine; :meth:`get` is the slow path."""
        if self._header is not None and self._clock() < self._refresh_at:
            return self._header
        return None

    async def get(self) -> Secret:
        """The current token, fetching a new one first when it is missing or due for refresh."""
        token = self._token
        if token is not None and self._clock() < self._refresh_at:
            return token
        return await self._join_refresh()

    async def refresh(self, failed_header: str) -> Secret:
        """A new token after the server refused the one sent as ``failed_header``.

        When another caller already replaced that token, the newer one is returned without a
        fetch, so a burst of 401s for one expired token costs one ``/auth/token`` call.
        """
        current = self._token
        if current is not None and self._header != failed_header:
            return current
        self._token = self._header = None
        return await self._join_refresh()

    def close(self) -> None:
        """Cancel a fetch in flight and forget the token."""
        if self._inflight is not None:
            self._inflight.cancel()
            self._inflight = None
        self._token = self._header = None

    async def _join_refresh(self) -> Secret:
        task = self._inflight
        if task is None:
            # A task, not a lock: every waiter shares the one outcome, including a failure (a
            # refused API key is reported to 500 waiters after one request, not 500 requests),
            # and a waiter that is cancelled does not cancel the fetch for the others.
            task = asyncio.get_running_loop().create_task(self._run_fetch())
            task.add_done_callback(self._fetch_done)
            self._inflight = task
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if task.cancelled() and (current is None or current.cancelling() == 0):
                # The client was closed under the fetch; this caller itself was not cancelled.
                raise ClientClosedError(
                    "The MemoramClient was closed while a token was being fetched."
                ) from None
            raise

    async def _run_fetch(self) -> Secret:
        self.fetches += 1
        grant = await self._fetch()
        now = self._clock()
        lifetime = token_lifetime(grant.expires_at, grant.server_date, self._wall())
        self._token = grant.token
        self._header = RedactedStr("Bearer " + grant.token.reveal())
        if lifetime > 0:
            self._refresh_at = now + refresh_delay(lifetime)
        else:
            # Expired on arrival by the server's own clocks: fetching again would only bring
            # another such token before every call. Use it until the server refuses it.
            self._refresh_at = math.inf
            log_expired_token(-lifetime)
        return grant.token

    def _fetch_done(self, task: asyncio.Task[Secret]) -> None:
        if self._inflight is task:
            self._inflight = None
        if not task.cancelled():
            # Marks the exception as retrieved even when every waiter went away.
            task.exception()


async def authorization(tokens: TokenManager | FixedToken) -> str:
    """The ``Authorization`` value for one request: the cached header, or a token fetched now."""
    header = tokens.header()
    if header is None:
        header = RedactedStr("Bearer " + (await tokens.get()).reveal())
    return header
