"""How stored rows are written as API bodies (field names exactly as openapi.yaml has them)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any


def access_view(row: sqlite3.Row, *, dashboard: bool = False) -> dict[str, Any]:
    """An access request as the API writes it."""
    # The user's id is disclosed to the developer only once the user has approved.
    linked = dashboard or row["status"] in ("approved", "revoked")
    return {
        "id": row["id"],
        "status": row["status"],
        "reason": row["reason"],
        "memoryKey": row["memory_key"],
        "user_id": row["user_id"] if linked else None,
        "aiConnectorId": row["connector"],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }


def tag_view(row: sqlite3.Row) -> dict[str, Any]:
    """A tag as the API writes it."""
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "color": row["color"],
        "is_enabled": bool(row["is_enabled"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def memory_views(
    conn: sqlite3.Connection, rows: Sequence[sqlite3.Row], *, content: bool
) -> list[dict[str, Any]]:
    tags: dict[int, list[tuple[str, str]]] = {row["seq"]: [] for row in rows}
    if rows:
        marks = ",".join("?" * len(rows))
        sql = (
            "SELECT mt.memory_seq, t.id, t.name FROM memory_tags mt"  # noqa: S608
            " JOIN tags t ON t.id = mt.tag_id"
            f" WHERE mt.memory_seq IN ({marks}) ORDER BY mt.position"
        )
        for tag in conn.execute(sql, [row["seq"] for row in rows]):
            tags[tag["memory_seq"]].append((tag["id"], tag["name"]))
    views = []
    for row in rows:
        view: dict[str, Any] = {
            "id": row["id"],
            "user_id": row["user_id"],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
        }
        for name in ("source", "title", "summary", "importance", "confidence"):
            if row[name] is not None:
                view[name] = row[name]
        view["tags"] = [name for _, name in tags[row["seq"]]]
        view["tag_ids"] = [tag_id for tag_id, _ in tags[row["seq"]]]
        if content:
            view["content"] = row["content"]
        views.append(view)
    return views
