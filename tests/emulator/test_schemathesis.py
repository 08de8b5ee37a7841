"""schemathesis against a running local server: every operation of openapi.yaml, with an
approved user set up first, so protected operations are exercised beyond 401 and 403.

Generated values that the schema cannot make meaningful are swapped for real ones before each
call (only where the generated value is itself schema-valid, so negative cases stay negative):
a UUID `user_id` becomes the approved user's, `memoryKey` in memory bodies the user's key,
`api_key` the server's key, `blobId`/`tagId`/`requestId` real ids, and `cursor` a real cursor.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from memoram_local import LocalServer
from memoram_local._validation import MEMORY_KEY_MAX_LENGTH

SPEC = Path(__file__).resolve().parents[2] / "openapi.yaml"
EXAMPLES_PER_OPERATION = int(os.environ.get("MEMORAM_SCHEMATHESIS_EXAMPLES", "12"))
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)

# Operations whose only input is a free-form path string: no request to them is invalid.
WITHOUT_INVALID_INPUT = {
    "GET /access-requests",
    "GET /access-requests/{requestId}",
    "GET /access-requests/{requestId}/credentials",
}

schema = schemathesis.openapi.from_path(SPEC)
# The bearer token is supplied at call time; generated Authorization headers would only be
# overwritten, leaving schemathesis to believe a broken header was sent.
schema.config.generation.update(with_security_parameters=False)


@dataclass
class Live:
    """The running server and an approved user's ids."""

    server: LocalServer
    client: httpx.Client
    headers: dict[str, str]
    user_id: str
    memory_key: str
    request_id: str
    tag_id: str
    cursor: str
    statuses: defaultdict[str, Counter[int]]

    def new_blob(self) -> str:
        """A fresh memory (cases may delete the one they get)."""
        body = {
            "user_id": self.user_id,
            "memoryKey": self.memory_key,
            "content": "x",
            "tags": ["t"],
        }
        response = self.client.post("/memory-blobs", json=body, headers=self.headers)
        return str(response.json()["id"])

    def prepare(self, case: Any) -> None:
        """Swap generated ids for real ones (see the module docstring)."""
        if isinstance(case.query, dict):
            if isinstance(case.query.get("user_id"), str) and UUID.match(case.query["user_id"]):
                case.query["user_id"] = self.user_id
            if isinstance(case.query.get("cursor"), str):
                case.query["cursor"] = self.cursor
        if isinstance(case.body, dict):
            body = case.body
            if isinstance(body.get("user_id"), str) and UUID.match(body["user_id"]):
                body["user_id"] = self.user_id
            key = body.get("memoryKey")
            if (
                case.operation.path.startswith("/memory-blobs")
                and isinstance(key, str)
                and len(key) <= MEMORY_KEY_MAX_LENGTH
            ):
                body["memoryKey"] = self.memory_key
            if isinstance(body.get("api_key"), str):
                body["api_key"] = self.server.api_key
        params = case.path_parameters if isinstance(case.path_parameters, dict) else {}
        if "blobId" in params:
            params["blobId"] = self.new_blob()
        if "tagId" in params:
            params["tagId"] = self.tag_id
        if "requestId" in params:
            params["requestId"] = self.request_id


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    """A server with one approved user, a tag, and a multi-page memory list."""
    with LocalServer() as server, httpx.Client(base_url=server.base_url, trust_env=False) as client:
        token = client.post("/auth/token", json={"api_key": server.api_key}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        request_id = client.post(
            "/access-requests", json={"memoryKey": "st-key", "reason": "fuzz"}, headers=headers
        ).json()["id"]
        user_id = server.approve(request_id)["user_id"]
        live = Live(
            server, client, headers, user_id, "st-key", request_id, "", "", defaultdict(Counter)
        )
        for _ in range(3):
            live.new_blob()
        live.tag_id = client.get("/tags", params={"user_id": user_id}, headers=headers).json()[
            "items"
        ][0]["id"]
        page = client.get(
            "/memory-blobs", params={"user_id": user_id, "limit": 1}, headers=headers
        ).json()
        live.cursor = page["next_cursor"]
        yield live


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_operation_conforms_to_openapi(case: Any, live: Live) -> None:
    """Every generated request gets a declared status, content type and body shape, no 5xx."""
    live.prepare(case)
    response = case.call_and_validate(base_url=live.server.base_url, headers=live.headers)
    live.statuses[case.operation.label][response.status_code] += 1
    assert live.server.stats.statuses.get(500, 0) == 0


def test_every_operation_was_exercised_beyond_auth(live: Live) -> None:
    """Each operation tested in this process answered 2xx, and each that takes input also
    answered 400: none stopped at 401, 403 or 404.

    Run alone, the module tests every operation here. Under pytest-xdist the operations are
    spread over the workers and this test sees those of its own worker (each worker has its
    own server); `make schemathesis` checks all of them in one run.
    """
    if not live.statuses:
        pytest.skip("run together with test_operation_conforms_to_openapi")
    every = {result.ok().label for result in schema.get_all_operations()}
    assert set(live.statuses) <= every
    if "PYTEST_XDIST_WORKER" not in os.environ:
        assert set(live.statuses) == every
    for label, counts in live.statuses.items():
        assert any(200 <= status < 300 for status in counts), label
        if label not in WITHOUT_INVALID_INPUT:
            assert 400 in counts, label
