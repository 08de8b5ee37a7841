"""Developer tokens: lazy, refreshed early, immune to clock skew, one fetch for many callers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from memoram_async import (
    AuthenticationError,
    ClientClosedError,
    InternalServerError,
    MemoramClient,
)
from memoram_async._auth import (
    TokenGrant,
    TokenManager,
    parse_http_date,
    refresh_delay,
    token_lifetime,
)
from memoram_async._secret import Secret
from tests.support.fake_api import API_KEY, FakeAPI

SERVER_NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lifetime", "delay"), [(3600, 3540), (300, 240), (120, 60), (60, 30), (2, 1), (0, 0), (-5, 0)]
)
def test_refresh_delay_is_60s_early_or_half_life(lifetime: float, delay: float) -> None:
    """A token is refreshed 60 s before expiry, or at half its lifetime if that is sooner."""
    assert refresh_delay(lifetime) == delay


@pytest.mark.parametrize("local_skew_hours", [-5, 0, 3])
def test_lifetime_uses_the_server_clock(local_skew_hours: int) -> None:
    """expires_at minus the server's Date gives the lifetime, whatever the local clock says."""
    local_now = SERVER_NOW + timedelta(hours=local_skew_hours)
    lifetime = token_lifetime(SERVER_NOW + timedelta(seconds=900), SERVER_NOW, local_now)
    assert lifetime == 900


def test_lifetime_falls_back_to_the_local_clock_without_date() -> None:
    """Without a Date header, the local clock is the reference."""
    expires = SERVER_NOW + timedelta(seconds=600)
    assert token_lifetime(expires, None, SERVER_NOW + timedelta(seconds=100)) == 500


def test_parse_http_date() -> None:
    """A Date header parses to an aware datetime; junk and absence give None."""
    assert parse_http_date("Thu, 01 Jan 2026 12:00:00 GMT") == SERVER_NOW
    assert parse_http_date("yesterday") is None
    assert parse_http_date(None) is None


class FakeClock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_manager_refreshes_at_the_margin() -> None:
    """Within the refresh delay the cached token is reused; past it a new one is fetched."""
    clock = FakeClock()
    fetched: list[int] = []

    async def fetch() -> TokenGrant:
        fetched.append(1)
        return TokenGrant(
            Secret(f"t{len(fetched)}"), SERVER_NOW + timedelta(seconds=3600), SERVER_NOW
        )

    manager = TokenManager(fetch, clock=clock)
    assert (await manager.get()).reveal() == "t1"
    clock.now += 3539
    assert (await manager.get()).reveal() == "t1"
    clock.now += 2
    assert (await manager.get()).reveal() == "t2"
    assert manager.fetches == 2


