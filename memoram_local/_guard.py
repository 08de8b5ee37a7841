"""Who may talk to the local server: requests addressed to this machine, and on the dashboard
side (`/local`) only holders of the per-process dashboard token.

Three attacks reach a development server from a web page or another local user, and each is
refused here (docs/threat-model.md):

- DNS rebinding: a hostile name that resolves to 127.0.0.1 lets a page read answers. Its
  requests carry the hostile name in `Host`, so every route (API and `/local`) serves only
  loopback host names, plus the names the server was started with (`--allow-host`).
- Another local process or user: `/local` approves requests and returns encryption keys, so
  each request must carry the dashboard token (header `X-Memoram-Local-Token`, or query
  `token` in the printed URL), compared in constant time. No cookie carries it: browsers send a
  cookie of 127.0.0.1 to every port of that address, so any other local listener the
  developer's browser visits would receive it. The page keeps the token in its tab's
  `sessionStorage`, which is per origin (port included), and sends the header itself.
- Cross-site request forgery: a page POSTs to `http://127.0.0.1:PORT/local/...` blind. Browsers
  mark such requests with `Origin` and `Sec-Fetch-Site`; a state change from another origin is
  refused. Scripts, tests and the SDK send neither header and are not affected.
"""

from __future__ import annotations

import hmac
from collections.abc import Set
from typing import Final
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.types import Scope

from ._constants import DASHBOARD_TOKEN_HEADER, DASHBOARD_TOKEN_PARAM
from ._errors import ApiError, Forbidden, MisdirectedRequest, Unauthorized
from ._hosts import hostname_of, is_loopback_name

_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
STATIC_PREFIX: Final = "/local/static/"
# Served without the token: they reveal nothing (a liveness answer, the page's CSS and JS).
_OPEN_PATHS: Final = frozenset({"/local/health"})


def is_loopback_host(authority: str) -> bool:
    """Whether a `Host` header names this machine (localhost, 127.0.0.0/8 or ::1)."""
    host = hostname_of(authority)
    return bool(host) and is_loopback_name(host)


def host_refusal(scope: Scope, allowed_hosts: Set[str]) -> ApiError | None:
    """The error for a request addressed to a name this server does not answer, or None."""
    authority = Headers(scope=scope).get("host", "")
    if is_loopback_host(authority) or hostname_of(authority) in allowed_hosts:
        return None
    return MisdirectedRequest(
        "This local server answers only requests addressed to localhost, 127.0.0.1 or [::1]"
        " (a guard against DNS rebinding). To serve another host name, start it with"
        " --allow-host NAME (LocalServer(allowed_hosts=[...]) in Python)."
    )


def presented_token(scope: Scope) -> str | None:
    """The dashboard token a request carries: its header, else its `token` query parameter."""
    if (value := Headers(scope=scope).get(DASHBOARD_TOKEN_HEADER)) is not None:
        return value
    query: bytes = scope.get("query_string", b"")
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if name == DASHBOARD_TOKEN_PARAM:
            return value
    return None


def token_matches(presented: str | None, expected: str) -> bool:
    """Constant-time comparison of the presented dashboard token with the server's."""
    if presented is None:
        return False
    return hmac.compare_digest(
        presented.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def dashboard_refusal(scope: Scope, token: str) -> ApiError | None:
    """The error for a `/local` request that must be refused, or None when it may proceed."""
    headers = Headers(scope=scope)
    open_path = scope["path"].startswith(STATIC_PREFIX) or scope["path"] in _OPEN_PATHS
    if not open_path and not token_matches(presented_token(scope), token):
        return Unauthorized(
            "The local dashboard needs its token: open the Dashboard URL the server printed"
            f" at startup (/local/?{DASHBOARD_TOKEN_PARAM}=...), or send the"
            f" {DASHBOARD_TOKEN_HEADER} header (LocalServer.dashboard_token)."
        )
    if scope["method"] in _SAFE_METHODS:
        return None
    if headers.get("sec-fetch-site", "same-origin") not in {"same-origin", "none"}:
        return Forbidden("Cross-site requests to the local dashboard are refused.")
    origin = headers.get("origin")
    host = headers.get("host", "").lower()
    if origin is not None and origin.lower() not in {f"http://{host}", f"https://{host}"}:
        return Forbidden("Requests from another origin to the local dashboard are refused.")
    return None
