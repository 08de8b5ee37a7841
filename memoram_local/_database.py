"""The local server's SQLite connection: one lock, one database thread, one transaction per call.

One connection guarded by a lock serves every thread: each public method of the store is one
transaction (`BEGIN IMMEDIATE` ... `COMMIT`), committed before the caller answers, so nothing
acknowledged is lost and concurrent writers never interleave. A file database uses WAL with
`synchronous=FULL`; `:memory:` lives as long as the `Database`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from ._errors import Conflict, Forbidden, NotFound
from ._schema import IDEMPOTENCY_WINDOW_SECONDS, SCHEMA, Idempotency, contains

T = TypeVar("T")

FILE_MODE = 0o600
"""The database holds memory keys and encryption keys in clear: only its owner may read it."""
_COMPANIONS = ("", "-wal", "-shm", "-journal")


SQLITE_HEADER = b"SQLite format 3\x00"
"""How every SQLite database file begins."""


def require_sqlite_file(path: str) -> None:
    """Refuse an existing, non-empty file that is not a SQLite database, before anything (the
    mode change below included) touches it: `--db ~/.bashrc` must leave that file alone."""
    try:
        with open(path, "rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    if header and header != SQLITE_HEADER:
        raise ValueError(f"db {path} is not a SQLite database; choose another path")


def restrict_file_modes(path: str) -> None:
    """Create the database file owner-only (0600) before SQLite opens it, and tighten an existing
    one and its WAL/SHM companions.

    SQLite creates `-wal`, `-shm` and `-journal` with the mode of the database file, so a file
    made 0600 here keeps every companion 0600 too, without touching the process-wide umask.
    """
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    os.close(descriptor)
    for suffix in _COMPANIONS:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path + suffix, FILE_MODE)


class Database:
    """The connection and its transaction discipline; the stores add the operations."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._lock = threading.Lock()
        # Every transaction holds the one connection's lock, so one worker thread is all the
        # database can use; a larger pool only makes its threads queue on the lock and the GIL.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="memoram-local-db")
        if path != ":memory:" and path:
            require_sqlite_file(path)
            restrict_file_modes(path)
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

    # -- checks shared by the stores --------------------------------------------------------

    @staticmethod
    def _require_user(conn: sqlite3.Connection, user_id: str) -> str:
        row = conn.execute("SELECT memory_key FROM users WHERE id = ?", (user_id,)).fetchone()
        if row is None:
            raise NotFound("No such user.")
        return str(row["memory_key"])

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
