"""DefaultAioHttpClient: its defaults, the one-line hint without the extra, its failure mapping."""

from __future__ import annotations

import sys

import aiohttp
import httpx
import pytest

from memoram_async import DefaultAioHttpClient, MemoramClient
from memoram_async._aiohttp_transport import AiohttpTransport, _sent_failure
from memoram_async._constants import AIOHTTP_CONNECTION_LIMITS, DEFAULT_TIMEOUT
from memoram_async._retry import NEVER_SENT


def test_without_the_extra_construction_names_the_package_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without httpx-aiohttp, DefaultAioHttpClient() raises ImportError with the pip command."""
    monkeypatch.setitem(sys.modules, "httpx_aiohttp", None)
    with pytest.raises(ImportError) as caught:
        DefaultAioHttpClient()
    message = str(caught.value)
    assert "pip install 'memoram-async[aiohttp]'" in message
    assert "\n" not in message


def test_http2_is_refused_with_the_reason() -> None:
    """http2=True is a ValueError saying aiohttp speaks HTTP/1.1 only."""
    with pytest.raises(ValueError, match=r"HTTP/1\.1 only"):
        DefaultAioHttpClient(http2=True)


async def test_defaults_are_the_sdks_and_arguments_override_them() -> None:
    """Timeout, pool limits and User-Agent are the SDK's; any httpx argument given wins."""
    async with DefaultAioHttpClient() as client:
        assert isinstance(client, httpx.AsyncClient)
        assert client.timeout == DEFAULT_TIMEOUT
        assert client.headers["User-Agent"] == "memoram-async"
        transport = client._transport
        assert isinstance(transport, AiohttpTransport)
        assert transport.limits == AIOHTTP_CONNECTION_LIMITS
    limits = httpx.Limits(max_connections=7)
    async with DefaultAioHttpClient(timeout=3.0, limits=limits) as client:
        assert client.timeout == httpx.Timeout(3.0)
        assert isinstance(client._transport, AiohttpTransport)
        assert client._transport.limits == limits


async def test_plain_http_to_loopback_is_never_proxied(monkeypatch: pytest.MonkeyPatch) -> None:
    """With HTTP_PROXY set, loopback http goes direct while other hosts use the proxy."""
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    async with DefaultAioHttpClient() as client:
        for url in ("http://127.0.0.1:8000/", "http://localhost:8000/", "http://[::1]:8000/"):
            assert client._transport_for_url(httpx.URL(url)) is client._transport
        proxied = client._transport_for_url(httpx.URL("http://example.com/"))
        assert proxied is not client._transport
        assert isinstance(proxied, AiohttpTransport)
        assert proxied.proxy is not None


def test_a_given_transport_is_used() -> None:
    """transport= replaces aiohttp's transport, as with httpx.AsyncClient."""
    mock = httpx.MockTransport(lambda request: httpx.Response(204))
    client = DefaultAioHttpClient(transport=mock)
    assert client._transport is mock


def _connect_timeout_from(cause: BaseException) -> httpx.ConnectTimeout:
    exc = httpx.ConnectTimeout("mapped by httpx-aiohttp")
    exc.__cause__ = cause
    return exc


@pytest.mark.parametrize(
    ("cause", "expected"),
    [
        (aiohttp.ServerDisconnectedError(), httpx.RemoteProtocolError),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), httpx.ReadError),
        (aiohttp.ConnectionTimeoutError("connect"), httpx.ConnectTimeout),
    ],
)
def test_only_failures_before_sending_stay_never_sent(
    cause: BaseException, expected: type[httpx.TransportError]
) -> None:
    """A dropped or reset connection is not 'never sent' (a create must not be retried)."""
    translated = _sent_failure(_connect_timeout_from(cause))
    assert type(translated) is expected
    assert isinstance(translated, NEVER_SENT) == (expected is httpx.ConnectTimeout)


def test_memoram_client_accepts_it() -> None:
    """MemoramClient(http_client=DefaultAioHttpClient()) is a valid configuration."""
    http_client = DefaultAioHttpClient()
    client = MemoramClient(api_key="mem_" + "ab" * 24, http_client=http_client)
    assert client.base_url.startswith("https://")
