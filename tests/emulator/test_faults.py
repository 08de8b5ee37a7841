"""Fault injection of the local server: the spec, the seeded draws, and real dropped connections."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from memoram_local import FaultSpec, LocalServer, create_app
from memoram_local._faults import FaultInjector

SPEC = "error_rate=0.1,rate_limit_rate=0.05,reset_rate=0.05,latency_ms=20,slow_rate=0.02"


def test_parse_the_documented_spec() -> None:
    """The issue's example spec parses into the matching FaultSpec."""
    spec = FaultSpec.parse(SPEC)
    assert spec == FaultSpec(
        error_rate=0.1, rate_limit_rate=0.05, reset_rate=0.05, latency_ms=20, slow_rate=0.02
    )
    assert spec.enabled
    assert not FaultSpec().enabled
    assert FaultSpec.parse("") == FaultSpec()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("eror_rate=0.1", "unknown fault `eror_rate`"),
        ("error_rate", "name=value"),
        ("error_rate=lots", "needs a number"),
        ("error_rate=1.5", "between 0 and 1"),
        ("latency_ms=-1", "between 0 and 600000"),
        ("error_rate=0.6,reset_rate=0.6", "must not exceed 1"),
    ],
)
def test_bad_specs_are_clear_errors(text: str, message: str) -> None:
    """Unknown names and bad values raise ValueError naming the problem."""
    with pytest.raises(ValueError, match=message):
        FaultSpec.parse(text)
    with pytest.raises(ValueError, match=message):
        create_app(faults=text)


def test_seeded_decisions_are_reproducible() -> None:
    """The same seed draws the same decisions; another seed draws others."""
    spec = FaultSpec.parse(SPEC)
    one, two, other = FaultInjector(spec, 3), FaultInjector(spec, 3), FaultInjector(spec, 4)
    first = [one.decide() for _ in range(300)]
    assert first == [two.decide() for _ in range(300)]
    assert first != [other.decide() for _ in range(300)]


def test_distribution_is_roughly_the_spec() -> None:
    """Over 20,000 seeded draws each fault happens at about its rate."""
    spec = FaultSpec(
        error_rate=0.1, rate_limit_rate=0.05, reset_rate=0.2, slow_rate=0.1, latency_ms=5,
        retry_after_date_rate=0.5,
    )  # fmt: skip
    injector = FaultInjector(spec, seed=11)
    decisions = [injector.decide() for _ in range(20_000)]
    kinds = Counter(decision.kind for decision in decisions)
    total = len(decisions)
    assert kinds["error_500"] + kinds["error_503"] == pytest.approx(0.1 * total, rel=0.1)
    assert kinds["error_503"] == pytest.approx(kinds["error_500"], rel=0.15)
    assert kinds["rate_limit"] == pytest.approx(0.05 * total, rel=0.15)
    assert kinds["reset_before"] == pytest.approx(0.1 * total, rel=0.15)
    assert kinds["reset_after"] == pytest.approx(0.1 * total, rel=0.15)
    slow = [decision for decision in decisions if decision.slow]
    assert len(slow) == pytest.approx(0.1 * total, rel=0.15)
    assert {decision.delay for decision in slow} == {3.005}
    assert {decision.delay for decision in decisions if not decision.slow} == {0.005}
    retry_afters = Counter(
        decision.retry_after == "1" for decision in decisions if decision.kind == "rate_limit"
    )
    assert retry_afters[True] == pytest.approx(retry_afters[False], rel=0.25)
    assert all(d.retry_after == "1" for d in decisions if d.kind == "error_503")
    assert all(d.retry_after is None for d in decisions if d.kind == "error_500")


