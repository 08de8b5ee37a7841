"""The local server's routes, and the route template a request path matches (for counting)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Final

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from . import _api, _dashboard

API_PREFIX: Final = "/api/v1"
LOCAL_PREFIX: Final = "/local"
STATIC_PREFIX: Final = LOCAL_PREFIX + "/static"
# The dashboard's stylesheet and script (package data beside this module).
STATIC_DIRECTORY: Final = Path(__file__).resolve().parent / "static"
UNMATCHED: Final = "(no route)"

Endpoint = Callable[[Request], Awaitable[Response]]


def _route(path: str, endpoint: Endpoint, methods: Iterable[str]) -> Route:
    route = Route(path, endpoint, methods=list(methods))
    # Starlette adds HEAD to every GET route; the API declares no HEAD, so 405 it with the rest.
    route.methods = set(methods)
    return route


def build_routes() -> list[BaseRoute]:
    """The API under /api/v1 and the dashboard side under /local."""
    api = [
        _route("/auth/token", _api.create_token, ["POST"]),
        _route("/access-requests", _api.access_requests, ["GET", "POST"]),
        _route("/access-requests/{requestId}", _api.access_request, ["GET"]),
        _route("/access-requests/{requestId}/credentials", _api.access_credentials, ["GET"]),
        _route("/memory-blobs", _api.memory_blobs, ["GET", "POST"]),
        _route("/memory-blobs/{blobId}", _api.memory_blob, ["GET", "PATCH", "DELETE"]),
        _route("/tags", _api.tags, ["GET"]),
        _route("/tags/{tagId}", _api.tag, ["GET"]),
    ]
    local = [
        _route("/", _dashboard.page, ["GET"]),
        _route("/tables", _dashboard.tables, ["GET"]),
        _route("/access-requests", _dashboard.list_requests, ["GET"]),
        _route("/access-requests/{requestId}/memory-key", _dashboard.memory_key, ["GET"]),
        _route("/access-requests/{requestId}/approve", _dashboard.approve, ["POST"]),
        _route("/access-requests/{requestId}/reject", _dashboard.reject, ["POST"]),
        _route("/access-requests/{requestId}/revoke", _dashboard.revoke, ["POST"]),
        _route("/users/{user_id}/rotate-key", _dashboard.rotate_key, ["POST"]),
        _route("/users/{user_id}/keys", _dashboard.user_keys, ["GET"]),
        _route("/users/{user_id}/apps/{aiConnectorId}/revoke", _dashboard.revoke_app, ["POST"]),
        _route("/health", _dashboard.health, ["GET"]),
        _route("/stats", _dashboard.stats, ["GET"]),
        Mount("/static", app=StaticFiles(directory=STATIC_DIRECTORY), name="static"),
    ]
    return [Mount(API_PREFIX, routes=api), Mount(LOCAL_PREFIX, routes=local)]


def route_template(routes: Sequence[BaseRoute], path: str) -> str:
    """The template of the route `path` matches (`/api/v1/memory-blobs/{blobId}`), so that
    counters grow with the routes, never with the paths clients make up."""
    for mount in routes:
        if not isinstance(mount, Mount) or not path.startswith(mount.path + "/"):
            continue
        rest = path[len(mount.path) :]
        for route in mount.routes:
            if isinstance(route, Route) and route.path_regex.match(rest):
                return mount.path + route.path
            if isinstance(route, Mount) and rest.startswith(route.path + "/"):
                return mount.path + route.path + "/{path}"
        return mount.path + "/" + UNMATCHED
    if path in {mount.path for mount in routes if isinstance(mount, Mount)}:
        return path
    return UNMATCHED
