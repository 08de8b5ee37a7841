"""One SSL context per process and configuration, shared by the clients the SDK builds."""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import pytest

from memoram_async import DefaultAioHttpClient, MemoramClient
from memoram_async._tls import shared_ssl_context
from tests.support.fake_api import API_KEY


@pytest.fixture
def contexts(monkeypatch: pytest.MonkeyPatch) -> list[ssl.SSLContext]:
    """Every SSL context httpx's transports end up with, in order."""
    seen: list[ssl.SSLContext] = []
    original = httpx._transports.default.create_ssl_context

    def recording(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        context = original(*args, **kwargs)
        seen.append(context)
        return context

    monkeypatch.setattr(httpx._transports.default, "create_ssl_context", recording)
    return seen


async def test_sdk_clients_share_one_context(contexts: list[ssl.SSLContext]) -> None:
    """Many SDK-owned clients (https and loopback http) send with one and the same context."""
    clients = [
        MemoramClient(api_key=API_KEY, base_url=url)
        for url in ["https://api.example.com/api/v1"] * 3 + ["http://127.0.0.1:9/api/v1"] * 2
    ]
    try:
        for client in clients:
            client._session.connection.client()  # builds its httpx client, sends nothing
    finally:
        for client in clients:
            await client.aclose()
    https = contexts[:3]
    assert len(https) == 3
    assert all(context is https[0] for context in https)
    assert https[0].verify_mode is ssl.CERT_REQUIRED
    assert https[0].check_hostname


def test_aiohttp_client_shares_the_sdks_context() -> None:
    """DefaultAioHttpClient uses the same context as the SDK's own clients."""
    transport = DefaultAioHttpClient()._transport
    assert transport.ssl_context is shared_ssl_context()  # type: ignore[attr-defined]


def test_ca_variables_are_part_of_the_configuration(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """SSL_CERT_FILE changes the context; trust_env=False ignores it."""
    default = shared_ssl_context()
    assert shared_ssl_context() is default
    bundle = tmp_path / "ca.pem"
    bundle.write_text(_certifi_bundle())
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    assert shared_ssl_context() is not default
    assert shared_ssl_context(trust_env=False) is shared_ssl_context(trust_env=False)
    assert shared_ssl_context(trust_env=False) is not shared_ssl_context()


def _certifi_bundle() -> str:
    import certifi

    with open(certifi.where(), encoding="ascii") as bundle:
        return bundle.read()
