"""Who may use the dashboard side (`/local`): a browser on this machine, never another site.

The `/local` endpoints have no authentication (a user approving requests on their own
machine), and `GET /local/users/{id}/keys` returns encryption keys. Two attacks reach such a
server from a web page the developer happens to visit, and each is refused here:

- DNS rebinding: a hostile name that resolves to 127.0.0.1 lets the page read answers. Its
  requests carry the hostile name in `Host`, so only loopback host names are served.
- Cross-site request forgery: a page POSTs to `http://127.0.0.1:PORT/local/...` blind. Browsers
  mark such requests with `Origin` and `Sec-Fetch-Site`; a state change from another origin is
  refused. Scripts, tests and the SDK send neither header and are not affected.
"""

from __future__ import annotations

from typing import Final

from starlette.datastructures import Headers
from starlette.types import Scope

from ._hosts import hostname_of, is_loopback_name

_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


def is_loopback_host(authority: str) -> bool:
    """Whether a `Host` header names this machine (localhost, 127.0.0.0/8 or ::1)."""
    host = hostname_of(authority)
    return bool(host) and is_loopback_name(host)


def dashboard_refusal(scope: Scope) -> str | None:
    """Why a `/local` request must be refused, or None when it may proceed."""
    headers = Headers(scope=scope)
    host = headers.get("host", "")
    if not is_loopback_host(host):
        return (
            "The local dashboard answers only requests addressed to localhost, 127.0.0.1 or "
            "[::1]; open it through one of those."
        )
    if scope["method"] in _SAFE_METHODS:
        return None
    if headers.get("sec-fetch-site", "same-origin") not in {"same-origin", "none"}:
        return "Cross-site requests to the local dashboard are refused."
    origin = headers.get("origin")
    if origin is not None and origin.lower() not in {
        f"http://{host.lower()}",
        f"https://{host.lower()}",
    }:
        return "Requests from another origin to the local dashboard are refused."
    return None
