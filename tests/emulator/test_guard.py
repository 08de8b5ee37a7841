"""The guard, in-process: foreign Host names refused on every route, /local behind the dashboard
token, cross-site state changes refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from memoram_local import create_app
from memoram_local._guard import is_loopback_host

TOKEN = "fixed-dashboard-token-for-tests"
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
        ({"headers": {"Cookie": "memoram_local_token=" + TOKEN}}, 200),
        ({"headers": TOKEN_HEADER}, 200),
        ({"params": {"token": TOKEN}}, 200),
    ],
)
async def test_local_needs_the_dashboard_token(
    client: httpx.AsyncClient, kwargs: dict[str, Any], expected: int
) -> None:
    """Every /local request carries the token (query, header or cookie) or is refused 401."""
    for path in ("/local/access-requests", "/local/", "/local/stats", "/local/tables"):
        response = await client.get("http://localhost" + path, **kwargs)
        assert response.status_code == expected, path
        if expected == 401:
            assert "X-Memoram-Local-Token" in response.json()["message"]
            assert TOKEN not in response.text


async def test_a_token_in_the_url_is_kept_in_a_strict_cookie(client: httpx.AsyncClient) -> None:
    """Opening /local/?token=... sets an HttpOnly, SameSite=Strict cookie scoped to /local."""
    response = await client.get("http://localhost/local/", params={"token": TOKEN})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"memoram_local_token={TOKEN};")
    assert "Path=/local" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert (
        "set-cookie"
        not in (await client.get("http://localhost/local/", headers=TOKEN_HEADER)).headers
    )
    refused = await client.get("http://localhost/local/", params={"token": "x" * 32})
    assert "set-cookie" not in refused.headers


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
