"""Plain http only to this machine, decided by address before any byte is sent; the resolver is
stubbed, and requests go to a recording MockTransport (never to the network)."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from memoram_async import APIConnectionError, MemoramClient, ValidationError
from memoram_async._loopback import HostCheck, literal_verdict
from tests.support.fake_api import API_KEY, FakeAPI
from tests.support.stub_resolver import StubResolver

REMOTE = "203.0.113.7"  # TEST-NET-3: stands for any address off this machine


@pytest.mark.parametrize(
    ("host", "verdict"),
    [
        ("localhost", True),
        ("LocalHost", True),
        ("127.0.0.1", True),
        ("127.5.5.5", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("10.0.0.1", False),
        ("[2001:db8::1]", False),
        ("::ffff:10.0.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 - a host to decide, nothing binds
        ("app.localhost", None),
        ("localhost.localdomain", None),
        ("localhost.", None),
        ("example.com", None),
        ("127.0.0.1.nip.io", None),
    ],
)
def test_only_localhost_and_ip_literals_are_decided_without_resolving(
    host: str, verdict: bool | None
) -> None:
    """localhost and loopback literals are this machine, other literals not; names must resolve."""
    assert literal_verdict(host) is verdict


def test_plain_http_to_a_remote_ip_literal_is_refused_at_construction() -> None:
    """An IP literal off this machine is refused before the client exists, naming both fixes."""
    with pytest.raises(ValidationError, match="allow_insecure_http=True") as info:
        MemoramClient(api_key=API_KEY, base_url="http://10.1.2.3:8765/api/v1")
    assert "https://" in str(info.value)
    client = MemoramClient(
        api_key=API_KEY, base_url="http://10.1.2.3:8765/api/v1", allow_insecure_http=True
    )
    assert client.base_url == "http://10.1.2.3:8765/api/v1"


def _client(fake: FakeAPI, host: str, **kwargs: object) -> MemoramClient:
    return fake.client(base_url=f"http://{host}:8765/api/v1", max_retries=0, **kwargs)


@pytest.mark.parametrize(
    ("host", "addresses"),
    [
        ("x.localhost", [REMOTE]),
        ("localhost.localdomain", [REMOTE]),
        ("devbox.test", ["127.0.0.1", REMOTE]),
        ("devbox.test", ["::1", "192.168.1.5"]),
        ("localhost.", ["10.0.0.2"]),
        ("many.test", [f"10.0.0.{i}" for i in range(1, 6)]),
        ("scoped.test", ["::1", "fe80::1%eth0"]),
        ("odd.test", ["127.0.0.1", "not-an-address"]),
    ],
)
async def test_a_name_resolving_off_loopback_gets_no_byte(
    host: str, addresses: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attack: plain http to a name the resolver maps (partly) off this machine. The first
    call is refused with a ValidationError that says why and how to fix it; nothing was sent, so
    the API key reached no one."""
    resolver = StubResolver({host: addresses}).install(monkeypatch)
    fake = FakeAPI()
    async with _client(fake, host) as client:
        with pytest.raises(ValidationError) as info:
            await client.list_access_requests()
    assert fake.requests == []
    assert resolver.calls == [host]
    text = str(info.value)
    assert repr(host) in text
    assert "not only loopback" in text
    assert "Use https://" in text
    assert "allow_insecure_http=True" in text
    assert "Nothing was sent" in text
    assert ("and 2 more" in text) is (len(addresses) > 3)


