"""SQLite storage for the local server: users and their keys, access requests, memories, tags,
and the Idempotency-Key records.

One connection guarded by a lock serves every thread: each public method is one transaction
(`BEGIN IMMEDIATE` ... `COMMIT`), committed before the caller answers, so nothing acknowledged
is lost and concurrent writers never interleave. A file database uses WAL with
`synchronous=FULL`; `:memory:` lives as long as the `Store`.
"""

from __future__ import annotations

import asyncio
import functools
import json
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from ._errors import Conflict, Forbidden, NotFound
from ._overview import UserOverview, users_overview
from ._schema import (
    ENCRYPTION_KEY_BYTES,
    IDEMPOTENCY_WINDOW_SECONDS,
    MEMORY_FIELDS,
    SCHEMA,
    TRANSITIONS,
    Decision,
    Idempotency,
    contains,
    decode_cursor,
    encode_cursor,
    new_request_id,
    now_iso,
    tag_color,
)
from ._views import access_view, memory_views, tag_view

T = TypeVar("T")


class Store:
    """The local server's database (thread-safe)."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._lock = threading.Lock()
        # Every transaction holds the one connection's lock, so one worker thread is all the
        # database can use; a larger pool only makes its threads queue on the lock and the GIL.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="memoram-local-db")
        self._conn = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=30.0
        )
        self._conn.row_factory = sqlite3.Row
        self._conn.create_function("memoram_contains", 2, contains, deterministic=True)
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.executescript(SCHEMA)
        self._closed = False

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()
        self._worker.shutdown(wait=False)

    async def run(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run blocking store work on the database thread, off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._worker, functools.partial(function, *args, **kwargs)
        )

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._closed:
                raise RuntimeError("the local server's store is closed")
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                # Also when COMMIT itself failed (a busy file): never leave the transaction open.
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    # -- idempotency ------------------------------------------------------------------------

    def _idempotent(
        self,
        conn: sqlite3.Connection,
        connector: str,
        idempotency: Idempotency | None,
        create: Callable[[], dict[str, Any]],
    ) -> tuple[dict[str, Any], bool]:
        # Runs inside the caller's transaction: look-up, create and record are one atomic step,
        # so concurrent requests with one key create exactly one resource.
        if idempotency is None:
            return create(), False
        key, fingerprint = idempotency
        row = conn.execute(
            "SELECT fingerprint, body FROM idempotency"
            " WHERE connector = ? AND key = ? AND created_at > ?",
            (connector, key, time.time() - IDEMPOTENCY_WINDOW_SECONDS),
        ).fetchone()
        if row is not None:
            if row["fingerprint"] != fingerprint:
                raise Conflict(
                    "This Idempotency-Key was already used with a different request;"
                    " use a new key for a new request."
                )
            return json.loads(row["body"]), True
        body = create()
        conn.execute(
            "INSERT OR REPLACE INTO idempotency VALUES (?, ?, ?, ?, ?, ?)",
            (connector, key, fingerprint, 201, json.dumps(body), time.time()),
        )
        return body, False

    # -- users ------------------------------------------------------------------------------

    def _user_for_key(self, conn: sqlite3.Connection, memory_key: str, now: str) -> str:
        row = conn.execute("SELECT id FROM users WHERE memory_key = ?", (memory_key,)).fetchone()
        if row is not None:
            return str(row["id"])
        user_id = str(uuid.uuid4())
        conn.execute("INSERT INTO users VALUES (?, ?, ?)", (user_id, memory_key, now))
        conn.execute(
            "INSERT INTO user_keys VALUES (?, 1, ?, ?)",
            (user_id, secrets.token_hex(ENCRYPTION_KEY_BYTES), now),
        )
        return user_id

    def rotate_key(self, user_id: str) -> dict[str, Any]:
        """Give a user a new encryption key with the next version; content is left as stored."""
        with self._tx() as conn:
            self._require_user(conn, user_id)
            (version,) = conn.execute(
                "SELECT MAX(version) FROM user_keys WHERE user_id = ?", (user_id,)
            ).fetchone()
            conn.execute(
                "INSERT INTO user_keys VALUES (?, ?, ?, ?)",
                (user_id, version + 1, secrets.token_hex(ENCRYPTION_KEY_BYTES), now_iso()),
            )
            return {"user_id": user_id, "key_version": version + 1}

    def user_keys(self, user_id: str) -> dict[str, Any]:
        """Every key version of a user, oldest first (a local-only view for building keyrings)."""
        with self._tx() as conn:
            memory_key = self._require_user(conn, user_id)
            rows = conn.execute(
                "SELECT version, key_hex, created_at FROM user_keys"
                " WHERE user_id = ? ORDER BY version",
                (user_id,),
            ).fetchall()
            return {
                "user_id": user_id,
                "memory_key": memory_key,
                "keys": [
                    {
                        "key_version": row["version"],
                        "encryption_key": row["key_hex"],
                        "created_at": row["created_at"],
                    }
                    for row in rows
                ],
            }

    @staticmethod
    def _require_user(conn: sqlite3.Connection, user_id: str) -> str:
        row = conn.execute("SELECT memory_key FROM users WHERE id = ?", (user_id,)).fetchone()
        if row is None:
            raise NotFound("No such user.")
        return str(row["memory_key"])

    # -- access requests ---------------------------------------------------------------------

    def create_access_request(
        self,
        connector: str,
        memory_key: str,
        reason: str,
        *,
        auto_approve: bool = False,
        idempotency: Idempotency | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Create a pending (or, with auto_approve, approved) request; returns (body, replayed)."""
        with self._tx() as conn:

            def create() -> dict[str, Any]:
                now = now_iso()
                user_id = self._user_for_key(conn, memory_key, now)
                request_id = new_request_id()
                status = "approved" if auto_approve else "pending"
                conn.execute(
                    "INSERT INTO access_requests"
                    " (id, connector, user_id, memory_key, reason, status, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (request_id, connector, user_id, memory_key, reason, status, now, now),
                )
                return access_view(self._access_row(conn, request_id))

            return self._idempotent(conn, connector, idempotency, create)

    @staticmethod
    def _access_row(
        conn: sqlite3.Connection, request_id: str, connector: str | None = None
    ) -> sqlite3.Row:
        row: sqlite3.Row | None = conn.execute(
            "SELECT * FROM access_requests WHERE id = ?", (request_id,)
        ).fetchone()
        # Another developer's request is reported as missing, not as forbidden.
        if row is None or (connector is not None and row["connector"] != connector):
            raise NotFound("No such access request for this developer.")
        return row

    def list_access_requests(self, connector: str) -> list[dict[str, Any]]:
        """The developer's requests, newest first."""
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT * FROM access_requests WHERE connector = ? ORDER BY seq DESC", (connector,)
            ).fetchall()
            return [access_view(row) for row in rows]

    def get_access_request(self, connector: str, request_id: str) -> dict[str, Any]:
        """One of the developer's requests."""
        with self._tx() as conn:
            return access_view(self._access_row(conn, request_id, connector))

    def credentials(self, connector: str, request_id: str) -> dict[str, Any]:
        """The user's id, memory key and current encryption key, for an approved request only."""
        with self._tx() as conn:
            row = self._access_row(conn, request_id, connector)
            if row["status"] != "approved":
                raise Forbidden(
                    f"The access request is {row['status']}; credentials exist only once approved."
                )
            key = conn.execute(
                "SELECT version, key_hex FROM user_keys WHERE user_id = ?"
                " ORDER BY version DESC LIMIT 1",
                (row["user_id"],),
            ).fetchone()
            memory_key = self._require_user(conn, row["user_id"])
            return {
                "user_id": row["user_id"],
                "memory_key": memory_key,
                "encryption_key": key["key_hex"],
                "key_version": key["version"],
            }

    def decide(self, request_id: str, decision: Decision) -> dict[str, Any]:
        """The user's side: approve or reject a pending request, revoke an approved one."""
        source, target = TRANSITIONS[decision]
        with self._tx() as conn:
            row = self._access_row(conn, request_id)
            if row["status"] != source:
                raise Conflict(f"Cannot {decision} an access request that is {row['status']}.")
            conn.execute(
                "UPDATE access_requests SET status = ?, updated_at = ? WHERE id = ?",
                (target, now_iso(), request_id),
            )
            return access_view(self._access_row(conn, request_id), dashboard=True)

    def all_access_requests(self, status: str | None = None) -> list[dict[str, Any]]:
        """Every developer's requests, newest first (the dashboard's view)."""
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT * FROM access_requests WHERE ? IS NULL OR status = ? ORDER BY seq DESC",
                (status, status),
            ).fetchall()
            return [access_view(row, dashboard=True) for row in rows]

    # -- access checks -----------------------------------------------------------------------

    @staticmethod
    def _require_access(conn: sqlite3.Connection, connector: str, user_id: str) -> None:
        row = conn.execute(
            "SELECT 1 FROM access_requests"
            " WHERE connector = ? AND user_id = ? AND status = 'approved' LIMIT 1",
            (connector, user_id),
        ).fetchone()
        if row is None:
            raise Forbidden("This developer has no approved access to this user's memories.")

    def _require_memory_key(self, conn: sqlite3.Connection, user_id: str, memory_key: str) -> None:
        row = conn.execute("SELECT memory_key FROM users WHERE id = ?", (user_id,)).fetchone()
        if row is None or not secrets.compare_digest(
            row["memory_key"].encode("utf-8"), memory_key.encode("utf-8")
        ):
            raise Forbidden("The memory key does not belong to this user.")

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

    def users_overview(self) -> list[UserOverview]:
        """Every user with counts, key versions and ciphertext previews (the dashboard's view)."""
        with self._tx() as conn:
            return users_overview(conn)
