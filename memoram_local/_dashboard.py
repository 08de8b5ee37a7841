"""The user's side, local-only and outside /api/v1: what the Memoram dashboard does for real.

Every request here has passed the guard (`_guard.py`): a loopback Host and the per-process
dashboard token. Memory keys are masked in listings; one full key is returned only by
`GET /local/access-requests/{id}/memory-key`, where the caller asked for it.
"""

from __future__ import annotations

import secrets

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from ._api import _run, context
from ._dashboard_page import (
    REQUESTS_PAGE_PARAM,
    USERS_PAGE_PARAM,
    render_locked_page,
    render_page,
    render_tables,
)
from ._errors import BadRequest
from ._overview import Dashboard
from ._schema import Decision
from ._validation import parse_uuid

_STATUSES = ("pending", "approved", "rejected", "revoked")
_MAX_PAGE = 1_000_000
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


async def revoke_app(request: Request) -> Response:
    """POST /local/users/{user_id}/apps/{aiConnectorId}/revoke: end all of one app's access to
    one user (every approved request of that app for that user)."""
    user_id = parse_uuid(request.path_params["user_id"], "user_id")
    connector = request.path_params["aiConnectorId"]
    return JSONResponse(await _run(context(request).store.revoke_app, user_id, connector))


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


def _page_number(request: Request, name: str) -> int:
    raw = request.query_params.get(name, "1")
    if not raw.isdigit() or not 1 <= int(raw) <= _MAX_PAGE:
        raise BadRequest(f"`{name}` must be a page number from 1 to {_MAX_PAGE}.")
    return int(raw)


async def _dashboard(request: Request) -> Dashboard:
    pages = (_page_number(request, REQUESTS_PAGE_PARAM), _page_number(request, USERS_PAGE_PARAM))
    return await _run(context(request).store.dashboard, *pages)


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
    data = await _dashboard(request)
    # Rendering a page takes milliseconds of CPU: in a worker thread, the loop keeps answering.
    return _html(await run_in_threadpool(render_page, data, nonce=nonce), nonce=nonce)


def locked_page() -> Response:
    """The page's 401: no data, only the script that loads it with the token its tab kept."""
    nonce = secrets.token_urlsafe(16)
    return _html(render_locked_page(nonce=nonce), nonce=nonce, status_code=401)


async def tables(request: Request) -> Response:
    """GET /local/tables: the page's tables alone, which its script reloads."""
    return _html(await run_in_threadpool(render_tables, await _dashboard(request)))
