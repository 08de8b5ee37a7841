"""`MemoramRespx`: the Memoram API mocked with respx, for fast unit tests of your code.

Imported only when the `memoram_respx` fixture is used: it needs `respx`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import httpx
import respx

from .._client import MemoramClient
from .._models import Credentials
from .._user import UserMemories
from ._bodies import (
    FAKE_API_KEY,
    FAKE_BASE_URL,
    access_request_body,
    credentials_body,
    error_body,
    fake_credentials,
    http_date,
    memory_body,
    page_body,
    tag_body,
    token_body,
)


class MemoramRespx:
    """What the ``memoram_respx`` fixture gives a test.

    Every request to ``base_url`` goes to ``router`` (a ``respx.MockRouter`` whose routes take
    paths relative to ``/api/v1``); anything not routed fails the test. ``POST /auth/token`` is
    already routed to a valid token. The body builders make JSON the SDK accepts, with content
    encrypted for ``credentials``::

        memoram_respx.router.get("/memory-blobs/mem_1").respond(
            json=memoram_respx.memory("Likes tea", id="mem_1", tags=["drinks"])
        )
        memory = await memoram_respx.user.get_memory("mem_1")

    Attributes:
        router: The respx router for the API.
        client: A ``MemoramClient`` for the mocked API, without retries (closed after the test).
        credentials: Credentials of a made-up user, with a valid key.
        user: ``client.user(credentials)``.
        token_route: The ``POST /auth/token`` route (``.call_count``, ``.calls``).
    """

    base_url = FAKE_BASE_URL
    api_key = FAKE_API_KEY

    def __init__(self, router: respx.MockRouter) -> None:
        self.router = router
        self.credentials: Credentials = fake_credentials()
        self.token_route = router.post("/auth/token", name="memoram_token").mock(
            side_effect=lambda request: self.json(200, token_body())
        )
        self.client = MemoramClient(api_key=self.api_key, base_url=self.base_url, max_retries=0)
        self.user: UserMemories = self.client.user(self.credentials)

    def __repr__(self) -> str:
        return f"MemoramRespx(base_url={self.base_url!r})"

    @property
    def env(self) -> dict[str, str]:
        """``MEMORAM_API_KEY`` and ``MEMORAM_BASE_URL`` of the mock (the fixture sets them)."""
        return {"MEMORAM_API_KEY": self.api_key, "MEMORAM_BASE_URL": self.base_url}

    # -- responses and bodies ----------------------------------------------------------------

    @staticmethod
    def json(status: int, body: Any, headers: Mapping[str, str] | None = None) -> httpx.Response:
        """A JSON response with a ``Date`` header, as the API sends them."""
        return httpx.Response(status, json=body, headers={"Date": http_date(), **(headers or {})})

    def error(
        self, status: int, message: str = "", *, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """An error in the API's shape, e.g. ``error(429, headers={"Retry-After": "1"})``."""
        return self.json(status, error_body(status, message), headers)

    def memory(self, content: str | None, **fields: Any) -> dict[str, Any]:
        """A memory blob; see :func:`memoram_async.testing.memory_body` for the fields.

        With content, encrypted for :attr:`credentials` (list and get answers); with
        ``None``, without content (create and update answers).
        """
        return memory_body(content, credentials=self.credentials, **fields)

    @staticmethod
    def page(
        memories: Iterable[Mapping[str, Any]], *, next_cursor: str | None = None
    ) -> dict[str, Any]:
        """One page of ``GET /memory-blobs``."""
        return page_body(memories, next_cursor=next_cursor)

    def access_request(self, **fields: Any) -> dict[str, Any]:
        """An access request body (``status="pending"`` unless given)."""
        fields.setdefault("memory_key", self.credentials.memory_key.reveal())
        fields.setdefault("user_id", self.credentials.user_id)
        return access_request_body(**fields)

    def credentials_json(self) -> dict[str, Any]:
        """The credentials body of :attr:`credentials`."""
        return credentials_body(self.credentials)

    @staticmethod
    def tag(name: str, **fields: Any) -> dict[str, Any]:
        """A tag body."""
        return tag_body(name, **fields)

    # -- whole flows -------------------------------------------------------------------------

    def approved_access(self, request_id: str = "cm_test_request") -> str:
        """Route an access request that is approved at once, with credentials; returns its id.

        Routes ``POST /access-requests``, ``GET /access-requests/{id}`` and its credentials,
        so code that asks, waits for approval and fetches credentials runs through.
        """
        approved = self.access_request(id=request_id, status="approved")
        self.router.post("/access-requests").mock(
            side_effect=lambda request: self.json(201, {**approved, "status": "pending"})
        )
        self.router.get(f"/access-requests/{request_id}").mock(
            side_effect=lambda request: self.json(200, approved)
        )
        self.router.get(f"/access-requests/{request_id}/credentials").mock(
            side_effect=lambda request: self.json(200, self.credentials_json())
        )
        return request_id
