"""The user's side, local-only and outside /api/v1: what the Memoram dashboard does for real.

Every request here has passed the guard (`_guard.py`): a loopback Host and the per-process
dashboard token. Memory keys are masked in listings; one full key is returned only by
`GET /local/access-requests/{id}/memory-key`, where the caller asked for it.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from ._api import _run, context
from ._dashboard_page import render_locked_page, render_page, render_tables
from ._errors import BadRequest
from ._overview import UserOverview
from ._schema import Decision
from ._validation import parse_uuid

_STATUSES = ("pending", "approved", "rejected", "revoked")
# The page runs only its own nonce-tagged script and this server's stylesheet, and talks only to
# this server.
_CSP = (
    "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self';"
    " connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none';"
    " frame-ancestors 'none'"
)


async def _decide(request: Request, decision: Decision) -> Response:
    ctx = context(request)
    view = await _run(ctx.store.decide, request.path_params["requestId"], decision)
    return JSONResponse(view)


async def approve(request: Request) -> Response:
    """POST /local/access-requests/{requestId}/approve."""
    return await _decide(request, "approve")


async def reject(request: Request) -> Response:
    """POST /local/access-requests/{requestId}/reject."""
    return await _decide(request, "reject")


async def revoke(request: Request) -> Response:
    """POST /local/access-requests/{requestId}/revoke."""
    return await _decide(request, "revoke")


async def list_requests(request: Request) -> Response:
    """GET /local/access-requests[?status=pending]: every developer's requests, newest first."""
    status = request.query_params.get("status")
    if status is not None and status not in _STATUSES:
        raise BadRequest(f"`status` must be one of {', '.join(_STATUSES)}.")
    items = await _run(context(request).store.all_access_requests, status)
    return JSONResponse({"items": items, "total": len(items)})


async def memory_key(request: Request) -> Response:
    """GET /local/access-requests/{requestId}/memory-key: one request's full memory key."""
    view = await _run(context(request).store.memory_key, request.path_params["requestId"])
    response = JSONResponse(view)
    response.headers["Cache-Control"] = "no-store"
    return response


async def rotate_key(request: Request) -> Response:
    """POST /local/users/{user_id}/rotate-key: a new key with the next key_version."""
    user_id = parse_uuid(request.path_params["user_id"], "user_id")
    return JSONResponse(await _run(context(request).store.rotate_key, user_id))


async def user_keys(request: Request) -> Response:
    """GET /local/users/{user_id}/keys: every key version, to read content of older versions."""
    user_id = parse_uuid(request.path_params["user_id"], "user_id")
    response = JSONResponse(await _run(context(request).store.user_keys, user_id))
    response.headers["Cache-Control"] = "no-store"
    return response


async def health(request: Request) -> Response:
    """GET /local/health."""
    return JSONResponse({"status": "ok"})


async def stats(request: Request) -> Response:
    """GET /local/stats: the server's counters."""
    snapshot = context(request).stats.snapshot()
    snapshot["statuses"] = {str(code): count for code, count in snapshot["statuses"].items()}
    return JSONResponse(snapshot)


async def _views(request: Request) -> tuple[list[dict[str, Any]], list[UserOverview]]:
    store = context(request).store
    return await _run(store.all_access_requests), await _run(store.users_overview)


def _html(body: str, *, nonce: str | None = None, status_code: int = 200) -> Response:
    response = HTMLResponse(body, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    if nonce is not None:
        response.headers["Content-Security-Policy"] = _CSP.format(nonce=nonce)
    return response


async def page(request: Request) -> Response:
    """GET /local/: the dashboard page (requests with their buttons, users, ciphertext)."""
    nonce = secrets.token_urlsafe(16)
    requests, users = await _views(request)
    return _html(render_page(requests, users, nonce=nonce), nonce=nonce)


def locked_page() -> Response:
    """The page's 401: no data, only the script that loads it with the token its tab kept."""
    nonce = secrets.token_urlsafe(16)
    return _html(render_locked_page(nonce=nonce), nonce=nonce, status_code=401)


async def tables(request: Request) -> Response:
    """GET /local/tables: the page's tables alone, which its script reloads."""
    return _html(render_tables(*await _views(request)))