async def test_failed_fetch_is_shared_and_not_cached() -> None:
    """Concurrent waiters share one failed fetch; the next call tries again."""
    calls = 0

    async def fetch() -> TokenGrant:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        if calls == 1:
            raise RuntimeError("boom")
        return TokenGrant(Secret("ok"), SERVER_NOW + timedelta(hours=1), SERVER_NOW)

    manager = TokenManager(fetch)
    results = await asyncio.gather(*(manager.get() for _ in range(20)), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert calls == 1
    assert (await manager.get()).reveal() == "ok"
    assert calls == 2


async def test_cancelled_waiter_does_not_cancel_the_fetch() -> None:
    """A caller cancelled while waiting leaves the shared fetch running for the others."""
    gate = asyncio.Event()

    async def fetch() -> TokenGrant:
        await gate.wait()
        return TokenGrant(Secret("ok"), SERVER_NOW + timedelta(hours=1), SERVER_NOW)

    manager = TokenManager(fetch)
    first = asyncio.ensure_future(manager.get())
    second = asyncio.ensure_future(manager.get())
    await asyncio.sleep(0)
    first.cancel()
    gate.set()
    assert (await second).reveal() == "ok"
    assert manager.fetches == 1


async def test_500_concurrent_cold_callers_make_one_token_request() -> None:
    """500 first calls at once cause exactly one /auth/token request."""
    fake = FakeAPI()
    async with fake.client() as client:
        results = await asyncio.gather(*(client.list_access_requests() for _ in range(500)))
    assert len(results) == 500
    assert fake.token_requests == 1
    assert fake.count("GET", "/access-requests") == 500


@pytest.mark.parametrize("offset_hours", [-10, -2, 0, 5])
async def test_skewed_server_clock_does_not_cause_refreshes(offset_hours: int) -> None:
    """A server clock hours away from ours still gives one token for many calls."""
    fake = FakeAPI(clock_offset=offset_hours * 3600)
    async with fake.client() as client:
        for _ in range(10):
            await client.list_access_requests()
    assert fake.token_requests == 1


async def test_short_lived_tokens_refresh_at_half_life() -> None:
    """With a 1 s lifetime, a call after the half-life fetches a new token before sending."""
    fake = FakeAPI(token_lifetime=1.0)
    async with fake.client() as client:
        await client.list_access_requests()
        manager = client._session.tokens
        assert isinstance(manager, TokenManager)
        manager._refresh_at -= 1.0  # half-life passed
        await client.list_access_requests()
    assert fake.token_requests == 2
    # No 401 was needed: the refresh happened before sending.
    assert fake.count("GET", "/access-requests") == 2


async def test_401_refreshes_once_and_replays_once() -> None:
    """An expired token: one 401, one new token, the same request replayed and answered."""
    fake = FakeAPI()
    async with fake.client() as client:
        await client.list_access_requests()
        fake.valid_tokens.clear()
        assert await client.list_access_requests() == []
    assert fake.token_requests == 2
    assert fake.count("GET", "/access-requests") == 3
    seen = [a for r, a in zip(fake.requests, fake.auth_seen, strict=True) if "access" in str(r.url)]
    tokens = [a.split(".")[1] for a in seen]
    assert tokens == ["tok1", "tok1", "tok2"]


async def test_second_401_raises_authentication_error() -> None:
    """If the replay is refused too, AuthenticationError is raised (no loop)."""
    fake = FakeAPI()
    unauthorized = httpx.Response(401, json={"error": "unauthorized", "message": "nope"})
    fake.fail("GET", "/access-requests", unauthorized, unauthorized, unauthorized)
    async with fake.client() as client:
        with pytest.raises(AuthenticationError) as info:
            await client.list_access_requests()
    assert info.value.status_code == 401
    assert fake.count("GET", "/access-requests") == 2
    assert fake.token_requests == 2


async def test_burst_of_401s_for_one_token_makes_one_refresh() -> None:
    """50 calls that all meet the same expired token cause one new token, not 50."""
    fake = FakeAPI()
    async with fake.client() as client:
        await client.list_access_requests()
        fake.valid_tokens.clear()
        await asyncio.gather(*(client.list_access_requests() for _ in range(50)))
    assert fake.token_requests == 2


async def test_rejected_api_key_says_to_check_the_environment_variable() -> None:
    """A 401 from /auth/token is an AuthenticationError naming MEMORAM_API_KEY, sent once."""
    fake = FakeAPI()
    async with fake.client(api_key="mem_" + "cd" * 24) as client:
        results = await asyncio.gather(
            *(client.list_access_requests() for _ in range(100)), return_exceptions=True
        )
    assert all(isinstance(r, AuthenticationError) for r in results)
    error = results[0]
    assert isinstance(error, AuthenticationError)
    assert "MEMORAM_API_KEY" in str(error)
    assert error.path == "/auth/token"
    assert fake.token_requests == 1
    assert fake.count("GET", "/access-requests") == 0


async def test_token_call_is_retried() -> None:
    """A 503 from /auth/token is retried like any read."""
    fake = FakeAPI()
    fake.fail("POST", "/auth/token", httpx.Response(503), httpx.ConnectError("refused"))
    async with fake.client() as client:
        await client.list_access_requests()
    assert fake.count("POST", "/auth/token") == 3


@pytest.mark.parametrize("max_retries", [0, 2, 5])
async def test_token_call_retries_as_often_as_the_client(max_retries: int) -> None:
    """The token fetch follows the client's max_retries, not a fixed count."""
    fake = FakeAPI()
    fake.fail("POST", "/auth/token", *[httpx.Response(503) for _ in range(max_retries + 1)])
    async with fake.client(max_retries=max_retries) as client:
        with pytest.raises(InternalServerError):
            await client.list_access_requests()
        assert fake.count("POST", "/auth/token") == max_retries + 1
        await client.list_access_requests()  # the next call fetches a token afresh


async def test_fixed_token_is_used_as_is_and_never_refreshed() -> None:
    """token=... skips /auth/token; a 401 then raises, telling how to fix it."""
    fake = FakeAPI()
    fake.valid_tokens.add("eyJfixed.tok.sig")
    client = MemoramClient(
        token="eyJfixed.tok.sig",
        base_url="https://api.test/api/v1",
        transport=httpx.MockTransport(fake.handler),
    )
    async with client:
        await client.list_access_requests()
        fake.valid_tokens.clear()
        with pytest.raises(AuthenticationError, match="token="):
            await client.list_access_requests()
    assert fake.token_requests == 0
    assert fake.count("GET", "/access-requests") == 2


async def test_token_request_carries_the_api_key_and_no_bearer() -> None:
    """/auth/token gets the API key in its body and no Authorization header."""
    fake = FakeAPI()
    async with fake.client() as client:
        await client.list_access_requests()
    token_request = fake.requests[0]
    assert token_request.url.path.endswith("/auth/token")
    assert "authorization" not in token_request.headers
    assert API_KEY in token_request.content.decode()


async def test_token_fetch_does_not_inherit_a_callers_timeout() -> None:
    """A token fetched for a with_options(timeout=...) call uses the client's own timeout."""
    fake = FakeAPI()
    async with fake.client(timeout=20.0) as client:
        await client.with_options(timeout=0.5).list_access_requests()
    token_request = next(r for r in fake.requests if r.url.path.endswith("/auth/token"))
    listing = next(r for r in fake.requests if r.url.path.endswith("/access-requests"))
    assert token_request.extensions["timeout"]["read"] == 20.0
    assert listing.extensions["timeout"]["read"] == 0.5


async def test_closing_during_a_token_fetch_is_client_closed_not_cancelled() -> None:
    """Callers waiting on a token when the client closes get ClientClosedError."""
    started = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        started.set()
        await asyncio.sleep(30)
        raise AssertionError("never answered")

    client = MemoramClient(
        api_key="mem_" + "a" * 48,
        base_url="https://api.test/api/v1",
        transport=httpx.MockTransport(handler),
    )
    waiting = asyncio.create_task(client.list_access_requests())
    await asyncio.wait_for(started.wait(), 5)
    await client.aclose()
    with pytest.raises(ClientClosedError):
        await asyncio.wait_for(waiting, 5)
