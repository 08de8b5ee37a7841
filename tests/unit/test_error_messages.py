"""Errors name what was tried: the host and port, the production default, the way out of plain
http to a host that is not this machine, and a 403 hint that matches the server's cause."""

from __future__ import annotations

import httpx
import pytest

from memoram_async import APIConnectionError, MemoramClient, PermissionDeniedError, ValidationError
from memoram_async._translate import forbidden_hint
from tests.support.fake_api import API_KEY, BASE_URL, FakeAPI, credentials


def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("All connection attempts failed", request=request)


@pytest.mark.parametrize(
    ("base_url", "where"),
    [("http://127.0.0.1:9/api/v1", "from 127.0.0.1:9 ("), (BASE_URL, "from api.test:443 (")],
)
async def test_a_connection_error_names_host_and_port(base_url: str, where: str) -> None:
    """The message says which host and port got no answer."""
    async with MemoramClient(
        api_key=API_KEY, base_url=base_url, transport=httpx.MockTransport(refuse), max_retries=0
    ) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.list_access_requests()
    assert f"got no answer {where}" in str(info.value)
    assert "production" not in str(info.value)


async def test_without_base_url_the_error_says_it_used_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No base_url and no MEMORAM_BASE_URL: the message names the production URL as the default."""
    monkeypatch.delenv("MEMORAM_BASE_URL", raising=False)
    async with MemoramClient(
        api_key=API_KEY, transport=httpx.MockTransport(refuse), max_retries=0
    ) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.list_access_requests()
    message = str(info.value)
    assert "from api.memoram.app:443 (the production API, https://api.memoram.app/api/v1" in message
    assert "neither base_url nor MEMORAM_BASE_URL is set" in message


def test_plain_http_to_another_host_says_it_is_not_loopback_and_both_fixes() -> None:
    """http:// to an address that is not this machine names it and each way out."""
    with pytest.raises(ValidationError) as info:
        MemoramClient(api_key=API_KEY, base_url="http://10.1.2.3:8765/api/v1")
    message = str(info.value)
    assert "10.1.2.3, which is not a loopback address" in message
    for fix in ("write localhost or 127.0.0.1", "use https://", "allow_insecure_http=True"):
        assert fix in message


@pytest.mark.parametrize(
    ("server_said", "advice"),
    [
        ("The memory key does not belong to this user.", "memory key sent is not this user's"),
        ("This developer has no approved access to this user's memories.", "no approved access"),
        ("Access was revoked by the user.", "revoked this app's access"),
        (None, "Check that the user approved"),
    ],
)
def test_the_403_advice_follows_the_servers_cause(server_said: str | None, advice: str) -> None:
    """Wrong memory key, no approval and revocation each get their own advice."""
    assert advice in forbidden_hint(server_said)


async def test_a_403_for_a_wrong_memory_key_says_so() -> None:
    """Through the client: a 403 naming the memory key is told to use the credentials' key."""
    fake = FakeAPI()
    fake.fail(
        "POST",
        "/memory-blobs",
        httpx.Response(
            403,
            json={"error": "forbidden", "message": "The memory key does not belong to this user."},
        ),
    )
    async with fake.client() as c:
        with pytest.raises(PermissionDeniedError) as info:
            await c.user(credentials()).create_memory("x")
    assert "use the memory_key of the same credentials" in str(info.value)
    assert "Check that the user approved" not in str(info.value)
