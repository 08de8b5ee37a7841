"""The local server's SQLite schema and the pure helpers around it: timestamps, ids, tag
colours and the opaque pagination cursor."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Literal

from ._errors import NotFound

IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60
ENCRYPTION_KEY_BYTES = 32
MEMORY_FIELDS = ("content", "title", "summary", "importance", "confidence", "source")
# Tag colours are picked from this palette by a hash of the name, so a name keeps its colour.
TAG_PALETTE = (
    "#4F46E5", "#0EA5E9", "#10B981", "#F59E0B", "#EF4444", "#8B5CF6",
    "#EC4899", "#14B8A6", "#F97316", "#84CC16", "#6366F1", "#06B6D4",
)  # fmt: skip

Decision = Literal["approve", "reject", "revoke"]
TRANSITIONS: dict[str, tuple[str, str]] = {
    "approve": ("pending", "approved"),
    "reject": ("pending", "rejected"),
    "revoke": ("approved", "revoked"),
}
_CURSOR = re.compile(r"^v1\.([0-9]{1,18})$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    memory_key TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS user_keys (
    user_id TEXT NOT NULL REFERENCES users(id),
    version INTEGER NOT NULL,
    key_hex TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, version)
);
CREATE TABLE IF NOT EXISTS access_requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    connector TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    memory_key TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS access_by_connector ON access_requests (connector, user_id, status);
CREATE INDEX IF NOT EXISTS access_by_user ON access_requests (user_id, seq);
CREATE TABLE IF NOT EXISTS memories (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id),
    content TEXT NOT NULL,
    title TEXT,
    summary TEXT,
    importance REAL,
    confidence REAL,
    source TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS memories_by_user ON memories (user_id, seq);
CREATE TABLE IF NOT EXISTS tags (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    color TEXT NOT NULL,
    is_enabled INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (user_id, name)
);
CREATE TABLE IF NOT EXISTS memory_tags (
    memory_seq INTEGER NOT NULL REFERENCES memories(seq) ON DELETE CASCADE,
    tag_id TEXT NOT NULL REFERENCES tags(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (memory_seq, tag_id)
);
CREATE TABLE IF NOT EXISTS idempotency (
    connector TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (connector, key)
);
"""

Idempotency = tuple[str, str]
"""(Idempotency-Key, fingerprint of the request) or None when the header was not sent."""


def now_iso() -> str:
    """The current UTC time as ISO 8601 with milliseconds and a `Z`."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def tag_color(name: str) -> str:
    """The default colour of a tag, stable for its name."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return TAG_PALETTE[digest[0] % len(TAG_PALETTE)]


_NO_SUCH_PAGE = "`cursor` names no page this server issued; list again without a cursor."


def encode_cursor(seq: int) -> str:
    """An opaque cursor pointing after the memory with sequence number `seq`."""
    return base64.urlsafe_b64encode(f"v1.{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The sequence number inside a cursor; anything not made by `encode_cursor` is a 404.

    Every string is a valid `cursor` by the spec, so a cursor this server did not issue is not a
    malformed request (400) but one that names no page (404).
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise NotFound(_NO_SUCH_PAGE) from exc
    match = _CURSOR.match(raw)
    if match is None or encode_cursor(int(match.group(1))) != cursor:
        raise NotFound(_NO_SUCH_PAGE)
    return int(match.group(1))


def contains(haystack: str | None, needle: str) -> bool:
    return haystack is not None and needle.casefold() in haystack.casefold()


def new_request_id() -> str:
    # cuid-like: "c", a base-36 timestamp, then randomness; 25 characters.
    millis = _base36(int(time.time() * 1000)).rjust(8, "0")[-8:]
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    return "c" + millis + "".join(secrets.choice(alphabet) for _ in range(16))


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + digits
        if number == 0:
            return digits
