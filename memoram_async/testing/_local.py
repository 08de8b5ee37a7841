"""`MemoramLocal`: a local Memoram server on a loopback port, a client for it, and the user's hand.

Imported only when the `memoram_local` fixture is used: it needs the `[local]` extra.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any, Final
from uuid import UUID

from memoram_local import LocalServer, ServerStats

from .._client import MemoramClient
from .._models import AccessRequest
from .._user import UserMemories

_APPROVE_NEXT_POLL: Final = 0.02


def _request_id(request: AccessRequest | str) -> str:
    return request.id if isinstance(request, AccessRequest) else request


class MemoramLocal:
    """What the ``memoram_local`` fixture gives a test.

    A fresh local server (in-memory database) on a free loopback port in a background thread,
    a :class:`MemoramClient` configured for it, and the user's side of the access flow (the
    dashboard's approve, reject and revoke).

    Attributes:
        server: The running ``LocalServer``.
        client: A ``MemoramClient`` for it (closed after the test).
    """

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.client = MemoramClient(api_key=server.api_key, base_url=server.base_url)
        self._clients: list[MemoramClient] = [self.client]

    def __repr__(self) -> str:
        return f"MemoramLocal(base_url={self.base_url!r})"

    @property
    def base_url(self) -> str:
        """The server's API URL, ``http://127.0.0.1:PORT/api/v1``."""
        return self.server.base_url

    @property
    def api_key(self) -> str:
        """The developer API key the server accepts."""
        return self.server.api_key

    @property
    def dashboard_url(self) -> str:
        """The local dashboard with its token, ``http://127.0.0.1:PORT/local/?token=TOKEN``."""
        return self.server.dashboard_url

    @property
    def dashboard_token(self) -> str:
        """The token the server's ``/local`` endpoints require (the methods here send it)."""
        return self.server.dashboard_token

    @property
    def env(self) -> dict[str, str]:
        """``MEMORAM_API_KEY`` and ``MEMORAM_BASE_URL`` for this server (the fixture sets them)."""
        return {"MEMORAM_API_KEY": self.api_key, "MEMORAM_BASE_URL": self.base_url}

    @property
    def stats(self) -> ServerStats:
        """The server's live counters (requests per path, tokens issued, ...)."""
        return self.server.stats

    def new_client(self, **options: Any) -> MemoramClient:
        """Another client for this server, with your options; closed after the test.

        ``memoram_local.new_client(max_retries=0, idempotent_creates=True)``.
        """
        options.setdefault("base_url", self.base_url)
        if "token" not in options:
            options.setdefault("api_key", self.api_key)
        client = MemoramClient(**options)
        self._clients.append(client)
        return client

    # -- the user's side ---------------------------------------------------------------------

    async def approve(self, request: AccessRequest | str) -> None:
        """Approve a pending access request, as the user would in the dashboard."""
        await self.server.aapprove(_request_id(request))

    async def reject(self, request: AccessRequest | str) -> None:
        """Reject a pending access request."""
        await self.server.areject(_request_id(request))

    async def revoke(self, request: AccessRequest | str) -> None:
        """Revoke an approved access request; the app loses access unless another of its requests
        for the same user is still approved."""
        await self.server.arevoke(_request_id(request))

    async def pending(self) -> list[str]:
        """The ids of the pending access requests, newest first."""
        return [str(item["id"]) for item in await self.server.aaccess_requests("pending")]

    async def approve_next(self, *, timeout: float = 10.0) -> str:  # noqa: ASYNC109
        """Wait until an access request is pending, approve it, and return its id.

        For code under test that asks and then waits itself::

            app_task = asyncio.create_task(connect(memoram_local.client, memory_key))
            await memoram_local.approve_next()
            await app_task

        Raises:
            TimeoutError: No request became pending within ``timeout`` seconds.
        """
        request_id = await self._next_pending(timeout)
        await self.server.aapprove(request_id)
        return request_id

    async def reject_next(self, *, timeout: float = 10.0) -> str:  # noqa: ASYNC109
        """Wait until an access request is pending, reject it, and return its id.

        The user's "no": the app's ``wait_for_approval`` then raises ``AccessDeniedError``.

        Raises:
            TimeoutError: No request became pending within ``timeout`` seconds.
        """
        request_id = await self._next_pending(timeout)
        await self.server.areject(request_id)
        return request_id

    async def _next_pending(self, timeout: float) -> str:  # noqa: ASYNC109
        # The request appears in another thread's database: polling is the only signal.
        async with asyncio.timeout(timeout):
            while not (pending := await self.pending()):  # noqa: ASYNC110
                await asyncio.sleep(_APPROVE_NEXT_POLL)
        return pending[-1]  # the oldest one

    async def rotate_key(self, user: UserMemories | UUID | str) -> int:
        """Give the user a new encryption key, as Memoram does on rotation; returns its version."""
        user_id = user.user_id if isinstance(user, UserMemories) else user
        return await self.server.arotate_key(str(user_id))

    async def approved_user(
        self, memory_key: str | None = None, *, reason: str = "Tests"
    ) -> UserMemories:
        """A user who approved this client's access request: ready to read and write memories.

        Args:
            memory_key: The user's Memory Key; a new user for each new key (random by default).
            reason: The reason the request gives.
        """
        key = memory_key or f"mk_test_{secrets.token_hex(12)}"
        request = await self.client.request_access(key, reason=reason)
        await self.approve(request)
        return self.client.user(await self.client.get_credentials(request.id))

    async def aclose(self) -> None:
        """Close every client made here (the fixture stops the server)."""
        for client in self._clients:
            await client.aclose()
