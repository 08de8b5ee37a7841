"""A local Memoram API server: for the demo, offline development, and tests (yours and ours).

Install with `pip install memoram-async[local]`. Stateful (SQLite), faithful to openapi.yaml,
strict about access, and able to misbehave on purpose (`faults`). Three ways to run it:

- in-process: `create_app(...)` is an ASGI app for `httpx.ASGITransport`;
- in a background thread on a free loopback port: `with LocalServer(...) as server:`;
- as a command: `memoram-local --port 8765` or `python -m memoram_async.local --port 0`.

On startup the command prints these lines to stdout (parse them; PORT is the bound port):

    Memoram local server: http://127.0.0.1:PORT/api/v1
    API key: mem_<48 hex>          (only when no key was configured: DEV_API_KEY)
    API keys: N configured         (instead, when --api-key / MEMORAM_LOCAL_API_KEYS is used)
    Dashboard: http://127.0.0.1:PORT/local/ ...
    Press Ctrl-C to stop.

Ctrl-C or SIGTERM stops it cleanly with exit status 0.

The user's side of the access flow (the Memoram dashboard) is local-only, without auth: a page
at `GET /local/` (requests with Approve, Reject and Revoke buttons; users, key versions and
ciphertext) over these endpoints:
`POST /local/access-requests/{id}/approve`, `/reject`, `/revoke`;
`POST /local/users/{user_id}/rotate-key`; `GET /local/users/{user_id}/keys` (every key version);
`GET /local/access-requests[?status=...]`; `GET /local/health`; `GET /local/stats`.
"""

from ._app import LocalApp, create_app
from ._config import DEV_API_KEY, LocalConfig
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