@pytest.mark.parametrize(
    ("host", "addresses"),
    [
        ("devbox.test", ["127.0.0.1"]),
        ("app.localhost", ["127.0.0.1", "::1"]),
        ("localhost.localdomain", ["127.0.1.1"]),
        ("mapped.test", ["::ffff:127.0.0.1"]),
    ],
)
async def test_a_name_resolving_to_loopback_only_is_used(
    host: str, addresses: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name whose every address is loopback carries plain http; it is resolved once for the
    client and its with_options copies."""
    resolver = StubResolver({host: addresses}).install(monkeypatch)
    fake = FakeAPI()
    async with _client(fake, host) as client:
        await client.list_access_requests()
        await client.with_options(timeout=5).list_access_requests()
    assert len(fake.requests) == 3  # the token, then two listings
    assert resolver.calls == [host]


async def test_a_refusal_is_kept_without_resolving_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once refused, every later call is refused the same way, from the kept verdict."""
    resolver = StubResolver({"x.localhost": [REMOTE]}).install(monkeypatch)
    fake = FakeAPI()
    async with _client(fake, "x.localhost") as client:
        for _ in range(3):
            with pytest.raises(ValidationError, match="not only loopback"):
                await client.list_access_requests()
    assert resolver.calls == ["x.localhost"]
    assert fake.requests == []


async def test_a_name_that_cannot_be_resolved_is_a_connection_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No answer from the resolver: an APIConnectionError saying the host could not be checked;
    nothing sent, and the next call asks the resolver again."""
    resolver = StubResolver({"gone.test": socket.gaierror(-2, "Name or service not known")})
    resolver.install(monkeypatch)
    fake = FakeAPI()
    async with _client(fake, "gone.test") as client:
        for _ in range(2):
            with pytest.raises(APIConnectionError, match=r"cannot resolve 'gone\.test'"):
                await client.list_access_requests()
    assert fake.requests == []
    assert resolver.calls == ["gone.test", "gone.test"]


async def test_allow_insecure_http_sends_anywhere_and_resolves_only_for_proxies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With allow_insecure_http=True a remote name is used; with transport= given nothing needs
    the verdict, so the name is not even resolved."""
    resolver = StubResolver({"x.localhost": [REMOTE]}).install(monkeypatch)
    fake = FakeAPI()
    async with _client(fake, "x.localhost", allow_insecure_http=True) as client:
        await client.list_access_requests()
    assert len(fake.requests) == 2
    assert resolver.calls == []


async def test_https_and_literals_never_ask_the_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    """https (any host), localhost and loopback literals are sent without resolving first."""
    resolver = StubResolver({}).install(monkeypatch)
    for base_url in (
        "https://api.test/api/v1",
        "http://localhost:8765/api/v1",
        "http://127.0.0.1:8765/api/v1",
        "http://[::1]:8765/api/v1",
    ):
        fake = FakeAPI()
        async with fake.client(base_url=base_url) as client:
            await client.list_access_requests()
        assert len(fake.requests) == 2
    assert resolver.calls == []


@pytest.mark.parametrize(
    ("url", "answers", "allow", "bypass"),
    [
        ("http://127.0.0.1:8000/api/v1", {}, False, True),
        ("http://localhost:8000/api/v1", {}, False, True),
        ("http://[::1]:8000/api/v1", {}, False, True),
        ("http://devbox.test/api/v1", {"devbox.test": ["127.0.0.1"]}, False, True),
        ("http://devbox.test/api/v1", {"devbox.test": [REMOTE]}, True, False),
        ("http://gone.test/api/v1", {"gone.test": socket.gaierror(-2, "x")}, True, False),
        ("http://10.0.0.5/api/v1", {}, True, False),
        ("https://127.0.0.1:8000/api/v1", {}, False, False),
        ("https://api.memoram.app/api/v1", {}, False, False),
    ],
)
async def test_only_plain_http_to_loopback_bypasses_proxy_variables(
    url: str,
    answers: dict[str, list[str] | BaseException],
    allow: bool,
    bypass: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The SDK's own client ignores *_PROXY only for plain http to this machine, by the same
    verdict (a name resolving to loopback counts; one that cannot be resolved does not)."""
    StubResolver(answers).install(monkeypatch)
    check = HostCheck(url, allow_insecure_http=allow, decides_proxies=True)
    if not check.cleared:
        await check.check(1.0)
    assert check.bypasses_proxies is bypass


async def test_concurrent_first_calls_resolve_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Twenty calls started together on a fresh client wait for one resolution, not twenty."""
    resolver = StubResolver({"devbox.test": ["127.0.0.1"]}).install(monkeypatch)
    fake = FakeAPI()
    fake.valid_tokens.add("fixed-jwt")  # a fixed token: no token fetch lines the calls up
    async with _client(fake, "devbox.test", api_key=None, token="fixed-jwt") as client:
        await asyncio.gather(*(client.list_access_requests() for _ in range(20)))
    assert resolver.calls == ["devbox.test"]


async def test_a_resolver_that_hangs_is_bounded_by_the_connect_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A resolver that never answers costs at most the connect timeout, then a connection error;
    nothing is sent."""

    async def hang(*_: object, **__: object) -> list[object]:
        await asyncio.sleep(60)
        return []

    StubResolver({}).install(monkeypatch)
    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", hang)
    fake = FakeAPI()
    timeout = httpx.Timeout(10.0, connect=0.05)
    async with _client(fake, "slow.test", timeout=timeout) as client, asyncio.timeout(5):
        with pytest.raises(APIConnectionError, match=r"cannot resolve 'slow\.test'"):
            await client.list_access_requests()
    assert fake.requests == []


def test_a_remote_literal_is_refused_by_the_check_itself() -> None:
    """The host check refuses a remote IP literal on its own, whatever built it."""
    check = HostCheck("http://10.0.0.5/api/v1", allow_insecure_http=False, decides_proxies=True)
    assert not check.cleared
    with pytest.raises(ValidationError, match=r"10\.0\.0\.5"):
        asyncio.run(check.check(1.0))
