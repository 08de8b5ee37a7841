"""The dashboard side (/local) refuses DNS-rebinding hosts and cross-site state changes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from memoram_async.local import create_app
from memoram_async.local._guard import is_loopback_host


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    with create_app() as app:
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


async def test_rebound_host_cannot_read_keys(client: httpx.AsyncClient) -> None:
    """A request whose Host is a foreign name gets 403 with the Error body, not data."""
    response = await client.get("http://evil.example:8765/local/access-requests")
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert (await client.get("http://localhost:8765/local/access-requests")).status_code == 200


async def test_cross_site_post_is_refused(client: httpx.AsyncClient) -> None:
    """A browser POST from another site (Origin or Sec-Fetch-Site) cannot approve."""
    url = "http://127.0.0.1:8765/local/access-requests/nope/approve"
    for headers in (
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://127.0.0.1:9999"},
    ):
        response = await client.post(url, headers=headers)
        assert response.status_code == 403, headers
    same_origin = await client.post(url, headers={"Origin": "http://127.0.0.1:8765"})
    assert same_origin.status_code == 404  # allowed through; the id is unknown
    scripted = await client.post(url)
    assert scripted.status_code == 404


async def test_api_is_not_affected_by_the_dashboard_guard(client: httpx.AsyncClient) -> None:
    """/api/v1 is authenticated by tokens and keeps answering any Host."""
    response = await client.post(
        "http://api.example/api/v1/auth/token", json={"api_key": "mem_" + "0" * 48}
    )
    assert response.status_code == 401
