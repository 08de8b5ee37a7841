"""JSON bodies shaped like the Memoram API's answers, for mocked tests (respx, MockTransport)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, Final
from uuid import UUID

from .._models import Credentials

# Fixed, obviously fake values: valid in form, useless anywhere else.
FAKE_API_KEY: Final = "mem_" + "0123456789abcdef" * 3
FAKE_BASE_URL: Final = "https://api.memoram.test/api/v1"
FAKE_USER_ID: Final = UUID("8d4a3d52-5a3c-4e0e-9b6b-2f3c1d2e4f50")
FAKE_MEMORY_KEY: Final = "mk_test_memory_key_do_not_use"
FAKE_ENCRYPTION_KEY: Final = "5e" * 32
FAKE_CONNECTOR_ID: Final = "conn_test"


def fake_credentials() -> Credentials:
    """Credentials of a made-up user, with a valid 256-bit key (version 1)."""
    return Credentials(
        user_id=FAKE_USER_ID,
        memory_key=FAKE_MEMORY_KEY,
        encryption_key=FAKE_ENCRYPTION_KEY,
        key_version=1,
    )


def _stamp(when: datetime | None) -> str:
    return (when or datetime.now(UTC)).isoformat().replace("+00:00", "Z")


def _new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(8)}"


def http_date(when: datetime | None = None) -> str:
    """An HTTP ``Date`` header value (now by default)."""
    return format_datetime(when or datetime.now(UTC), usegmt=True)


def token_body(*, lifetime: float = 3600.0, now: datetime | None = None) -> dict[str, Any]:
    """What ``POST /auth/token`` answers: a JWT-shaped token valid for ``lifetime`` seconds."""
    issued = now or datetime.now(UTC)
    return {
        "token": f"eyJhbGciOiJIUzI1NiJ9.{secrets.token_urlsafe(24)}.{secrets.token_urlsafe(16)}",
        "expires_at": _stamp(issued + timedelta(seconds=lifetime)),
        "token_type": "Bearer",
    }


def access_request_body(
    *,
    id: str | None = None,
    status: str = "pending",
    reason: str = "Tests",
    memory_key: str = FAKE_MEMORY_KEY,
    user_id: UUID | str | None = FAKE_USER_ID,
    ai_connector_id: str = FAKE_CONNECTOR_ID,
) -> dict[str, Any]:
    """An access request as the API sends it (camelCase where the API uses it)."""
    now = _stamp(None)
    return {
        "id": id or _new_id("cm"),
        "status": status,
        "reason": reason,
        "memoryKey": memory_key,
        "user_id": None if user_id is None else str(user_id),
        "aiConnectorId": ai_connector_id,
        "createdAt": now,
        "updatedAt": now,
    }


def credentials_body(credentials: Credentials) -> dict[str, Any]:
    """What ``GET /access-requests/{id}/credentials`` answers for these credentials."""
    return {
        "user_id": str(credentials.user_id),
        "memory_key": credentials.memory_key.reveal(),
        "encryption_key": credentials.encryption_key.reveal(),
        "key_version": credentials.key_version,
    }


def memory_body(
    content: str | None,
    *,
    credentials: Credentials,
    id: str | None = None,
    title: str | None = None,
    summary: str | None = None,
    tags: Iterable[str] = (),
    importance: float | None = None,
    confidence: float | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """A memory blob as the API sends it.

    With ``content``, a ``MemoryBlob`` (list and get) whose content is a real envelope,
    encrypted with the credentials' current key; with ``content=None``, a
    ``MemoryBlobResponse`` (what create and update answer).
    """
    names = list(tags)
    now = _stamp(None)
    body: dict[str, Any] = {
        "id": id or _new_id("mem_"),
        "user_id": str(credentials.user_id),
        "created_at": now,
        "updated_at": now,
        "tags": names,
        "tag_ids": [f"tag_{name}" for name in names],
    }
    optional = {
        "title": title,
        "summary": summary,
        "importance": importance,
        "confidence": confidence,
        "source": source,
    }
    body.update({name: value for name, value in optional.items() if value is not None})
    if content is not None:
        body["content"] = credentials._keyring.encrypt(content, credentials.user_id)
    return body


def page_body(
    memories: Iterable[Mapping[str, Any]], *, next_cursor: str | None = None
) -> dict[str, Any]:
    """One page of ``GET /memory-blobs``."""
    return {"memoryBlobs": [dict(memory) for memory in memories], "next_cursor": next_cursor}


def tag_body(name: str, *, id: str | None = None, color: str = "#4F46E5") -> dict[str, Any]:
    """A tag as the API sends it."""
    now = _stamp(None)
    return {
        "id": id or f"tag_{name}",
        "name": name,
        "description": "",
        "color": color,
        "is_enabled": True,
        "created_at": now,
        "updated_at": now,
    }


def error_body(status: int, message: str = "", code: str | None = None) -> dict[str, Any]:
    """The API's error body, ``{"error": ..., "message": ...}``."""
    default = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found"}
    return {
        "error": code or default.get(status, "error"),
        "message": message or f"HTTP {status}",
    }
