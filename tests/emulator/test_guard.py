"""The guard, in-process: foreign Host names refused on every route, /local behind the dashboard
token, cross-site state changes refused."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.routing import Mount, Route

from memoram_local import LocalApp, create_app
from memoram_local._guard import is_loopback_host
from memoram_local._routes import STATIC_DIRECTORY

TOKEN = "fixed-dashboard-token-for-tests"
LOCAL = "/local"
TOKEN_HEADER = {"X-Memoram-Local-Token": TOKEN}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of an app with a known dashboard token (not sent by default)."""
    with create_app(dashboard_token=TOKEN, allowed_hosts=["memoram.test"]) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport) as http:
            yield http


@pytest.mark.parametrize(
    ("authority", "expected"),
    [
        ("localhost", True),
        ("localhost:8765", True),
        ("LOCALHOST:1", True),
        ("app.localhost:80", True),
        ("127.0.0.1:8765", True),
        ("127.1.2.3", True),
        ("[::1]:8765", True),
        ("[::1]", True),
        ("evil.example:8765", False),
        ("127.0.0.1.evil.example", False),
        ("192.168.1.10:8765", False),
        ("0.0.0.0:8765", False),
        ("", False),
        ("[::1", False),
    ],
)
def test_loopback_host_names(authority: str, expected: bool) -> None:
    """Only names of this machine count as loopback."""
    assert is_loopback_host(authority) is expected


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example:8765/local/access-requests",
        "http://evil.example:8765/local/",
        "http://evil.example/api/v1/access-requests",
        "http://127.0.0.1.evil.example/api/v1/tags",
    ],
)
async def test_rebound_host_is_refused_on_every_route(client: httpx.AsyncClient, url: str) -> None:
    """A request whose Host is a foreign name gets 421 naming --allow-host, not data."""
    response = await client.get(url, headers=TOKEN_HEADER)
    assert response.status_code == 421
    assert response.json()["error"] == "misdirected_request"
    assert "--allow-host" in response.json()["message"]


async def test_an_allowed_host_is_served(client: httpx.AsyncClient) -> None:
    """A name given in allowed_hosts is served like a loopback name."""
    response = await client.get(
        "http://memoram.test:80/local/access-requests", headers=TOKEN_HEADER
    )
    assert response.status_code == 200
    assert (
        await client.get("http://localhost/local/access-requests", headers=TOKEN_HEADER)
    ).is_success


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, 401),
        ({"headers": {"X-Memoram-Local-Token": "wrong-token-wrong-token"}}, 401),
        ({"params": {"token": TOKEN[:-1]}}, 401),
        ({"headers": {"Cookie": "memoram_local_token=nope"}}, 401),
        ({"headers": {"Cookie": "memoram_local_token=" + TOKEN}}, 401),
        ({"headers": TOKEN_HEADER}, 200),
        ({"params": {"token": TOKEN}}, 200),
    ],
    ids=["absent", "bad-header", "bad-query", "bad-cookie", "right-cookie", "header", "query"],
)
async def test_local_needs_the_dashboard_token(
    client: httpx.AsyncClient, kwargs: dict[str, Any], expected: int
) -> None:
    """Every /local request carries the token (header or query) or is refused 401; a cookie
    carries nothing."""
    for path in ("/local/access-requests", "/local/stats", "/local/tables"):
        response = await client.get("http://localhost" + path, **kwargs)
        assert response.status_code == expected, path
        if expected == 401:
            assert "X-Memoram-Local-Token" in response.json()["message"]
            assert TOKEN not in response.text


