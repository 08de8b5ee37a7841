"""Users, their encryption keys, and access requests: the store's side of the access flow."""

from __future__ import annotations

import secrets
import sqlite3
import uuid
from typing import Any

from ._database import Database
from ._errors import Conflict, Forbidden, NotFound
from ._overview import Dashboard, dashboard
from ._schema import (
    ENCRYPTION_KEY_BYTES,
    TRANSITIONS,
    Decision,
    Idempotency,
    new_request_id,
    now_iso,
)
from ._views import access_view


class AccessStore(Database):
    """Users, keys and access requests (thread-safe: one transaction per call)."""

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
        """The user's side: approve or reject a pending request, revoke an approved one.

        A revocation's answer also lists `still_approved`: the app's other approved requests
        for the same user, through which it keeps reading and writing that user's memories.
        """
        source, target = TRANSITIONS[decision]
        with self._tx() as conn:
            row = self._access_row(conn, request_id)
            if row["status"] != source:
                raise Conflict(f"Cannot {decision} an access request that is {row['status']}.")
            conn.execute(
                "UPDATE access_requests SET status = ?, updated_at = ? WHERE id = ?",
                (target, now_iso(), request_id),
            )
            view = access_view(self._access_row(conn, request_id), dashboard=True)
            if decision == "revoke":
                view["still_approved"] = self._approved_ids(conn, row["user_id"], row["connector"])
            return view

    @staticmethod
    def _approved_ids(conn: sqlite3.Connection, user_id: str, connector: str) -> list[str]:
        rows = conn.execute(
            "SELECT id FROM access_requests WHERE user_id = ? AND connector = ?"
            " AND status = 'approved' ORDER BY seq",
            (user_id, connector),
        ).fetchall()
        return [row["id"] for row in rows]

    def revoke_app(self, user_id: str, connector: str) -> dict[str, Any]:
        """Revoke every approved request of one app for one user: all of its access ends."""
        with self._tx() as conn:
            self._require_user(conn, user_id)
            revoked = self._approved_ids(conn, user_id, connector)
            conn.execute(
                "UPDATE access_requests SET status = 'revoked', updated_at = ?"
                " WHERE user_id = ? AND connector = ? AND status = 'approved'",
                (now_iso(), user_id, connector),
            )
            return {"user_id": user_id, "aiConnectorId": connector, "revoked": revoked}

    def memory_key(self, request_id: str) -> dict[str, Any]:
        """The full memory key of one access request (the dashboard's explicit reveal)."""
        with self._tx() as conn:
            row = self._access_row(conn, request_id)
            return {"id": row["id"], "user_id": row["user_id"], "memoryKey": row["memory_key"]}

    def all_access_requests(self, status: str | None = None) -> list[dict[str, Any]]:
        """Every developer's requests, newest first (the dashboard's view)."""
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT * FROM access_requests WHERE ? IS NULL OR status = ? ORDER BY seq DESC",
                (status, status),
            ).fetchall()
            return [access_view(row, dashboard=True) for row in rows]

    def dashboard(self, requests_page: int = 1, users_page: int = 1) -> Dashboard:
        """One page of requests and one of users, as the dashboard shows them."""
        with self._tx() as conn:
            return dashboard(conn, requests_page, users_page)
