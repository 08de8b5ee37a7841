"""`ServerStats`' readable repr and `LocalServer`'s sync/async dashboard twins, over loopback."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from memoram_local import DEV_API_KEY, LocalServer, LocalServerError, ServerStats


def _stats(routes: dict[str, int], statuses: dict[int, int]) -> ServerStats:
    stats = ServerStats()
    for route, count in routes.items():
        method, path = route.split(" ", 1)
        for _ in range(count):
            stats.record_request(method, path)
    for status, count in statuses.items():
        for _ in range(count):
            stats.record_status(status)
    return stats


def test_stats_repr_names_counts_errors_and_the_busiest_routes() -> None:
    """repr and str show requests, errors (status >= 400) and the five busiest routes in order."""
    routes = {f"GET /r{index}": 10 - index for index in range(7)}
    stats = _stats(routes, {200: 20, 201: 5, 404: 2, 503: 1})
    stats.record("tokens_issued")
    stats.record_fault("slow")
    expected = (
        "ServerStats(requests=49, errors=3, faults_injected=1, tokens_issued=1,"
        " by_route={'GET /r0': 10, 'GET /r1': 9, 'GET /r2': 8, 'GET /r3': 7, 'GET /r4': 6},"
        " other_routes=2)"
    )
    assert repr(stats) == expected
    assert str(stats) == expected
    assert stats.errors == 3


def test_stats_repr_of_a_quiet_server() -> None:
    """A fresh ServerStats has no other_routes part and an empty by_route."""
    assert repr(ServerStats()) == (
        "ServerStats(requests=0, errors=0, faults_injected=0, tokens_issued=0, by_route={})"
    )


def test_stats_repr_of_a_real_server_counts_its_traffic() -> None:
    """Requests to a LocalServer over loopback show up in its stats' repr, without any key."""
    with LocalServer() as server, httpx.Client(trust_env=False) as client:
        for key in (DEV_API_KEY, "mem_wrong"):
            client.post(f"{server.base_url}/auth/token", json={"api_key": key})
        text = repr(server.stats)
    assert text.startswith("ServerStats(requests=2, errors=1, faults_injected=0, tokens_issued=1,")
    assert "'POST /api/v1/auth/token': 2" in text
    assert DEV_API_KEY not in text


def _ask(server: LocalServer, memory_key: str) -> str:
    with httpx.Client(base_url=server.base_url, trust_env=False) as client:
        token = client.post("/auth/token", json={"api_key": server.api_key}).json()["token"]
        body = {"memoryKey": memory_key, "reason": "twins"}
        headers = {"Authorization": f"Bearer {token}"}
        return str(client.post("/access-requests", json=body, headers=headers).json()["id"])


async def _both(server: LocalServer, name: str, *args: Any) -> tuple[Any, Any]:
    sync = await asyncio.to_thread(getattr(server, name), *args)
    return sync, await getattr(server, "a" + name)(*args)


async def test_sync_and_async_twins_answer_alike() -> None:
    """Each dashboard method and its `a...` twin reach the same endpoint and read it alike."""
    async with LocalServer() as server:
        first, second = [
            await asyncio.to_thread(_ask, server, f"mk_twin_{n}_0123456789") for n in (1, 2)
        ]
        assert (await asyncio.to_thread(server.approve, first))["status"] == "approved"
        assert (await server.aapprove(second))["status"] == "approved"
        assert (await asyncio.to_thread(server.revoke, first))["status"] == "revoked"
        assert (await server.arevoke(second))["status"] == "revoked"
        listed = await _both(server, "access_requests", "revoked")
        assert listed[0] == listed[1]
        assert {item["id"] for item in listed[0]} == {first, second}
        assert await _both(server, "memory_key", first) == ("mk_twin_1_0123456789",) * 2
        user_id = listed[0][0]["user_id"]
        assert await asyncio.to_thread(server.rotate_key, user_id) == 2
        assert await server.arotate_key(user_id) == 3
        keys = await _both(server, "user_keys", user_id)
        assert keys[0] == keys[1]
        assert sorted(keys[0]) == [1, 2, 3]


@pytest.mark.parametrize("name", ["reject", "areject"])
async def test_an_id_stays_in_its_path_segment(name: str) -> None:
    """An id smuggling `/approve?` cannot turn reject into approve: 404, still pending."""
    async with LocalServer() as server:
        request_id = await asyncio.to_thread(_ask, server, "mk_twin_0123456789")
        smuggled = f"{request_id}/approve?x="
        call = getattr(server, name)
        attempt = call(smuggled) if name.startswith("a") else asyncio.to_thread(call, smuggled)
        with pytest.raises(LocalServerError) as error:
            await attempt
        assert error.value.status_code == 404
        assert [item["status"] for item in await server.aaccess_requests()] == ["pending"]