async def test_the_page_without_its_token_is_a_locked_shell(client: httpx.AsyncClient) -> None:
    """Opened without the token, the page is a 401 holding no data, only its nonce'd script."""
    with create_app(dashboard_token=TOKEN) as app:
        view, _ = app.store.create_access_request("app", "mk_locked_0123456789", "Locked reason")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
            locked = await http.get("http://localhost/local/")
            opened = await http.get("http://localhost/local/", params={"token": TOKEN})
    assert locked.status_code == 401
    assert locked.headers["content-type"].startswith("text/html")
    assert 'id="locked"' in locked.text
    assert view["id"] not in locked.text
    assert "Locked reason" not in locked.text
    assert "script-src 'nonce-" in locked.headers["content-security-policy"]
    assert opened.status_code == 200
    assert view["id"] in opened.text
    assert 'id="locked"' not in opened.text


async def test_no_answer_sets_a_cookie(client: httpx.AsyncClient) -> None:
    """Even opened with the right token, no answer sets a cookie (cookies go to every port)."""
    for kwargs in ({"params": {"token": TOKEN}}, {"headers": TOKEN_HEADER}):
        for path in ("/local/", "/local/tables", "/local/health", "/local/static/dashboard.js"):
            response = await client.get("http://localhost" + path, **kwargs)
            assert response.is_success, path
            assert "set-cookie" not in response.headers, path
    assert not client.cookies


@pytest.mark.parametrize("path", ["/local/health", "/local/static/dashboard.js"])
async def test_open_paths_need_no_token(client: httpx.AsyncClient, path: str) -> None:
    """The liveness answer and the static files reveal nothing and need no token."""
    assert (await client.get("http://localhost" + path)).status_code == 200
    assert (await client.get("http://evil.example" + path)).status_code == 421


async def test_cross_site_post_is_refused(client: httpx.AsyncClient) -> None:
    """A browser POST from another site (Origin or Sec-Fetch-Site) cannot approve."""
    url = "http://127.0.0.1:8765/local/access-requests/nope/approve"
    for headers in (
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://127.0.0.1:9999"},
    ):
        response = await client.post(url, headers={**headers, **TOKEN_HEADER})
        assert response.status_code == 403, headers
    same_origin = await client.post(
        url, headers={"Origin": "http://127.0.0.1:8765", **TOKEN_HEADER}
    )
    assert same_origin.status_code == 404  # allowed through; the id is unknown
    scripted = await client.post(url, headers=TOKEN_HEADER)
    assert scripted.status_code == 404


def _local_paths(app: LocalApp, request_id: str, user_id: str) -> list[tuple[str, str]]:
    """Every /local route (its own methods and the unsafe POST), ids filled in, static files, and
    made-up paths."""
    (local,) = (route for route in app.routes if isinstance(route, Mount) and route.path == LOCAL)
    paths: list[tuple[str, str]] = []
    for route in local.routes:
        if isinstance(route, Route):
            path = "/local" + route.path.format(
                requestId=request_id, user_id=user_id, aiConnectorId="app"
            )
            paths += [(method, path) for method in sorted({*(route.methods or ()), "POST"})]
    paths += [("GET", f"/local/static/{file.name}") for file in STATIC_DIRECTORY.iterdir()]
    paths += [("GET", "/local"), ("GET", "/local/nope"), ("GET", "/local/static/nope.css")]
    return paths


_NO_TOKEN: list[dict[str, Any]] = [
    {},
    {"params": {"token": ""}},
    {"params": {"token": "x"}},
    {"params": {"token": "anything-anything-anything"}},
    {"headers": {"X-Memoram-Local-Token": ""}},
    {"headers": {"X-Memoram-Local-Token": "wrong-token-wrong-token"}},
    {"headers": {"Cookie": "memoram_local_token=wrong"}},
]


