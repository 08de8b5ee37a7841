"""Plain http to a host name over real sockets: used when it resolves to loopback only, refused
before any byte when it resolves elsewhere; through the SDK's own client and a user's httpx client.

The event loop's resolver is stubbed (tests/scenarios/stub_resolver.py), and a guard refuses and
records any connection off loopback, so a failing SDK shows what it would have sent, not sends it.
"""

from __future__ import annotations

import httpx
import pytest

from memoram_async import MemoramClient, ValidationError
from memoram_local import LocalServer
from tests.support.deadline import run_in_thread
from tests.support.stub_resolver import StubResolver

SEAMS = ["own client", "http_client"]
DEADLINE = 30.0


def _their_client(seam: str) -> httpx.AsyncClient | None:
    return httpx.AsyncClient(trust_env=False, timeout=10.0) if seam == "http_client" else None


@pytest.mark.parametrize("seam", SEAMS)
def test_a_name_resolving_to_loopback_carries_the_flow_past_a_proxy(
    seam: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """devbox.test resolving to 127.0.0.1 carries token, access request, credentials and a memory
    over loopback; with HTTP_PROXY set to a dead port, the SDK's own client bypasses it."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")

    async def scenario() -> None:
        resolver = StubResolver({"devbox.test": ["127.0.0.1"]}).install(monkeypatch)
        with LocalServer(auto_approve=True, allowed_hosts=["devbox.test"]) as server:
            theirs = _their_client(seam)
            async with MemoramClient(
                api_key=server.api_key,
                base_url=f"http://devbox.test:{server.port}/api/v1",
                http_client=theirs,
                max_retries=0,
            ) as client:
                request = await client.request_access("memory-key-devbox", reason="names")
                user = client.user(await client.get_credentials(request.id))
                memory = await user.create_memory("over a name")
                assert (await user.get_memory(memory.id)).content == "over a name"
            if theirs is not None:
                await theirs.aclose()
            assert server.stats.memories_created == 1
        assert resolver.refused_connects == []
        assert "devbox.test" in resolver.calls

    run_in_thread(scenario, DEADLINE)


@pytest.mark.parametrize("host", ["x.localhost", "evil.test"])
@pytest.mark.parametrize("seam", SEAMS)
def test_a_name_resolving_off_loopback_gets_no_byte(
    seam: str, host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attack: a name the resolver maps off this machine. The first call raises a
    ValidationError before connecting anywhere: no connection off loopback was even tried, and
    the local server (which the name does not reach) saw nothing either."""

    async def scenario() -> None:
        resolver = StubResolver({host: ["203.0.113.7"]}).install(monkeypatch)
        with LocalServer(auto_approve=True, allowed_hosts=[host]) as server:
            theirs = _their_client(seam)
            async with MemoramClient(
                api_key=server.api_key,
                base_url=f"http://{host}:{server.port}/api/v1",
                http_client=theirs,
                max_retries=0,
            ) as client:
                with pytest.raises(ValidationError, match="allow_insecure_http=True") as info:
                    await client.request_access("memory-key-evil", reason="names")
            if theirs is not None:
                await theirs.aclose()
            assert server.stats.requests == 0
        assert resolver.refused_connects == []
        assert "Use https://" in str(info.value)
        assert server.api_key not in str(info.value)

    run_in_thread(scenario, DEADLINE)
