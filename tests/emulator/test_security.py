"""The local server's defences (issue 14, points 1-4), over loopback against a real server:
Host guard, dashboard token, masked keys, bounded resources, parse errors, file modes."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from memoram_local import LocalServer
from memoram_local._stats import MAX_ROUTE_KEYS, OTHER_KEY
from memoram_local._validation import (
    MAX_BODY_BYTES,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    MEMORY_KEY_MAX_LENGTH,
)
from tests.emulator.flow import LocalFlow

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 10.0


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A LocalServer on a free loopback port that also answers the name memoram.test."""
    with LocalServer(allowed_hosts=["memoram.test"]) as running:
        yield running


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/auth/token"),
        ("GET", "/api/v1/access-requests"),
        ("GET", "/local/"),
        ("GET", "/local/access-requests"),
        ("GET", "/local/users/00000000-0000-4000-8000-000000000000/keys"),
    ],
)
def test_dns_rebinding_is_refused_on_every_route(
    server: LocalServer, method: str, path: str
) -> None:
    """A request to 127.0.0.1 with `Host: evil.example` is refused 421 before any handler."""
    with httpx.Client(base_url=server.url, trust_env=False, timeout=DEADLINE) as client:
        response = client.request(
            method,
            path,
            headers={"Host": f"evil.example:{server.port}", **server.dashboard_headers},
            json={"api_key": server.api_key} if method == "POST" else None,
        )
    assert response.status_code == 421
    assert response.json()["error"] == "misdirected_request"
    assert "--allow-host NAME" in response.json()["message"]
    assert server.stats.tokens_issued == 0


@pytest.mark.parametrize(
    "host", ["localhost", "127.0.0.1", "[::1]", "memoram.test", "MEMORAM.TEST"]
)
def test_loopback_and_allowed_hosts_get_tokens(server: LocalServer, host: str) -> None:
    """Loopback names, with or without the port, and names from allowed_hosts are served."""
    for authority in (host, f"{host}:{server.port}"):
        response = httpx.post(
            f"{server.base_url}/auth/token",
            json={"api_key": server.api_key},
            headers={"Host": authority},
            trust_env=False,
            timeout=DEADLINE,
        )
        assert response.status_code == 200, authority


