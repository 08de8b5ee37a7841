"""memoram_local: a local Memoram API server for the demo, offline development, and tests.

Install with `pip install "memoram-async[local]"`. Stateful (SQLite), faithful to openapi.yaml,
strict about access, and able to misbehave on purpose (`faults`). It shares no code with the
SDK (`memoram_async`), so a bug in one cannot hide the same bug in the other. Three ways to run
it:

- in-process: `create_app(...)` is an ASGI app for `httpx.ASGITransport`;
- in a background thread on a free loopback port: `with LocalServer(...) as server:`;
- as a command: `memoram-local --port 8765` or `python -m memoram_local --port 0`.

On startup the command prints these lines to stdout (parse them; PORT is the bound port):

    Memoram local server: http://127.0.0.1:PORT/api/v1
    API key: mem_<48 hex>          (only when no key was configured: DEV_API_KEY)
    API keys: N configured         (instead, when --api-key / MEMORAM_LOCAL_API_KEYS is used)
    Dashboard: http://127.0.0.1:PORT/local/?token=TOKEN
    To use it from another terminal, paste:
    export MEMORAM_BASE_URL=http://127.0.0.1:PORT/api/v1 MEMORAM_API_KEY=... MEMORAM_MEMORY_KEY=...
    Press Ctrl-C to stop.

The ``export`` line sets what the SDK and the quickstart read: the server's URL, the
development key (left to you, in a trailing comment, when keys were configured) and a Memory
Key (any key is a user here).

Ctrl-C or SIGTERM stops it cleanly with exit status 0.

The user's side of the access flow (the Memoram dashboard) lives under `/local`, behind a
per-process token (the `token` query parameter or the `X-Memoram-Local-Token` header): a page
at `GET /local/` (requests with Approve, Reject and Revoke buttons; users, key versions and
ciphertext) over these endpoints:
`POST /local/access-requests/{id}/approve`, `/reject`, `/revoke`;
`POST /local/users/{user_id}/rotate-key`; `GET /local/users/{user_id}/keys` (every key version);
`POST /local/users/{user_id}/apps/{aiConnectorId}/revoke` (all of one app's access to one user);
`GET /local/access-requests[?status=...]` (memory keys masked);
`GET /local/access-requests/{id}/memory-key` (one full memory key); `GET /local/health`;
`GET /local/stats`.

Importing this package is cheap: its names are loaded on first use, so that the
`memoram-local` command can say what to install when the `[local]` extra is missing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import LocalApp, create_app
    from ._config import LocalConfig
    from ._constants import DEV_API_KEY
    from ._faults import FaultSpec
    from ._runner import LocalServer, LocalServerError
    from ._stats import ServerStats

__all__ = [
    "DEV_API_KEY",
    "FaultSpec",
    "LocalApp",
    "LocalConfig",
    "LocalServer",
    "LocalServerError",
    "ServerStats",
    "create_app",
]

_HOMES = {
    "DEV_API_KEY": "._constants",
    "FaultSpec": "._faults",
    "LocalApp": "._app",
    "LocalConfig": "._config",
    "LocalServer": "._runner",
    "LocalServerError": "._runner",
    "ServerStats": "._stats",
    "create_app": "._app",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