@pytest.mark.parametrize("attempt", _NO_TOKEN, ids=lambda attempt: repr(attempt) or "absent")
async def test_no_answer_hands_the_token_to_a_client_without_it(attempt: dict[str, Any]) -> None:
    """A client with a wrong, empty or absent token finds the real one in no header and no body,
    on any /local path, whatever it answers."""
    with create_app(dashboard_token=TOKEN) as app:
        view, _ = app.store.create_access_request("app", "mk_scan_0123456789", "scan")
        app.store.decide(view["id"], "approve")
        user_id = app.store.memory_key(view["id"])["user_id"]
        transport = httpx.ASGITransport(app=app)
        for method, path in _local_paths(app, view["id"], user_id):
            # A fresh client each time: nothing carried over from an earlier answer.
            async with httpx.AsyncClient(transport=transport) as attacker:
                response = await attacker.request(method, "http://127.0.0.1" + path, **attempt)
            seen = b"".join(name + b": " + value for name, value in response.headers.raw)
            assert TOKEN.encode() not in seen + response.content, (method, path)
            assert "set-cookie" not in response.headers, (method, path)


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("dashboard_token", "short-token", "at least 16"),
        ("dashboard_token", "x" * 64, "too predictable"),
        ("dashboard_token", "passwordpassword", "too predictable"),
        ("dashboard_token", "tab\there-0123456789", "printable"),
        ("secret", "s3cret", "at least 16"),
        ("secret", "ab" * 20, "too predictable"),
        ("secret", "", "at least 16"),
    ],
)
def test_weak_tokens_and_secrets_are_refused(option: str, value: str, expected: str) -> None:
    """A short or predictable dashboard token or signing secret is a ValueError naming it and
    saying how to make a good one; the value itself is not echoed."""
    with pytest.raises(ValueError, match=expected) as caught:
        create_app(**{option: value})
    message = str(caught.value)
    assert option.replace("_", " ") in message
    assert "secrets.token_urlsafe" in message
    assert value not in message or not value


def test_random_tokens_and_secrets_are_accepted() -> None:
    """What `secrets` makes (the printed advice) passes the floor."""
    token, secret = secrets.token_urlsafe(16), secrets.token_hex(16)
    with create_app(dashboard_token=token, secret=secret) as app:
        assert app.config.dashboard_token == token
        assert app.config.secret == secret


async def _websocket_answer(
    app: LocalApp, path: str, headers: list[tuple[bytes, bytes]], *, denial: bool = True
) -> list[Any]:
    """Run a raw ASGI websocket scope through the app; the messages it sends back (`denial`:
    whether the server offers the denial-response extension)."""
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "http_version": "1.1",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8765),
        "subprotocols": [],
        "extensions": {"websocket.http.response": {}} if denial else {},
        "state": {},
    }
    sent: list[Any] = []
    incoming = [{"type": "websocket.connect"}]

    async def receive() -> Any:
        return incoming.pop(0) if incoming else {"type": "websocket.disconnect", "code": 1000}

    async def send(message: Any) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


@pytest.mark.parametrize(
    ("path", "host", "token", "status"),
    [
        ("/local/access-requests", b"evil.example", TOKEN, 421),
        ("/api/v1/access-requests", b"evil.example", None, 421),
        ("/local/access-requests", b"127.0.0.1:8765", None, 401),
        ("/local/access-requests", b"127.0.0.1:8765", "wrong-token-wrong-token", 401),
    ],
)
async def test_a_websocket_scope_passes_the_same_guards(
    path: str, host: bytes, token: str | None, status: int
) -> None:
    """A websocket handshake with a foreign Host or without the token is denied like HTTP."""
    headers = [(b"host", host)]
    if token is not None:
        headers.append((b"x-memoram-local-token", token.encode()))
    with create_app(dashboard_token=TOKEN) as app:
        sent = await _websocket_answer(app, path, headers)
    assert sent[0]["type"] == "websocket.http.response.start"
    assert sent[0]["status"] == status
    body = b"".join(message.get("body", b"") for message in sent[1:])
    assert TOKEN.encode() not in body
    assert not any(message["type"] == "websocket.accept" for message in sent)


async def test_a_websocket_without_the_denial_extension_is_closed() -> None:
    """A server without the denial-response extension gets a policy-violation close, no accept."""
    with create_app(dashboard_token=TOKEN) as app:
        sent = await _websocket_answer(app, "/local/", [(b"host", b"evil.example")], denial=False)
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": ""}]
