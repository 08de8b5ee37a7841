"""Memories and their tags: the store's side of the memory-blob and tag operations."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Sequence
from typing import Any

from ._database import Database
from ._errors import NotFound
from ._schema import MEMORY_FIELDS, Idempotency, decode_cursor, encode_cursor, now_iso, tag_color
from ._views import memory_views, tag_view


class MemoryStore(Database):
    """Memories and tags of users (thread-safe: one transaction per call)."""

    # -- tags --------------------------------------------------------------------------------

    @staticmethod
    def _set_tags(
        conn: sqlite3.Connection, memory_seq: int, user_id: str, names: Sequence[str], now: str
    ) -> None:
        conn.execute("DELETE FROM memory_tags WHERE memory_seq = ?", (memory_seq,))
        for position, name in enumerate(names):
            row = conn.execute(
                "SELECT id FROM tags WHERE user_id = ? AND name = ?", (user_id, name)
            ).fetchone()
            if row is None:
                tag_id = "tag_" + secrets.token_hex(8)
                conn.execute(
                    "INSERT INTO tags VALUES (?, ?, ?, '', ?, 1, ?, ?)",
                    (tag_id, user_id, name, tag_color(name), now, now),
                )
            else:
                tag_id = row["id"]
            conn.execute("INSERT INTO memory_tags VALUES (?, ?, ?)", (memory_seq, tag_id, position))

    def list_tags(self, connector: str, user_id: str) -> list[dict[str, Any]]:
        """All tags of a user, oldest first."""
        with self._tx() as conn:
            self._require_access(conn, connector, user_id)
            rows = conn.execute(
                "SELECT * FROM tags WHERE user_id = ? ORDER BY created_at, name", (user_id,)
            ).fetchall()
            return [tag_view(row) for row in rows]

    def get_tag(self, connector: str, user_id: str, tag_id: str) -> dict[str, Any]:
        """One tag of a user."""
        with self._tx() as conn:
            self._require_access(conn, connector, user_id)
            row = conn.execute(
                "SELECT * FROM tags WHERE user_id = ? AND id = ?", (user_id, tag_id)
            ).fetchone()
            if row is None:
                raise NotFound("No such tag for this user.")
            return tag_view(row)

    # -- memories ----------------------------------------------------------------------------

    @staticmethod
    def _memory_row(conn: sqlite3.Connection, user_id: str, blob_id: str) -> sqlite3.Row:
        row: sqlite3.Row | None = conn.execute(
            "SELECT * FROM memories WHERE id = ? AND user_id = ?", (blob_id, user_id)
        ).fetchone()
        if row is None:
            raise NotFound("No such memory blob for this user.")
        return row

    def create_memory(
        self,
        connector: str,
        user_id: str,
        memory_key: str,
        fields: dict[str, Any],
        tags: Sequence[str],
        *,
        idempotency: Idempotency | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Store a memory blob (content as given); returns (body without content, replayed)."""
        with self._tx() as conn:
            self._require_access(conn, connector, user_id)
            self._require_memory_key(conn, user_id, memory_key)

            def create() -> dict[str, Any]:
                now = now_iso()
                blob_id = "mem_" + secrets.token_hex(12)
                values = [fields.get(name) for name in MEMORY_FIELDS]
                cursor = conn.execute(
                    "INSERT INTO memories (id, user_id, content, title, summary, importance,"
                    " confidence, source, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (blob_id, user_id, *values, now, now),
                )
                assert cursor.lastrowid is not None
                self._set_tags(conn, cursor.lastrowid, user_id, tags, now)
                row = self._memory_row(conn, user_id, blob_id)
                return memory_views(conn, [row], content=False)[0]

            return self._idempotent(conn, connector, idempotency, create)

    def list_memories(
        self,
        connector: str,
        user_id: str,
        *,
        limit: int,
        cursor: str | None = None,
        tags: Sequence[str] = (),
        search: str | None = None,
        importance: float | None = None,
    ) -> dict[str, Any]:
        """A page of a user's memories, newest first, by keyset on the insertion sequence."""
        after = decode_cursor(cursor) if cursor is not None else None
        where = ["m.user_id = ?"]
        params: list[Any] = [user_id]
        if after is not None:
            where.append("m.seq < ?")
            params.append(after)
        if importance is not None:
            where.append("m.importance >= ?")
            params.append(importance)
        if search:
            where.append(
                "(memoram_contains(m.title, ?) OR memoram_contains(m.summary, ?)"
                " OR memoram_contains(m.content, ?))"
            )
            params += [search] * 3
        for name in tags:
            where.append(
                "EXISTS (SELECT 1 FROM memory_tags mt JOIN tags t ON t.id = mt.tag_id"
                " WHERE mt.memory_seq = m.seq AND t.name = ?)"
            )
            params.append(name)
        sql = (
            f"SELECT * FROM memories m WHERE {' AND '.join(where)}"  # noqa: S608
            " ORDER BY m.seq DESC LIMIT ?"
        )
        with self._tx() as conn:
            self._require_access(conn, connector, user_id)
            rows = conn.execute(sql, [*params, limit + 1]).fetchall()
            page = rows[:limit]
            return {
                "memoryBlobs": memory_views(conn, page, content=True),
                "next_cursor": encode_cursor(page[-1]["seq"]) if len(rows) > limit else None,
            }

    def get_memory(self, connector: str, user_id: str, blob_id: str) -> dict[str, Any]:
        """One memory with its content."""
        with self._tx() as conn:
            self._require_access(conn, connector, user_id)
            row = self._memory_row(conn, user_id, blob_id)
            return memory_views(conn, [row], content=True)[0]

    def update_memory(
        self,
        connector: str,
        user_id: str,
        memory_key: str,
        blob_id: str,
        changes: dict[str, Any],
        tags: Sequence[str] | None,
    ) -> dict[str, Any]:
        """Change the fields given (and replace the tags when given); body without content."""
        with self._tx() as conn:
            self._require_access(conn, connector, user_id)
            self._require_memory_key(conn, user_id, memory_key)
            row = self._memory_row(conn, user_id, blob_id)
            if changes or tags is not None:
                now = now_iso()
                columns = [name for name in MEMORY_FIELDS if name in changes]
                assignments = "".join(f"{name} = ?, " for name in columns)
                conn.execute(
                    f"UPDATE memories SET {assignments}updated_at = ? WHERE seq = ?",  # noqa: S608
                    (*(changes[name] for name in columns), now, row["seq"]),
                )
                if tags is not None:
                    self._set_tags(conn, row["seq"], user_id, tags, now)
                row = self._memory_row(conn, user_id, blob_id)
            return memory_views(conn, [row], content=False)[0]

    def delete_memory(self, connector: str, user_id: str, blob_id: str) -> dict[str, Any]:
        """Remove one memory."""
        with self._tx() as conn:
            self._require_access(conn, connector, user_id)
            row = self._memory_row(conn, user_id, blob_id)
            conn.execute("DELETE FROM memories WHERE seq = ?", (row["seq"],))
            return {"id": blob_id, "deleted": True}

    def count_memories(self, user_id: str | None = None) -> int:
        """How many memories are stored (for one user, or in all); for tests and the dashboard."""
        with self._tx() as conn:
            (count,) = conn.execute(
                "SELECT COUNT(*) FROM memories WHERE ? IS NULL OR user_id = ?", (user_id, user_id)
            ).fetchone()
            return int(count)
