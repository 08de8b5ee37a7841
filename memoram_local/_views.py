"""How stored rows are written as API bodies (field names exactly as openapi.yaml has them)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, Final

# Shorter memory keys are shown as "…" alone: four characters of them would be too much.
_MASK_MIN_LENGTH: Final = 12
_MASK_VISIBLE: Final = 4


def mask_memory_key(memory_key: object) -> str:
    """The first characters of a memory key and an ellipsis: the key is the user's secret."""
    text = str(memory_key)
    if len(text) < _MASK_MIN_LENGTH:
        return "…"
    return text[:_MASK_VISIBLE] + "…"


def access_view(row: sqlite3.Row, *, dashboard: bool = False) -> dict[str, Any]:
    """An access request as the API writes it (the dashboard's view masks the memory key: the
    full key leaves /local only through GET /local/access-requests/{id}/memory-key)."""
    # The user's id is disclosed to the developer only once the user has approved.
    linked = dashboard or row["status"] in ("approved", "revoked")
    return {
        "id": row["id"],
        "status": row["status"],
        "reason": row["reason"],
        "memoryKey": mask_memory_key(row["memory_key"]) if dashboard else row["memory_key"],
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
