"""LocalServer over loopback: the dashboard helpers, concurrency, durability across restarts."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from memoram_local import DEV_API_KEY, LocalServer, LocalServerError
from memoram_local._store import Store
from tests.emulator.flow import LocalFlow


def test_addresses_and_key(local_server: LocalServer) -> None:
    """url, base_url and api_key point at a live server on loopback."""
    assert local_server.url == f"http://127.0.0.1:{local_server.port}"
    assert local_server.base_url == local_server.url + "/api/v1"
    assert local_server.api_key == DEV_API_KEY
    response = httpx.get(f"{local_server.url}/local/health", trust_env=False)
    assert response.json() == {"status": "ok"}
    assert response.headers["date"]
    assert response.headers["x-request-id"]


async def test_dashboard_helpers_drive_the_flow(
    local_server: LocalServer, live_flow: LocalFlow
) -> None:
    """approve/revoke/rotate_key/user_keys (sync and async) act like the user."""
    request_id = (await live_flow.ask("mk"))["id"]
    assert [item["id"] for item in await local_server.aaccess_requests("pending")] == [request_id]
    approved = await local_server.aapprove(request_id)
    assert approved["status"] == "approved"
    user_id = approved["user_id"]
    assert await asyncio.to_thread(local_server.rotate_key, user_id) == 2
    assert await local_server.arotate_key(user_id) == 3
    assert sorted((await local_server.auser_keys(user_id)).keys()) == [1, 2, 3]
    assert (await asyncio.to_thread(local_server.revoke, request_id))["status"] == "revoked"
    with pytest.raises(LocalServerError) as caught:
        await local_server.arevoke(request_id)
    assert caught.value.status_code == 409
    rejected = (await live_flow.ask("mk2"))["id"]
    assert (await local_server.areject(rejected))["status"] == "rejected"
    assert [item["status"] for item in local_server.access_requests()] == ["rejected", "revoked"]


async def test_revoke_app_ends_every_approved_request_of_the_app(
    local_server: LocalServer, live_flow: LocalFlow
) -> None:
    """Over loopback: revoke leaves the app's other request reading, revoke_app ends both."""
    first = await live_flow.grant("mk_two_requests_0001")
    second = await live_flow.grant("mk_two_requests_0001")
    revoked = await local_server.arevoke(first.request_id)
    assert revoked["still_approved"] == [second.request_id]
    created = await live_flow.create(second, content="still readable")
    assert created["user_id"] == second.user_id
    app = revoked["aiConnectorId"]
    assert await local_server.arevoke_app(second.user_id, app) == [second.request_id]
    assert await asyncio.to_thread(local_server.revoke_app, second.user_id, app) == []
    body = {"user_id": second.user_id, "memoryKey": second.memory_key, "content": "after"}
    refused = await live_flow.request("POST", "/memory-blobs", json=body)
    assert refused.status_code == 403
    with pytest.raises(LocalServerError) as caught:
        local_server.revoke_app("00000000-0000-4000-8000-000000000000", app)
    assert caught.value.status_code == 404


async def test_twenty_concurrent_idempotent_creates_make_one_memory(
    local_server: LocalServer,
) -> None:
    """The same Idempotency-Key sent 20 times at once over 20 connections creates one memory."""
    limits = httpx.Limits(max_connections=20)
    async with httpx.AsyncClient(trust_env=False, limits=limits, timeout=10) as client:
        flow = LocalFlow(client, local_server.url, dashboard_token=local_server.dashboard_token)
        grant = await flow.grant()
        body = {"user_id": grant.user_id, "memoryKey": grant.memory_key, "content": "one"}
        headers = {"Idempotency-Key": "twenty"}
        responses = await asyncio.gather(
            *(flow.request("POST", "/memory-blobs", json=body, headers=headers) for _ in range(20))
        )
    assert [response.status_code for response in responses] == [201] * 20
    assert len({response.json()["id"] for response in responses}) == 1
    assert local_server.app.store.count_memories(grant.user_id) == 1
    assert local_server.stats.memories_created == 1
    assert local_server.stats.idempotent_replays == 19


