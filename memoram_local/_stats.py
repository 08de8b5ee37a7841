"""Counters of what the local server did, for tests and chaos runs (thread-safe)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any, Final

MAX_ROUTE_KEYS: Final = 64
"""Distinct `"METHOD /route"` keys kept; further ones are counted together under OTHER_KEY."""
OTHER_KEY: Final = "(other)"
REPR_ROUTES: Final = 5
"""How many of the busiest routes `repr(stats)` names."""
_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class ServerStats:
    """What the server has seen and done since it started (or since `reset()`).

    Every property returns a copy, so a snapshot never changes under the caller.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: Counter[str] = Counter()
        self._paths: Counter[str] = Counter()
        self._statuses: Counter[int] = Counter()
        self._faults: Counter[str] = Counter()

    def reset(self) -> None:
        """Set every counter back to zero."""
        with self._lock:
            self._counters.clear()
            self._paths.clear()
            self._statuses.clear()
            self._faults.clear()

    def _add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counters[name] += amount

    def record_request(self, method: str, route: str) -> None:
        """One request arrived (counted before any fault), by method and route template.

        Counters stay bounded whatever clients send: an unknown method counts as OTHER, and
        past MAX_ROUTE_KEYS distinct keys every new one counts under OTHER_KEY.
        """
        key = f"{method if method in _METHODS else 'OTHER'} {route}"
        with self._lock:
            self._counters["requests"] += 1
            if key not in self._paths and len(self._paths) >= MAX_ROUTE_KEYS:
                key = OTHER_KEY
            self._paths[key] += 1

    def record_status(self, status: int) -> None:
        """One response started with `status`."""
        with self._lock:
            self._statuses[status] += 1

    def record_fault(self, kind: str) -> None:
        """One fault was injected."""
        with self._lock:
            self._faults[kind] += 1

    def record(self, name: str) -> None:
        """One event of a named kind: `tokens_issued`, `memories_created`, ..."""
        self._add(name)

    @property
    def requests(self) -> int:
        """Requests received, all paths."""
        with self._lock:
            return self._counters["requests"]

    @property
    def tokens_issued(self) -> int:
        """Developer JWTs issued by POST /auth/token."""
        with self._lock:
            return self._counters["tokens_issued"]

    @property
    def memories_created(self) -> int:
        """Memory blobs created (idempotent replays excluded)."""
        with self._lock:
            return self._counters["memories_created"]

    @property
    def access_requests_created(self) -> int:
        """Access requests created (idempotent replays excluded)."""
        with self._lock:
            return self._counters["access_requests_created"]

    @property
    def idempotent_replays(self) -> int:
        """Responses answered again from an Idempotency-Key record."""
        with self._lock:
            return self._counters["idempotent_replays"]

    @property
    def by_path(self) -> dict[str, int]:
        """Requests per `"METHOD /route template"`, e.g. `"GET /api/v1/memory-blobs/{blobId}"`;
        paths that match no route count as `"/api/v1/(no route)"` or `"(no route)"`."""
        with self._lock:
            return dict(self._paths)

    @property
    def statuses(self) -> dict[int, int]:
        """Responses per status code (dropped connections have none)."""
        with self._lock:
            return dict(self._statuses)

    @property
    def faults(self) -> dict[str, int]:
        """Faults injected per kind: error_500, error_503, rate_limit, reset_before,
        reset_after, slow."""
        with self._lock:
            return dict(self._faults)

    @property
    def errors(self) -> int:
        """Responses with a status of 400 or more (dropped connections are not counted)."""
        with self._lock:
            return sum(count for status, count in self._statuses.items() if status >= 400)

    @property
    def faults_injected(self) -> int:
        """Faults injected in all (slow answers included)."""
        with self._lock:
            return sum(self._faults.values())

    def snapshot(self) -> dict[str, Any]:
        """Every counter in one plain dict."""
        with self._lock:
            return {
                **dict(self._counters),
                "by_path": dict(self._paths),
                "statuses": dict(self._statuses),
                "faults": dict(self._faults),
            }

    def __repr__(self) -> str:
        """`ServerStats(requests=12, errors=1, faults_injected=0, tokens_issued=2,
        by_route={...the 5 busiest...}, other_routes=3)`: what a failing test wants to see."""
        with self._lock:
            routes = sorted(self._paths.items(), key=lambda item: (-item[1], item[0]))
            errors = sum(count for status, count in self._statuses.items() if status >= 400)
            counts = {
                "requests": self._counters["requests"],
                "errors": errors,
                "faults_injected": sum(self._faults.values()),
                "tokens_issued": self._counters["tokens_issued"],
            }
        fields = [f"{name}={value}" for name, value in counts.items()]
        fields.append(f"by_route={dict(routes[:REPR_ROUTES])!r}")
        if len(routes) > REPR_ROUTES:
            fields.append(f"other_routes={len(routes) - REPR_ROUTES}")
        return f"ServerStats({', '.join(fields)})"
