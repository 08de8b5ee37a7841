"""What the dashboard shows: one page of access requests and one page of users, with counts,
key versions and ciphertext previews.

Read inside one of the store's transactions, so the numbers agree with each other. Nothing
here carries a full memory key or an encryption key: the page that renders it cannot leak them.
Every list is bounded (a page of rows, a few requests and memories per user), so the page costs
the same with 5 requests or 50,000.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

import attrs

from ._views import access_view

PREVIEW_CHARS = 40
"""How much of a stored ciphertext the dashboard shows."""
MEMORIES_PER_USER = 20
"""The newest memories previewed per user (the counts cover all of them)."""
PAGE_SIZE = 50
"""Rows per page of each dashboard table."""
REQUESTS_PER_USER = 10
"""The newest access requests listed under each user (the count covers all of them)."""


@attrs.frozen
class PageInfo:
    """Where one page lies in a table: its 1-based number (clamped to the last page)."""

    number: int
    size: int
    total: int

    @classmethod
    def clamp(cls, requested: int, total: int, size: int = PAGE_SIZE) -> PageInfo:
        """The page asked for, or the last one when it asked past the end."""
        return cls(number=min(max(requested, 1), max(1, -(-total // size))), size=size, total=total)

    @property
    def count(self) -> int:
        """How many pages there are (1 for an empty table)."""
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.number - 1) * self.size

    @property
    def first_row(self) -> int:
        """The 1-based position of the page's first row (0 when the table is empty)."""
        return min(self.offset + 1, self.total)

    @property
    def last_row(self) -> int:
        """The 1-based position of the page's last row."""
        return min(self.offset + self.size, self.total)


@attrs.frozen
class MemoryPreview:
    """The start of one stored memory, exactly as the server holds it (ciphertext)."""

    id: str
    preview: str
    length: int
    created_at: str


@attrs.frozen
class UserOverview:
    """One user as the dashboard lists them."""

    id: str
    created_at: str
    memory_count: int
    key_version: int
    older_key_versions: int
    approved_apps: tuple[str, ...]
    memories: tuple[MemoryPreview, ...]
    request_count: int = 0
    requests: tuple[Mapping[str, Any], ...] = ()
    """The newest `REQUESTS_PER_USER` access requests (memory keys masked)."""


@attrs.frozen
class Dashboard:
    """One page of each table, and the counts the page states."""

    requests: tuple[Mapping[str, Any], ...]
    requests_page: PageInfo
    pending: int
    apps: tuple[str, ...]
    users: tuple[UserOverview, ...]
    users_page: PageInfo


def dashboard(conn: sqlite3.Connection, requests_page: int, users_page: int) -> Dashboard:
    """The requests (newest first) and users (newest first) on the pages asked for."""
    (total, pending) = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(status = 'pending'), 0) FROM access_requests"
    ).fetchone()
    requests = PageInfo.clamp(requests_page, total)
    rows = conn.execute(
        "SELECT * FROM access_requests ORDER BY seq DESC LIMIT ? OFFSET ?",
        (requests.size, requests.offset),
    ).fetchall()
    apps = conn.execute("SELECT DISTINCT connector FROM access_requests ORDER BY 1").fetchall()
    users, users_info = users_overview(conn, users_page)
    return Dashboard(
        requests=tuple(access_view(row, dashboard=True) for row in rows),
        requests_page=requests,
        pending=pending,
        apps=tuple(row[0] for row in apps),
        users=tuple(users),
        users_page=users_info,
    )


def users_overview(conn: sqlite3.Connection, page: int = 1) -> tuple[list[UserOverview], PageInfo]:
    """One page of users, newest first, with their newest requests and memories."""
    (total,) = conn.execute("SELECT COUNT(*) FROM users").fetchone()
    info = PageInfo.clamp(page, total)
    users = conn.execute(
        "SELECT u.id, u.created_at,"
        " (SELECT COUNT(*) FROM memories m WHERE m.user_id = u.id) AS memory_count,"
        " (SELECT MAX(version) FROM user_keys k WHERE k.user_id = u.id) AS key_version,"
        " (SELECT COUNT(*) FROM user_keys k WHERE k.user_id = u.id) AS key_count,"
        " (SELECT COUNT(*) FROM access_requests a WHERE a.user_id = u.id) AS request_count"
        " FROM users u ORDER BY u.created_at DESC, u.id LIMIT ? OFFSET ?",
        (info.size, info.offset),
    ).fetchall()
    overviews = []
    for user in users:
        apps = conn.execute(
            "SELECT DISTINCT connector FROM access_requests"
            " WHERE user_id = ? AND status = 'approved' ORDER BY connector",
            (user["id"],),
        ).fetchall()
        memories = conn.execute(
            "SELECT id, substr(content, 1, ?) AS preview, length(content) AS length, created_at"
            " FROM memories WHERE user_id = ? ORDER BY seq DESC LIMIT ?",
            (PREVIEW_CHARS, user["id"], MEMORIES_PER_USER),
        ).fetchall()
        requests = conn.execute(
            "SELECT * FROM access_requests WHERE user_id = ? ORDER BY seq DESC LIMIT ?",
            (user["id"], REQUESTS_PER_USER),
        ).fetchall()
        overviews.append(
            UserOverview(
                id=user["id"],
                created_at=user["created_at"],
                memory_count=user["memory_count"],
                key_version=user["key_version"],
                older_key_versions=user["key_count"] - 1,
                approved_apps=tuple(row["connector"] for row in apps),
                memories=tuple(
                    MemoryPreview(
                        id=row["id"],
                        preview=row["preview"],
                        length=row["length"],
                        created_at=row["created_at"],
                    )
                    for row in memories
                ),
                request_count=user["request_count"],
                requests=tuple(access_view(row, dashboard=True) for row in requests),
            )
        )
    return overviews, info