async def test_concurrent_writers_lose_nothing(local_server: LocalServer) -> None:
    """40 concurrent creates without keys make 40 memories, all listed."""
    async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
        flow = LocalFlow(client, local_server.url, dashboard_token=local_server.dashboard_token)
        grant = await flow.grant()
        created = await asyncio.gather(*(flow.create(grant, f"m{i}") for i in range(40)))
        page = await flow.request(
            "GET", "/memory-blobs", params={"user_id": grant.user_id, "limit": "100"}
        )
    assert {blob["id"] for blob in page.json()["memoryBlobs"]} == {blob["id"] for blob in created}


async def test_restart_with_the_same_db_serves_the_same_data(tmp_path: Path) -> None:
    """A file database keeps users, keys, requests and memories across a restart."""
    db = str(tmp_path / "memoram.db")
    async with LocalServer(db=db) as first, httpx.AsyncClient(trust_env=False) as client:
        flow = LocalFlow(client, first.url, dashboard_token=first.dashboard_token)
        grant = await flow.grant()
        blob = await flow.create(grant, "kept", tags=["t"])
    assert os.path.exists(db)  # noqa: ASYNC240
    async with LocalServer(db=db) as second, httpx.AsyncClient(trust_env=False) as client:
        flow = LocalFlow(client, second.url, dashboard_token=second.dashboard_token)
        creds = await flow.request("GET", f"/access-requests/{grant.request_id}/credentials")
        assert creds.json()["encryption_key"] == grant.encryption_key
        got = await flow.request(
            "GET", f"/memory-blobs/{blob['id']}", params={"user_id": grant.user_id}
        )
        assert got.json()["content"] == "kept"
        assert got.json()["tags"] == ["t"]
        assert second.app.store.count_memories() == 1


async def test_tokens_do_not_survive_a_restart_without_secret(tmp_path: Path) -> None:
    """Tokens are signed with a per-process secret unless one is given."""
    db = str(tmp_path / "m.db")
    async with LocalServer(db=db) as first, httpx.AsyncClient(trust_env=False) as client:
        token = await LocalFlow(client, first.url, dashboard_token=first.dashboard_token).token()
    async with LocalServer(db=db) as second, httpx.AsyncClient(trust_env=False) as client:
        response = await client.get(
            f"{second.base_url}/access-requests", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401
    async with (
        LocalServer(db=db, secret="a-fixed-signing-secret-01") as third,
        httpx.AsyncClient(trust_env=False) as client,
    ):
        token = await LocalFlow(client, third.url).token()
    async with (
        LocalServer(db=db, secret="a-fixed-signing-secret-01") as fourth,
        httpx.AsyncClient(trust_env=False) as client,
    ):
        response = await client.get(
            f"{fourth.base_url}/access-requests", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200


def test_a_server_cannot_start_twice(local_server: LocalServer) -> None:
    """start() on a running server is a clear error."""
    with pytest.raises(RuntimeError, match="already started"):
        local_server.start()


def test_a_failed_commit_leaves_no_transaction_open() -> None:
    """When COMMIT fails (a busy file), the store rolls back and the next write still works."""
    store = Store()
    real = store._conn

    class FailingCommitOnce:
        failed = False

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def execute(self, sql: str, *args: Any) -> Any:
            if sql == "COMMIT" and not self.failed:
                self.failed = True
                raise sqlite3.OperationalError("database is locked")
            return real.execute(sql, *args)

    store._conn = FailingCommitOnce()  # type: ignore[assignment]
    try:
        with pytest.raises(sqlite3.OperationalError):
            store.create_access_request("conn_1", "mk", "rolled back")
        assert not real.in_transaction
        store.create_access_request("conn_1", "mk", "kept")
        assert [r["reason"] for r in store.list_access_requests("conn_1")] == ["kept"]
    finally:
        store._conn = real
        store.close()