def test_dashboard_needs_the_token_and_lists_masked_keys(server: LocalServer) -> None:
    """/local needs the token; listings mask memory keys and one explicit call reveals one."""
    memory_key = "mk_security_test_0123456789"
    with httpx.Client(base_url=server.base_url, trust_env=False, timeout=DEADLINE) as client:
        token = client.post("/auth/token", json={"api_key": server.api_key}).json()["token"]
        created = client.post(
            "/access-requests",
            json={"memoryKey": memory_key, "reason": "security test"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert created.status_code == 201
    request_id = created.json()["id"]
    for path in ("/local/access-requests", f"/local/access-requests/{request_id}/memory-key"):
        refused = httpx.get(server.url + path, trust_env=False, timeout=DEADLINE)
        assert refused.status_code == 401
        assert memory_key not in refused.text
    (listed,) = server.access_requests()
    assert listed["memoryKey"] == "mk_s…"
    assert server.memory_key(request_id) == memory_key
    approved = server.approve(request_id)
    assert memory_key not in str(approved)
    page = httpx.get(server.dashboard_url, trust_env=False, timeout=DEADLINE)
    assert page.status_code == 200
    assert memory_key not in page.text


def test_dashboard_token_can_be_fixed() -> None:
    """A configured dashboard token is the one required and printed in the dashboard URL."""
    token = "a-fixed-dashboard-token-0001"
    with LocalServer(dashboard_token=token) as server:
        assert server.dashboard_url == f"{server.url}/local/?token={token}"
        ok = httpx.get(f"{server.url}/local/stats", params={"token": token}, trust_env=False)
        assert ok.status_code == 200
    with pytest.raises(ValueError, match="at least 16"):
        LocalServer(dashboard_token="short")


def test_stats_are_keyed_by_route_template_and_capped(server: LocalServer) -> None:
    """Made-up paths and methods do not grow the counters: keys are route templates, capped."""
    with httpx.Client(base_url=server.url, trust_env=False, timeout=DEADLINE) as client:
        for number in range(300):
            client.get(f"/api/v1/memory-blobs/mem_{number:04d}" + "x" * 2000)
            client.request(f"M{number:03d}", f"/x{number}")
            client.get(f"/nowhere/{number}")
    paths = server.stats.by_path
    assert len(paths) <= MAX_ROUTE_KEYS + 1
    assert paths["GET /api/v1/memory-blobs/{blobId}"] == 300
    assert paths["GET (no route)"] == 300
    assert paths["OTHER (no route)"] == 300
    assert all(len(key) < 80 for key in paths)
    assert OTHER_KEY not in paths


def test_route_key_cap_holds_against_many_distinct_templates() -> None:
    """Past the cap, new keys are counted together under one key."""
    from memoram_local import ServerStats

    stats = ServerStats()
    for number in range(MAX_ROUTE_KEYS * 3):
        stats.record_request("GET", f"/route/{number}")
    assert len(stats.by_path) == MAX_ROUTE_KEYS + 1
    assert stats.by_path[OTHER_KEY] == MAX_ROUTE_KEYS * 2
    assert stats.requests == MAX_ROUTE_KEYS * 3


@pytest.mark.parametrize(
    ("tags", "accepted"),
    [
        ([f"t{n}" for n in range(MAX_TAGS)], True),
        (["x" * MAX_TAG_LENGTH], True),
        ([f"t{n}" for n in range(MAX_TAGS + 1)], False),
        (["x" * (MAX_TAG_LENGTH + 1)], False),
        ([f"t{n}" for n in range(95_000)], False),
    ],
    ids=["max-count", "max-length", "one-too-many", "one-too-long", "95000"],
)
async def test_tag_limits(live_flow: LocalFlow, tags: list[str], accepted: bool) -> None:
    """Tags are bounded per memory (count and length); over the bound is a 400 before the DB."""
    grant = await live_flow.grant()
    body = {"user_id": grant.user_id, "memoryKey": grant.memory_key, "content": "c", "tags": tags}
    for method, path in (("POST", "/memory-blobs"), ("PATCH", None)):
        if path is None:
            created = await live_flow.create(grant)
            path = f"/memory-blobs/{created['id']}"
        response = await live_flow.request(method, path, json=body)
        if accepted:
            assert response.is_success, response.text
        else:
            assert response.status_code == 400
            assert "tags" in response.json()["message"]
    if not accepted:
        listed = await live_flow.request("GET", "/memory-blobs", params={"user_id": grant.user_id})
        # Only the memory made for the PATCH, untouched: the refused writes stored nothing.
        assert [memory["tags"] for memory in listed.json()["memoryBlobs"]] == [[]]


def test_spec_declares_the_tag_limits_and_the_413s() -> None:
    """openapi.yaml states the server's tag bounds and the 413 on every operation with a body."""
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    schemas = spec["components"]["schemas"]
    for name in ("CreateMemoryRequest", "UpdateMemoryRequest"):
        tags = schemas[name]["properties"]["tags"]
        assert tags["maxItems"] == MAX_TAGS, name
        assert tags["items"]["maxLength"] == MAX_TAG_LENGTH, name
    for path, method in (
        ("/auth/token", "post"),
        ("/access-requests", "post"),
        ("/memory-blobs", "post"),
        ("/memory-blobs/{blobId}", "patch"),
    ):
        declared = spec["paths"][path][method]["responses"]["413"]
        assert declared["$ref"] == "#/components/responses/PayloadTooLarge", path
    assert str(MAX_BODY_BYTES) in spec["components"]["responses"]["PayloadTooLarge"]["description"]


def _raw_exchange(sock: socket.socket, request: bytes) -> bytes:
    """Send one HTTP/1.1 request on a kept-alive socket and read one whole response."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        body += chunk
    return head + b"\r\n\r\n" + body


def _post(path: str, body: bytes, port: int) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


@pytest.mark.parametrize(
    "body",
    [
        b'{"api_key": ' + b"9" * 4301 + b"}",
        b'{"api_key": "x", "expires_in": ' + b"1" * 5000 + b"}",
        b"\xff\xfe{}",
        b"[" * 100_000,
        b'{"api_key": NaN}',
        b'{"api_key": "mem_',
    ],
    ids=["4301-digits", "5000-digits", "bad-utf8", "deep-nesting", "nan", "truncated"],
)
def test_unparseable_bodies_are_400_and_keep_the_connection(
    server: LocalServer, body: bytes
) -> None:
    """Any body that does not parse is a 400 (never a 500) and the keep-alive connection lives."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=DEADLINE) as sock:
        answer = _raw_exchange(sock, _post("/api/v1/auth/token", body, server.port))
        assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
        again = _raw_exchange(
            sock,
            _post(
                "/api/v1/auth/token", b'{"api_key": "%s"}' % server.api_key.encode(), server.port
            ),
        )
        assert again.startswith(b"HTTP/1.1 200 "), again[:200]
    assert server.stats.statuses.get(500, 0) == 0


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_oversized_body_is_413_stating_the_limit(server: LocalServer, chunked: bool) -> None:
    """A body over 1 MiB is refused 413 with the limit in the message, declared or streamed."""
    payload = b'{"api_key": "' + b"a" * (MAX_BODY_BYTES + 10) + b'"}'

    def stream() -> Iterator[bytes]:
        for start in range(0, len(payload), 65536):
            yield payload[start : start + 65536]

    content: Any = stream() if chunked else payload
    response = httpx.post(
        f"{server.base_url}/auth/token",
        content=content,
        headers={"Content-Type": "application/json"},
        trust_env=False,
        timeout=DEADLINE,
    )
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert f"{MAX_BODY_BYTES} bytes" in response.json()["message"]
    assert server.stats.tokens_issued == 0


async def test_an_empty_cursor_asks_for_the_first_page(live_flow: LocalFlow) -> None:
    """`cursor=` (valid by the spec) is the first page, like no cursor at all."""
    grant = await live_flow.grant()
    created = [await live_flow.create(grant, content=f"c{n}") for n in range(3)]
    params = {"user_id": grant.user_id, "limit": "2"}
    first = await live_flow.request("GET", "/memory-blobs", params=params)
    empty = await live_flow.request("GET", "/memory-blobs", params={**params, "cursor": ""})
    assert empty.status_code == 200, empty.text
    assert [m["id"] for m in empty.json()["memoryBlobs"]] == [created[2]["id"], created[1]["id"]]
    assert empty.json()["memoryBlobs"] == first.json()["memoryBlobs"]
    assert empty.json()["next_cursor"] is not None


def _modes(db: Path) -> dict[str, int]:
    return {
        path.name: stat.S_IMODE(path.stat().st_mode)
        for path in db.parent.iterdir()
        if path.name.startswith(db.name)
    }


@pytest.mark.parametrize("existing", [False, True], ids=["new-file", "existing-0644"])
def test_database_files_are_owner_only(tmp_path: Path, existing: bool) -> None:
    """The database and its -wal/-shm companions are 0600, also when the umask is lax."""
    db = tmp_path / "memoram.db"
    if existing:
        db.touch()
        db.chmod(0o644)
    previous = os.umask(0o022)
    try:
        with LocalServer(db=str(db), auto_approve=True) as server:
            response = httpx.post(
                f"{server.base_url}/auth/token", json={"api_key": server.api_key}, trust_env=False
            )
            assert response.status_code == 200
            assert server.app.store.count_memories() == 0
            modes = _modes(db)
    finally:
        os.umask(previous)
    assert {"memoram.db", "memoram.db-wal", "memoram.db-shm"} <= set(modes), modes
    assert set(modes.values()) == {0o600}, modes


@pytest.mark.parametrize("length", [MEMORY_KEY_MAX_LENGTH + 1, 1_000_000])
async def test_an_oversized_memory_key_is_refused_everywhere(
    live_flow: LocalFlow, length: int
) -> None:
    """A memoryKey over 256 characters is a 400 naming the bound on every write: nothing
    stored, and the developer's listing stays small however often it is tried."""
    grant = await live_flow.grant("k" * MEMORY_KEY_MAX_LENGTH)
    long_key = "k" * length
    created = await live_flow.create(grant)
    user = {"user_id": grant.user_id, "memoryKey": long_key}
    attempts = [
        ("POST", "/access-requests", {"memoryKey": long_key, "reason": "big"}),
        ("POST", "/memory-blobs", {**user, "content": "c"}),
        ("PATCH", f"/memory-blobs/{created['id']}", user),
    ]
    for _ in range(3):
        for method, path, body in attempts:
            response = await live_flow.request(method, path, json=body)
            assert response.status_code == 400, (method, path)
            assert response.json()["message"] == (
                f"`memoryKey` must be at most {MEMORY_KEY_MAX_LENGTH} characters."
            )
            assert long_key not in response.text
    listing = await live_flow.request("GET", "/access-requests")
    assert listing.json()["total"] == 1
    assert len(listing.content) < 2_000
    memories = await live_flow.request("GET", "/memory-blobs", params={"user_id": grant.user_id})
    assert len(memories.json()["memoryBlobs"]) == 1
