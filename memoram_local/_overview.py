"""What the dashboard shows of each user: counts, key versions and ciphertext previews.

Read inside one of the store's transactions, so the numbers agree with each other. Nothing
here carries a memory key or an encryption key: the page that renders it cannot leak them.
"""

from __future__ import annotations

import sqlite3

import attrs

PREVIEW_CHARS = 40
"""How much of a stored ciphertext the dashboard shows."""
MEMORIES_PER_USER = 20
"""The newest memories previewed per user (the counts cover all of them)."""


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


def users_overview(conn: sqlite3.Connection) -> list[UserOverview]:
    """Every user, newest first, with their newest memories previewed."""
    users = conn.execute(
        "SELECT u.id, u.created_at,"
        " (SELECT COUNT(*) FROM memories m WHERE m.user_id = u.id) AS memory_count,"
        " (SELECT MAX(version) FROM user_keys k WHERE k.user_id = u.id) AS key_version,"
        " (SELECT COUNT(*) FROM user_keys k WHERE k.user_id = u.id) AS key_count"
        " FROM users u ORDER BY u.created_at DESC, u.id"
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
            )
        )
    return overviews