def _grant_in_process(server: LocalServer) -> tuple[str, dict[str, str]]:
    """Set up an approved user and a token without going through the faulty API."""
    context = server.app.context
    request, _ = context.store.create_access_request(
        context.authority.connector_for(server.api_key) or "", "mk", "faults"
    )
    user_id = context.store.decide(request["id"], "approve")["user_id"]
    connector = context.authority.connector_for(server.api_key) or ""
    token = context.authority.issue(connector).token
    return user_id, {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(("share", "committed"), [(0.0, 0), (1.0, 1)])
def test_reset_drops_the_connection_before_or_after_the_commit(
    share: float, committed: int
) -> None:
    """A reset closes the connection without any answer; after-commit resets keep the write."""
    faults = FaultSpec(reset_rate=1.0, reset_after_share=share)
    with LocalServer(faults=faults) as server:
        user_id, headers = _grant_in_process(server)
        body = {"user_id": user_id, "memoryKey": "mk", "content": "maybe"}
        with (
            httpx.Client(trust_env=False, timeout=10) as client,
            pytest.raises((httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)),
        ):
            client.post(f"{server.base_url}/memory-blobs", json=body, headers=headers)
        assert server.app.store.count_memories(user_id) == committed
        kind = "reset_after" if share else "reset_before"
        assert server.stats.faults == {kind: 1}
        assert 500 not in server.stats.statuses
        # The /local endpoints are never faulty.
        assert httpx.get(f"{server.url}/local/health", trust_env=False).status_code == 200


def test_slow_answer_is_handled_now_and_answered_late() -> None:
    """A client that times out on a slow answer left its write committed, and no 500 is logged."""
    with LocalServer(faults="slow_rate=1,slow_ms=1500") as server:
        user_id, headers = _grant_in_process(server)
        body = {"user_id": user_id, "memoryKey": "mk", "content": "late"}
        with (
            httpx.Client(trust_env=False, timeout=0.3) as client,
            pytest.raises(httpx.ReadTimeout),
        ):
            client.post(f"{server.base_url}/memory-blobs", json=body, headers=headers)
        assert server.app.store.count_memories(user_id) == 1
        assert server.stats.faults == {"slow": 1}
        assert 500 not in server.stats.statuses


@pytest.mark.parametrize(
    ("faults", "statuses"),
    [("rate_limit_rate=1", {429}), ("error_rate=1", {500, 503})],
)
def test_error_faults_answer_error_bodies_with_retry_after(faults: str, statuses: set[int]) -> None:
    """429 and 503 carry Retry-After; every injected answer has an Error body and request id."""
    with LocalServer(faults=faults, seed=5) as server, httpx.Client(trust_env=False) as client:
        seen = set()
        for _ in range(30):
            response = client.post(
                f"{server.base_url}/auth/token", json={"api_key": server.api_key}
            )
            seen.add(response.status_code)
            assert set(response.json()) == {"error", "message"}
            assert response.headers["x-request-id"].startswith("req_")
            if response.status_code in (429, 503):
                assert response.headers["retry-after"] == "1"
            else:
                assert "retry-after" not in response.headers
        assert seen == statuses
        assert server.stats.tokens_issued == 0


def _outcomes(seed: int, count: int) -> list[str]:
    spec = "error_rate=0.2,rate_limit_rate=0.1,reset_rate=0.2"
    with LocalServer(faults=spec, seed=seed) as server, httpx.Client(trust_env=False) as client:
        outcomes = []
        for _ in range(count):
            try:
                outcomes.append(str(client.get(f"{server.base_url}/tags").status_code))
            except httpx.TransportError:
                outcomes.append("dropped")
        injected = server.stats.faults
    counts = Counter(outcomes)
    assert counts["dropped"] == injected.get("reset_before", 0) + injected.get("reset_after", 0)
    assert counts["429"] == injected.get("rate_limit", 0)
    assert counts["500"] + counts["503"] == injected.get("error_500", 0) + injected.get(
        "error_503", 0
    )
    return outcomes


def test_faults_over_the_network_are_seeded_and_counted() -> None:
    """Over loopback the outcomes match the stats, follow the rates, and repeat with the seed."""
    first = _outcomes(seed=21, count=300)
    counts = Counter(first)
    assert 30 <= counts["dropped"] <= 90
    assert 15 <= counts["429"] <= 50
    assert 30 <= counts["500"] + counts["503"] <= 90
    assert 90 <= counts["401"] <= 210
    assert _outcomes(seed=21, count=300) == first


def test_latency_is_applied(monkeypatch: pytest.MonkeyPatch) -> None:
    """latency_ms and slow answers sleep for the configured time (sleep observed, not timed)."""
    import anyio

    slept: list[float] = []
    real_sleep = anyio.sleep

    async def record(delay: float) -> None:
        slept.append(delay)
        await real_sleep(0)

    monkeypatch.setattr("memoram_local._app.anyio.sleep", record)
    with LocalServer(faults="latency_ms=20,slow_rate=1,slow_ms=100") as server:
        httpx.get(f"{server.base_url}/tags", trust_env=False)
        httpx.get(f"{server.url}/local/health", trust_env=False)
        assert server.stats.faults == {"slow": 1}
    assert slept == [pytest.approx(0.12)]


async def test_in_process_reset_raises_the_network_error_a_client_would_see() -> None:
    """Under httpx.ASGITransport a reset surfaces as httpx.RemoteProtocolError, not a 500."""
    with create_app(faults="reset_rate=1", seed=1) as app:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get("http://localhost/api/v1/tags")
            health = await client.get("http://localhost/local/health")
            assert health.status_code == 200
        assert sum(app.stats.faults.values()) == 1
