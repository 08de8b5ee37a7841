"""The dashboard's HTML: the page at `/local/` and its tables fragment at `/local/tables`.

Every value from the database passes through `_text` (html.escape) or `_attr` on its way
into the markup. Memory keys appear masked (`_mask`); encryption keys never reach this
module, and memories only as the start of their ciphertext.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from ._dashboard_assets import REFRESH_SECONDS, SCRIPT, STYLE
from ._overview import MEMORIES_PER_USER, UserOverview

TABLES_PATH = "/local/tables"
# Shorter memory keys are shown as "…" alone: four characters of them would be too much.
_MASK_MIN_LENGTH = 12
_MASK_VISIBLE = 4
_NONE = '<span class="meta">none</span>'
# Which buttons a request gets in each status: (decision, label, primary).
_ACTIONS: Mapping[str, Sequence[tuple[str, str, bool]]] = {
    "pending": (("approve", "Approve", True), ("reject", "Reject", False)),
    "approved": (("revoke", "Revoke", False),),
}


def _text(value: object) -> str:
    return html.escape(str(value), quote=False)


def _attr(value: object) -> str:
    return html.escape(str(value), quote=True)


def _mask(memory_key: str) -> str:
    """The first characters of a memory key and an ellipsis: the key is the user's secret."""
    if len(memory_key) < _MASK_MIN_LENGTH:
        return "…"
    return memory_key[:_MASK_VISIBLE] + "…"


def _time(iso: str) -> str:
    shown = iso.replace("T", " ").rsplit(".", 1)[0].removesuffix("Z") + " UTC"
    return f'<time datetime="{_attr(iso)}">{_text(shown)}</time>'


def _button(path: str, label: str, aria_label: str, *, primary: bool = False) -> str:
    css = ' class="primary"' if primary else ""
    return (
        f'<button type="button"{css} data-path="{_attr(path)}"'
        f' aria-label="{_attr(aria_label)}">{_text(label)}</button>'
    )


def _request_row(item: Mapping[str, Any]) -> str:
    request_id = str(item["id"])
    status = str(item["status"])
    buttons = "".join(
        _button(
            f"/local/access-requests/{quote(request_id, safe='')}/{decision}",
            label,
            f"{label} request {request_id}",
            primary=primary,
        )
        for decision, label, primary in _ACTIONS.get(status, ())
    )
    return (
        f'<tr id="request-{_attr(request_id)}" data-status="{_attr(status)}">'
        f"<td><code>{_text(request_id)}</code></td>"
        f"<td>{_text(item['aiConnectorId'])}</td>"
        f'<td class="reason">{_text(item["reason"])}</td>'
        f"<td><code>{_text(_mask(str(item['memoryKey'])))}</code></td>"
        f'<td><span class="status status-{_attr(status)}">{_text(status)}</span></td>'
        f"<td>{_time(str(item['createdAt']))}</td>"
        f"<td>{buttons or _NONE}</td>"
        "</tr>"
    )


def _requests_section(items: Sequence[Mapping[str, Any]]) -> str:
    pending = sum(1 for item in items if item["status"] == "pending")
    heading = (
        '<h2 id="requests-heading">Access requests'
        f' <span class="count">({len(items)}, {pending} pending)</span></h2>'
    )
    if not items:
        body = (
            '<p class="empty">No access requests yet. They appear here when an app calls'
            " <code>request_access(...)</code>.</p>"
        )
    else:
        body = _table(
            "Access requests, newest first",
            (
                "Request",
                "App (aiConnectorId)",
                "Reason",
                "Memory key",
                "Status",
                "Created",
                "Actions",
            ),
            (_request_row(item) for item in items),
        )
    return f'<section aria-labelledby="requests-heading">{heading}{body}</section>'


def _memories_cell(user: UserOverview) -> str:
    if not user.memories:
        return _NONE
    shown = len(user.memories)
    more = f", newest {shown} of {user.memory_count}" if user.memory_count > shown else ""
    items = "".join(
        f"<li><code>{_text(memory.preview)}{'…' if memory.length > len(memory.preview) else ''}"
        f'</code> <span class="meta">{memory.length} chars</span></li>'
        for memory in user.memories
    )
    return (
        f'<details id="memories-{_attr(user.id)}"><summary>Ciphertext{_text(more)}</summary>'
        f"<ul>{items}</ul></details>"
    )


def _user_row(user: UserOverview) -> str:
    apps = ", ".join(user.approved_apps)
    rotate = _button(
        f"/local/users/{quote(user.id, safe='')}/rotate-key",
        "Rotate key",
        f"Rotate the encryption key of user {user.id}",
    )
    return (
        f'<tr id="user-{_attr(user.id)}">'
        f"<td><code>{_text(user.id)}</code></td>"
        f'<td class="num">{user.memory_count}</td>'
        f'<td class="num">{user.key_version}</td>'
        f'<td class="num">{user.older_key_versions}</td>'
        f"<td>{_text(apps) if apps else _NONE}</td>"
        f"<td>{_memories_cell(user)}</td>"
        f"<td>{rotate}</td>"
        "</tr>"
    )


def _users_section(users: Sequence[UserOverview]) -> str:
    heading = f'<h2 id="users-heading">Users <span class="count">({len(users)})</span></h2>'
    note = (
        '<p class="note">The server never sees plaintext: apps encrypt memories with the'
        " user's key before sending them, so only the start of each stored ciphertext is shown"
        f" (the newest {MEMORIES_PER_USER} per user). Rotating a key adds a new version; stored"
        " memories keep the version they were written with.</p>"
    )
    if not users:
        body = '<p class="empty">No users yet. A user appears with their first access request.</p>'
    else:
        body = _table(
            "Users, newest first",
            (
                "User",
                "Memories",
                "Key version",
                "Older versions",
                "Apps with access",
                "Stored memories",
                "Actions",
            ),
            (_user_row(user) for user in users),
        )
    return f'<section aria-labelledby="users-heading">{heading}{note}{body}</section>'


def _table(caption: str, headers: Iterable[str], rows: Iterable[str]) -> str:
    head = "".join(f'<th scope="col">{_text(header)}</th>' for header in headers)
    return (
        f'<table><caption class="meta">{_text(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def render_tables(requests: Sequence[Mapping[str, Any]], users: Sequence[UserOverview]) -> str:
    """The two tables, as the page embeds them and as the script reloads them."""
    return _requests_section(requests) + _users_section(users)


def render_page(tables: str, *, nonce: str) -> str:
    """The whole dashboard page around `render_tables(...)`, its style and script inline.

    `nonce` must be the one in the response's Content-Security-Policy: only the page's own
    `<style>` and `<script>` may run, whatever a stored value contains.
    """
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Memoram local dashboard</title>
<link rel="icon" href="data:,">
<style nonce="{_attr(nonce)}">{STYLE}</style>
</head>
<body>
<header>
<h1>Memoram local dashboard</h1>
<p>The user's side of the local server: approve, reject or revoke apps' access requests and
rotate users' keys. A development tool without authentication; keep it on loopback.</p>
</header>
<main>
<div class="controls">
<label><input type="checkbox" id="auto-refresh" checked>
Refresh every {REFRESH_SECONDS} seconds</label>
<button type="button" id="refresh-now">Refresh now</button>
<span id="updated" class="meta" aria-live="polite"></span>
</div>
<p id="message" role="status" aria-live="polite"></p>
<div id="tables" data-src="{_attr(TABLES_PATH)}">{tables}</div>
</main>
<script nonce="{_attr(nonce)}">{SCRIPT}</script>
</body>
</html>
"""
