"""An in-memory Memoram API behind httpx.MockTransport, with scripted faults, for unit tests."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx

from memoram_async import Credentials, MemoramClient
from memoram_async.testing import instant_client

API_KEY = "mem_" + "ab" * 24
BASE_URL = "https://api.test/api/v1"
USER_ID = "123e4567-e89b-12d3-a456-426614174000"
MEMORY_KEY = "mk_user_memory_key_0123456789"
ENCRYPTION_KEY = "11" * 32
NOW = "2026-01-01T00:00:00Z"

Fault = httpx.Response | Exception | Callable[[httpx.Request], Any]


class AfterCommit(Exception):
    """A fault: process the request, then lose the answer with this transport error."""

    def __init__(self, error: Exception) -> None:
        super().__init__(type(error).__name__)
        self.error = error


class FakeAPI:
    """The 12 operations in memory; every request is recorded in ``requests``."""

    def __init__(self, *, token_lifetime: float = 3600.0, clock_offset: float = 0.0) -> None:
        self.token_lifetime = token_lifetime
        self.clock_offset = clock_offset
        self.send_date = True
        self.requests: list[httpx.Request] = []
        self.token_requests = 0
        self.valid_tokens: set[str] = set()
        self.memories: dict[str, dict[str, Any]] = {}
        self.access: dict[str, dict[str, Any]] = {}
        self.tags: dict[str, dict[str, Any]] = {}
        self.faults: list[tuple[str, str, Fault]] = []
        self.idempotency: dict[str, httpx.Response] = {}
        self.honour_idempotency = False
        self.delays: list[float] = []
        self.auth_seen: list[str] = []

    # -- setup -----------------------------------------------------------------------------

    def fail(self, method: str, path: str, *faults: Fault) -> None:
        """Answer the next matching requests with these faults, in order."""
        self.faults.extend((method, path, f) for f in faults)

    def add_memory(self, content: str, **fields: Any) -> str:
        """Store a memory directly (content as stored)."""
        memory_id = f"mem_{len(self.memories) + 1:04d}"
        self.memories[memory_id] = {
            "id": memory_id,
            "user_id": USER_ID,
            "content": content,
            "created_at": NOW,
            "updated_at": NOW,
            "tags": [],
            "tag_ids": [],
            **fields,
        }
        return memory_id

    def client(self, **kwargs: Any) -> MemoramClient:
        """A client on this fake, with instant, deterministic retries."""
        kwargs.setdefault("api_key", API_KEY)
        kwargs.setdefault("base_url", BASE_URL)
        client = MemoramClient(transport=httpx.MockTransport(self.handler), **kwargs)
        instant(client, self.delays)
        return client

    def count(self, method: str, path: str) -> int:
        """Requests made with this method to a path ending with ``path``."""
        return sum(1 for r in self.requests if r.method == method and r.url.path.endswith(path))

    # -- the handler -----------------------------------------------------------------------

    async def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        # Snapshot: a replayed request is the same object with a new header.
        self.auth_seen.append(request.headers.get("authorization", ""))
        await asyncio.sleep(0)
        path = request.url.path.removeprefix("/api/v1")
        for i, (method, prefix, fault) in enumerate(self.faults):
            if method == request.method and path == prefix:
                del self.faults[i]
                if isinstance(fault, AfterCommit):
                    self._route(request, path)
                    raise fault.error
                if isinstance(fault, Exception):
                    raise fault
                if isinstance(fault, httpx.Response):
                    return fault
                return fault(request)  # type: ignore[no-any-return]
        return self._route(request, path)

    def _server_now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset)

    def _json(
        self, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        headers = dict(headers or {})
        if self.send_date:
            headers["Date"] = format_datetime(self._server_now(), usegmt=True)
        return httpx.Response(status, json=body, headers=headers)

    def _error(self, status: int, code: str, message: str) -> httpx.Response:
        return self._json(status, {"error": code, "message": message}, {"x-request-id": "req_1"})

    def _route(self, request: httpx.Request, path: str) -> httpx.Response:
        method = request.method
        if path == "/auth/token" and method == "POST":
            return self._token(request)
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.valid_tokens:
            return self._error(401, "unauthorized", "invalid or expired token")
        parts = path.strip("/").split("/")
        body = json.loads(request.content) if request.content else {}
        if parts[0] == "access-requests":
            return self._access(method, parts[1:], body)
        if parts[0] == "memory-blobs":
            key = request.headers.get("idempotency-key")
            if method == "POST" and key and self.honour_idempotency and key in self.idempotency:
                return self.idempotency[key]
            response = self._memories(method, parts[1:], body, request.url.params)
            if method == "POST" and key and response.status_code == 201:
                self.idempotency[key] = response
            return response
        if parts[0] == "tags":
            if len(parts) == 1:
                return self._json(200, {"items": list(self.tags.values())})
            tag = self.tags.get(parts[1])
            return self._json(200, tag) if tag else self._error(404, "not_found", "no tag")
        return self._error(404, "not_found", "no route")

    def _token(self, request: httpx.Request) -> httpx.Response:
        self.token_requests += 1
        if json.loads(request.content).get("api_key") != API_KEY:
            return self._error(401, "invalid_api_key", "unknown API key")
        # A signature as long and random as a real one: a short fixed one ("sig") would turn up
        # inside random ids and make the secrets scan report a leak that is not there.
        token = f"eyJhbGciOi.tok{self.token_requests}.{secrets.token_urlsafe(32)}"
        self.valid_tokens.add(token)
        expires = self._server_now() + timedelta(seconds=self.token_lifetime)
        return self._json(
            200, {"token": token, "expires_at": expires.isoformat(), "token_type": "Bearer"}
        )

    def _access(self, method: str, rest: list[str], body: dict[str, Any]) -> httpx.Response:
        if not rest:
            if method == "POST":
                request_id = f"cm{len(self.access) + 1:08d}"
                self.access[request_id] = {
                    "id": request_id,
                    "status": "pending",
                    "reason": body["reason"],
                    "memoryKey": body["memoryKey"],
                    "user_id": None,
                    "aiConnectorId": "conn_1",
                    "createdAt": NOW,
                    "updatedAt": NOW,
                }
                return self._json(201, self.access[request_id])
            items = list(self.access.values())
            return self._json(200, {"items": items, "total": len(items)})
        item = self.access.get(rest[0])
        if item is None:
            return self._error(404, "not_found", "no such access request")
        if len(rest) == 1:
            return self._json(200, item)
        if item["status"] != "approved":
            return self._error(403, "forbidden", "access request is not approved")
        return self._json(
            200,
            {
                "user_id": USER_ID,
                "memory_key": item["memoryKey"],
                "encryption_key": ENCRYPTION_KEY,
                "key_version": 1,
            },
        )

    def _memories(
        self, method: str, rest: list[str], body: dict[str, Any], params: httpx.QueryParams
    ) -> httpx.Response:
        if not rest and method == "POST":
            memory_id = self.add_memory(
                body["content"],
                **{k: v for k, v in body.items() if k not in ("memoryKey", "content")},
            )
            return self._json(201, self._public(self.memories[memory_id]))
        if not rest:
            items = list(self.memories.values())
            if "tags" in params:
                wanted = set(params["tags"].split(","))
                items = [m for m in items if wanted <= set(m.get("tags", []))]
            start = int(params.get("cursor", "0"))
            limit = int(params.get("limit", "10"))
            page = items[start : start + limit]
            more = start + limit < len(items)
            return self._json(
                200, {"memoryBlobs": page, "next_cursor": str(start + limit) if more else None}
            )
        memory = self.memories.get(rest[0])
        if memory is None:
            return self._error(404, "not_found", "no such memory")
        if method == "GET":
            return self._json(200, memory)
        if method == "DELETE":
            del self.memories[rest[0]]
            return self._json(200, {"id": rest[0], "deleted": True})
        memory.update({k: v for k, v in body.items() if k not in ("memoryKey", "user_id")})
        return self._json(200, self._public(memory))

    @staticmethod
    def _public(memory: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in memory.items() if k != "content"}


def instant(client: MemoramClient, delays: list[float] | None = None) -> list[float]:
    """Make the client's retry and poll waits instant and its backoff exact (the middle of each
    jitter range); returns the list of requested delays (``delays`` extended, when given)."""
    requested = [] if delays is None else delays
    instant_client(client, on_wait=requested.append)
    return requested


def credentials(**overrides: Any) -> Credentials:
    """The fake user's credentials."""
    fields: dict[str, Any] = {
        "user_id": USER_ID,
        "memory_key": MEMORY_KEY,
        "encryption_key": ENCRYPTION_KEY,
        "key_version": 1,
    }
    fields.update(overrides)
    return Credentials(**fields)


def uuid4_text() -> str:
    """A random UUID as text."""
    return str(uuid.uuid4())


def _no_io(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"unexpected I/O: {request.method} {request.url}")


def untouched_client(**kwargs: Any) -> MemoramClient:
    """A client whose transport fails the test if anything is sent: for checks before any I/O."""
    return MemoramClient(
        api_key=API_KEY, base_url=BASE_URL, transport=httpx.MockTransport(_no_io), **kwargs
    )
