"""The local server's API rules, exercised in-process through httpx.ASGITransport."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
import uuid
from email.utils import parsedate_to_datetime

import httpx
import jwt
import pytest

from memoram_local import DEV_API_KEY, LocalApp, create_app
from tests.emulator.flow import LOCAL_ORIGIN, LocalFlow

API = LOCAL_ORIGIN + "/api/v1"


async def test_token_is_a_signed_jwt_with_expiry_and_date_header(flow: LocalFlow) -> None:
    """/auth/token answers a Bearer HS256 JWT whose expires_at matches its exp claim."""
    response = await flow.client.post(f"{API}/auth/token", json={"api_key": DEV_API_KEY})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    header = jwt.get_unverified_header(body["token"])
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert header["alg"] == "HS256"
    expires_at = body["expires_at"]
    assert expires_at.endswith("Z")
    assert 3600 <= claims["exp"] - claims["iat"] <= 3601
    served = parsedate_to_datetime(response.headers["date"]).timestamp()
    assert abs(claims["exp"] - served - 3600) <= 2
    assert response.headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize(("asked", "granted"), [(60, 60), (7200, 3600), (0, 1), (-5, 1)])
async def test_expires_in_may_shorten_never_lengthen(
    flow: LocalFlow, asked: int, granted: int
) -> None:
    """expires_in is honoured below the configured TTL and clamped to 1..TTL."""
    response = await flow.client.post(
        f"{API}/auth/token", json={"api_key": DEV_API_KEY, "expires_in": asked}
    )
    claims = jwt.decode(response.json()["token"], options={"verify_signature": False})
    assert granted <= claims["exp"] - claims["iat"] <= granted + 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"api_key": "mem_" + "0" * 48}, 401),
        ({}, 400),
        ({"api_key": 5}, 400),
        ({"api_key": DEV_API_KEY, "expires_in": "60"}, 400),
        ({"api_key": DEV_API_KEY, "expires_in": True}, 400),
        ({"api_key": DEV_API_KEY, "expires_in": 1.5}, 400),
    ],
)
async def test_token_rejects_bad_keys_and_bodies(
    flow: LocalFlow, body: dict[str, object], status: int
) -> None:
    """Unknown keys are 401 and malformed bodies 400, both with an Error body."""
    response = await flow.client.post(f"{API}/auth/token", json=body)
    assert response.status_code == status
    assert set(response.json()) == {"error", "message"}


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'{"api_key": NaN}', b"\xff"])
async def test_non_json_bodies_are_400(flow: LocalFlow, raw: bytes) -> None:
    """A body that is not a JSON object is a 400 with an Error body."""
    response = await flow.client.post(f"{API}/auth/token", content=raw)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_configured_keys_replace_the_dev_key() -> None:
    """With api_keys given, only those keys get tokens."""
    with create_app(api_keys=["mem_" + "a" * 48, "mem_" + "b" * 48]) as app:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
            flow = LocalFlow(client, LOCAL_ORIGIN, api_key="mem_" + "b" * 48)
            assert await flow.token()
            refused = await client.post(f"{API}/auth/token", json={"api_key": DEV_API_KEY})
            assert refused.status_code == 401


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Basic abc",
        "Bearer not-a-jwt",
        "Bearer " + jwt.encode({"sub": "x"}, "k" * 32),
    ],
)
async def test_protected_operations_need_a_valid_token(
    flow: LocalFlow, authorization: str | None
) -> None:
    """Missing, malformed, foreign-signed tokens are 401."""
    headers = {"Authorization": authorization} if authorization else {}
    response = await flow.client.get(f"{API}/access-requests", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


async def test_expired_token_is_401(flow: LocalFlow, local_app: LocalApp) -> None:
    """A token past its exp is refused."""
    connector = local_app.context.authority.connector_for(DEV_API_KEY)
    assert connector is not None
    old = local_app.context.authority.issue(connector, 60, issued_at=int(time.time()) - 120)
    response = await flow.client.get(
        f"{API}/access-requests", headers={"Authorization": f"Bearer {old.token}"}
    )
    assert response.status_code == 401
    assert "expired" in response.json()["message"]


@pytest.mark.parametrize("fraction", [0.0, 0.4, 0.999])
def test_token_lives_its_whole_lifetime(
    local_app: LocalApp, fraction: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """exp is the issue time plus the lifetime, never rounded down to an earlier second."""
    authority = local_app.context.authority
    connector = authority.connector_for(DEV_API_KEY)
    assert connector is not None
    issued_at = 1_800_000_000 + fraction
    monkeypatch.setattr(time, "time", lambda: issued_at)
    token = authority.issue(connector, 2)
    claims = jwt.decode(token.token, options={"verify_signature": False})
    assert isinstance(claims["exp"], int)  # PyJWT would truncate a fraction
    assert 2.0 <= claims["exp"] - issued_at < 3.0
    assert token.expires_at.timestamp() == claims["exp"]


async def test_token_from_another_secret_is_401(flow: LocalFlow) -> None:
    """Tokens signed by another server (another secret) are refused."""
    with create_app(secret="another-servers-signing-secret") as other:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other)) as client:
            foreign = await LocalFlow(client, LOCAL_ORIGIN).token()
    response = await flow.client.get(
        f"{API}/access-requests", headers={"Authorization": f"Bearer {foreign}"}
    )
    assert response.status_code == 401


async def test_access_request_lifecycle_and_credentials(flow: LocalFlow) -> None:
    """pending -> approved gives credentials; user_id shows once approved; revoke ends it."""
    created = await flow.ask("mk-1", "to remember")
    assert created["status"] == "pending"
    assert created["user_id"] is None
    assert created["memoryKey"] == "mk-1"
    assert created["aiConnectorId"].startswith("conn_")
    request_id = created["id"]
    pending = await flow.request("GET", f"/access-requests/{request_id}/credentials")
    assert pending.status_code == 403
    approved = await flow.dashboard("approve", request_id)
    assert approved.json()["status"] == "approved"
    fetched = (await flow.request("GET", f"/access-requests/{request_id}")).json()
    assert fetched["status"] == "approved"
    uuid.UUID(fetched["user_id"])
    creds = (await flow.request("GET", f"/access-requests/{request_id}/credentials")).json()
    assert creds["user_id"] == fetched["user_id"]
    assert creds["memory_key"] == "mk-1"
    assert len(bytes.fromhex(creds["encryption_key"])) == 32
    assert creds["key_version"] == 1
    assert (await flow.dashboard("revoke", request_id)).status_code == 200
    revoked = await flow.request("GET", f"/access-requests/{request_id}/credentials")
    assert revoked.status_code == 403


async def test_rejected_request_has_no_credentials(flow: LocalFlow) -> None:
    """A rejected request answers 403 on credentials; it cannot be approved later."""
    request_id = (await flow.ask("mk-2"))["id"]
    assert (await flow.dashboard("reject", request_id)).status_code == 200
    assert (
        await flow.request("GET", f"/access-requests/{request_id}/credentials")
    ).status_code == 403
    again = await flow.dashboard("approve", request_id)
    assert again.status_code == 409
    assert (await flow.dashboard("approve", "c-unknown")).status_code == 404


async def test_same_memory_key_is_the_same_user(flow: LocalFlow) -> None:
    """Two requests with one memory key link to one user; another key is another user."""
    first = await flow.grant("shared-key")
    second = await flow.grant("shared-key")
    other = await flow.grant("other-key")
    assert first.user_id == second.user_id != other.user_id
    assert first.encryption_key == second.encryption_key


async def test_requests_are_visible_only_to_their_developer() -> None:
    """Another developer key sees none of the requests: list is empty, get is 404."""
    key_a, key_b = "mem_" + "a" * 48, "mem_" + "b" * 48
    with create_app(api_keys=[key_a, key_b]) as app:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
            alice = LocalFlow(
                client, LOCAL_ORIGIN, api_key=key_a, dashboard_token=app.config.dashboard_token
            )
            bob = LocalFlow(
                client, LOCAL_ORIGIN, api_key=key_b, dashboard_token=app.config.dashboard_token
            )
            grant = await alice.grant("mk")
            listed = (await bob.request("GET", "/access-requests")).json()
            assert listed == {"items": [], "total": 0}
            for path in (
                f"/access-requests/{grant.request_id}",
                f"/access-requests/{grant.request_id}/credentials",
            ):
                assert (await bob.request("GET", path)).status_code == 404
            # Bob has no approved request for this user: memory operations are forbidden.
            listed_memories = await bob.request(
                "GET", "/memory-blobs", params={"user_id": grant.user_id}
            )
            assert listed_memories.status_code == 403
            created = await bob.request(
                "POST",
                "/memory-blobs",
                json={"user_id": grant.user_id, "memoryKey": "mk", "content": "x"},
            )
            assert created.status_code == 403
            mine = (await alice.request("GET", "/access-requests")).json()
            assert mine["total"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"memoryKey": "k"},
        {"reason": "r"},
        {"memoryKey": 1, "reason": "r"},
        {"memoryKey": "k", "reason": "r" * 256},
        {"memoryKey": "k", "reason": None},
    ],
)
async def test_access_request_validation(flow: LocalFlow, body: dict[str, object]) -> None:
    """Missing fields, wrong types and a reason over 255 characters are 400."""
    response = await flow.request("POST", "/access-requests", json=body)
    assert response.status_code == 400


async def test_reason_of_exactly_255_characters_is_accepted(flow: LocalFlow) -> None:
    """The reason limit is inclusive."""
    response = await flow.request(
        "POST", "/access-requests", json={"memoryKey": "k", "reason": "é" * 255}
    )
    assert response.status_code == 201


async def test_auto_approve() -> None:
    """With auto_approve, new requests are approved and have credentials at once."""
    with create_app(auto_approve=True) as app:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
            flow = LocalFlow(client, LOCAL_ORIGIN)
            created = await flow.ask("mk")
            assert created["status"] == "approved"
            creds = await flow.request("GET", f"/access-requests/{created['id']}/credentials")
            assert creds.status_code == 200


async def test_memory_crud(flow: LocalFlow) -> None:
    """Create (no content), get (content), patch (only sent fields), delete, then 404."""
    grant = await flow.grant()
    created = await flow.create(
        grant, "ciphertext", title="T", summary="S", tags=["a", "b", "a"], importance=0.5,
        confidence=0.9, source="tests",
    )  # fmt: skip
    assert "content" not in created
    assert created["tags"] == ["a", "b"]
    assert len(created["tag_ids"]) == 2
    assert created["user_id"] == grant.user_id
    blob_id = created["id"]
    got = (
        await flow.request("GET", f"/memory-blobs/{blob_id}", params={"user_id": grant.user_id})
    ).json()
    assert got["content"] == "ciphertext"
    assert {got["title"], got["summary"], got["source"]} == {"T", "S", "tests"}
    patched = await flow.request(
        "PATCH",
        f"/memory-blobs/{blob_id}",
        json={
            "user_id": grant.user_id,
            "memoryKey": grant.memory_key,
            "title": "T2",
            "tags": ["c"],
        },
    )
    assert patched.status_code == 200
    body = patched.json()
    assert "content" not in body
    assert body["title"] == "T2"
    assert body["summary"] == "S"
    assert body["importance"] == 0.5
    assert body["tags"] == ["c"]
    got = (
        await flow.request("GET", f"/memory-blobs/{blob_id}", params={"user_id": grant.user_id})
    ).json()
    assert got["content"] == "ciphertext"
    assert got["updated_at"] >= got["created_at"]
    deleted = await flow.request(
        "DELETE", f"/memory-blobs/{blob_id}", params={"user_id": grant.user_id}
    )
    assert deleted.json() == {"id": blob_id, "deleted": True}
    for method in ("GET", "DELETE"):
        gone = await flow.request(
            method, f"/memory-blobs/{blob_id}", params={"user_id": grant.user_id}
        )
        assert gone.status_code == 404
        assert gone.json()["error"] == "not_found"


async def test_memory_of_another_user_is_404(flow: LocalFlow) -> None:
    """A blob id is found only under its own user's id."""
    alice, bob = await flow.grant("alice"), await flow.grant("bob")
    blob_id = (await flow.create(alice))["id"]
    response = await flow.request(
        "GET", f"/memory-blobs/{blob_id}", params={"user_id": bob.user_id}
    )
    assert response.status_code == 404


async def test_memory_key_must_belong_to_the_user(flow: LocalFlow) -> None:
    """Create and update with another user's memory key are 403."""
    alice, bob = await flow.grant("alice"), await flow.grant("bob")
    wrong = {"user_id": alice.user_id, "memoryKey": bob.memory_key}
    created = await flow.request("POST", "/memory-blobs", json={**wrong, "content": "x"})
    assert created.status_code == 403
    blob_id = (await flow.create(alice))["id"]
    patched = await flow.request("PATCH", f"/memory-blobs/{blob_id}", json={**wrong, "title": "x"})
    assert patched.status_code == 403


async def test_revoked_access_forbids_memory_operations(flow: LocalFlow) -> None:
    """After revoke, every memory and tag operation for the user is 403."""
    grant = await flow.grant()
    blob_id = (await flow.create(grant, tags=["t"]))["id"]
    assert (await flow.dashboard("revoke", grant.request_id)).status_code == 200
    params = {"user_id": grant.user_id}
    for method, path in [
        ("GET", "/memory-blobs"),
        ("GET", f"/memory-blobs/{blob_id}"),
        ("DELETE", f"/memory-blobs/{blob_id}"),
        ("GET", "/tags"),
        ("GET", "/tags/tag_x"),
    ]:
        assert (await flow.request(method, path, params=params)).status_code == 403, path


@pytest.mark.parametrize(
    "patch",
    [
        {"user_id": "not-a-uuid", "content": "x"},
        {"content": 5},
        {"importance": "high"},
        {"importance": True},
        {"tags": "a,b"},
        {"tags": ["a", 1]},
        {"title": None},
    ],
)
async def test_memory_body_validation(flow: LocalFlow, patch: dict[str, object]) -> None:
    """Wrong types, non-UUID user ids and non-finite numbers are 400 on create."""
    grant = await flow.grant()
    body = {"user_id": grant.user_id, "memoryKey": grant.memory_key, "content": "c", **patch}
    response = await flow.request("POST", "/memory-blobs", json=body)
    assert response.status_code == 400, response.text


async def test_non_finite_numbers_are_400(flow: LocalFlow) -> None:
    """1e400 parses as infinity: importance and confidence must be finite."""
    grant = await flow.grant()
    raw = (
        f'{{"user_id": "{grant.user_id}", "memoryKey": "{grant.memory_key}",'
        ' "content": "c", "confidence": 1e400}'
    )
    response = await flow.request("POST", "/memory-blobs", content=raw.encode())
    assert response.status_code == 400
    assert "confidence" in response.json()["message"]


@pytest.mark.parametrize(
    "params",
    [
        {"user_id": "nope"},
        {},
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "ten"},
        {"importance": "x"},
        {"importance": "nan"},
    ],
)
async def test_list_query_validation(flow: LocalFlow, params: dict[str, str]) -> None:
    """Bad query parameters (limit outside 1..100, bad cursor, ...) are 400."""
    grant = await flow.grant()
    query = {"user_id": grant.user_id, **params} if "user_id" not in params else params
    if not params:
        query = {}
    response = await flow.request("GET", "/memory-blobs", params=query)
    assert response.status_code == 400


@pytest.mark.parametrize("cursor", ["garbage", "djEuLTE", "dj" * 40])
async def test_a_cursor_the_server_did_not_issue_is_404(flow: LocalFlow, cursor: str) -> None:
    """A cursor that names no page is a 404 that says to start over, not a 400."""
    grant = await flow.grant()
    await flow.create(grant, "one")
    response = await flow.request(
        "GET", "/memory-blobs", params={"user_id": grant.user_id, "cursor": cursor}
    )
    assert response.status_code == 404
    assert "without a cursor" in response.json()["message"]


async def test_unknown_user_id_is_403(flow: LocalFlow) -> None:
    """A well-formed user id without an approved request is 403, not 404."""
    response = await flow.request("GET", "/tags", params={"user_id": str(uuid.uuid4())})
    assert response.status_code == 403


async def test_list_filters(flow: LocalFlow) -> None:
    """tags needs every tag, searchQuery ignores case, importance is a minimum."""
    grant = await flow.grant()
    a = await flow.create(
        grant, "alpha body", title="Trip to Oslo", tags=["travel", "work"], importance=0.9
    )
    b = await flow.create(grant, "beta BODY", summary="Groceries", tags=["home"], importance=0.2)
    c = await flow.create(grant, "gamma", tags=["travel"])

    async def ids(**params: str) -> list[str]:
        response = await flow.request(
            "GET", "/memory-blobs", params={"user_id": grant.user_id, **params}
        )
        assert response.status_code == 200
        return [blob["id"] for blob in response.json()["memoryBlobs"]]

    assert await ids() == [c["id"], b["id"], a["id"]]
    assert await ids(tags="travel") == [c["id"], a["id"]]
    assert await ids(tags="travel, work") == [a["id"]]
    assert await ids(tags="travel,home") == []
    assert await ids(searchQuery="oslo") == [a["id"]]
    assert await ids(searchQuery="GROCER") == [b["id"]]
    assert await ids(searchQuery="body") == [b["id"], a["id"]]
    assert await ids(importance="0.5") == [a["id"]]
    assert await ids(importance="0") == [b["id"], a["id"]]


async def test_pagination_neither_skips_nor_repeats_under_concurrent_writes(
    flow: LocalFlow,
) -> None:
    """Paging while others insert and delete returns every surviving original item once."""
    grant = await flow.grant()
    originals = [(await flow.create(grant, f"m{i}"))["id"] for i in range(12)]
    deleted = {originals[3], originals[8]}
    seen: list[str] = []
    cursor: str | None = None
    for page_number in range(20):
        params = {"user_id": grant.user_id, "limit": "3"}
        if cursor:
            params["cursor"] = cursor
        page = (await flow.request("GET", "/memory-blobs", params=params)).json()
        seen += [blob["id"] for blob in page["memoryBlobs"]]
        if page_number == 0:
            await flow.create(grant, "newer")
            for blob_id in deleted:
                await flow.request(
                    "DELETE", f"/memory-blobs/{blob_id}", params={"user_id": grant.user_id}
                )
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert cursor is None
    assert len(seen) == len(set(seen))
    expected = [
        blob_id for blob_id in reversed(originals) if blob_id not in deleted or blob_id in seen[:3]
    ]
    assert seen == expected


async def test_tags_created_on_first_use(flow: LocalFlow) -> None:
    """Tags appear in /tags with a #RRGGBB colour, enabled, and can be read by id."""
    grant = await flow.grant()
    created = await flow.create(grant, tags=["Work"])
    await flow.create(grant, tags=["Work", "home"])
    listed = (await flow.request("GET", "/tags", params={"user_id": grant.user_id})).json()["items"]
    assert sorted(tag["name"] for tag in listed) == ["Work", "home"]
    work = next(tag for tag in listed if tag["name"] == "Work")
    assert work["id"] == created["tag_ids"][0]
    assert work["is_enabled"] is True
    assert work["description"] == ""
    assert len(work["color"]) == 7
    assert work["color"].startswith("#")
    one = await flow.request("GET", f"/tags/{work['id']}", params={"user_id": grant.user_id})
    assert one.json() == work
    missing = await flow.request("GET", "/tags/tag_nope", params={"user_id": grant.user_id})
    assert missing.status_code == 404


async def test_idempotency_key_replays_and_conflicts(flow: LocalFlow, local_app: LocalApp) -> None:
    """One key and body replay the first 201; another body is 409; nothing is duplicated."""
    grant = await flow.grant()
    body = {"user_id": grant.user_id, "memoryKey": grant.memory_key, "content": "once"}
    headers = {"Idempotency-Key": "k-1"}
    first = await flow.request("POST", "/memory-blobs", json=body, headers=headers)
    again = await flow.request("POST", "/memory-blobs", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    conflict = await flow.request(
        "POST", "/memory-blobs", json={**body, "content": "other"}, headers=headers
    )
    assert conflict.status_code == 409
    assert local_app.store.count_memories(grant.user_id) == 1
    too_long = await flow.request(
        "POST", "/memory-blobs", json=body, headers={"Idempotency-Key": "k" * 256}
    )
    assert too_long.status_code == 400


async def test_idempotency_key_on_access_requests(flow: LocalFlow) -> None:
    """POST /access-requests honours Idempotency-Key too."""
    body = {"memoryKey": "mk", "reason": "r"}
    first = await flow.request(
        "POST", "/access-requests", json=body, headers={"Idempotency-Key": "a"}
    )
    again = await flow.request(
        "POST", "/access-requests", json=body, headers={"Idempotency-Key": "a"}
    )
    assert first.json()["id"] == again.json()["id"]
    assert (await flow.request("GET", "/access-requests")).json()["total"] == 1


async def test_idempotency_keys_are_per_developer() -> None:
    """Two developers may use the same key independently."""
    key_a, key_b = "mem_" + "a" * 48, "mem_" + "b" * 48
    with create_app(api_keys=[key_a, key_b]) as app:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
            body = {"memoryKey": "mk", "reason": "r"}
            ids = set()
            for key in (key_a, key_b):
                flow = LocalFlow(client, LOCAL_ORIGIN, api_key=key)
                response = await flow.request(
                    "POST", "/access-requests", json=body, headers={"Idempotency-Key": "same"}
                )
                assert response.status_code == 201
                ids.add(response.json()["id"])
            assert len(ids) == 2


async def test_concurrent_idempotent_creates_in_process(
    flow: LocalFlow, local_app: LocalApp
) -> None:
    """20 concurrent creates with one key make one memory and 20 identical answers."""
    grant = await flow.grant()
    body = {"user_id": grant.user_id, "memoryKey": grant.memory_key, "content": "x"}
    responses = await asyncio.gather(
        *(
            flow.request("POST", "/memory-blobs", json=body, headers={"Idempotency-Key": "burst"})
            for _ in range(20)
        )
    )
    assert {response.status_code for response in responses} == {201}
    assert len({response.json()["id"] for response in responses}) == 1
    assert local_app.store.count_memories(grant.user_id) == 1


async def test_rotate_key_keeps_content_and_bumps_version(flow: LocalFlow) -> None:
    """rotate-key gives a new key and version; credentials follow; old keys stay listed."""
    grant = await flow.grant()
    created = await flow.create(grant, "sealed-v1")
    rotated = await flow.client.post(f"{LOCAL_ORIGIN}/local/users/{grant.user_id}/rotate-key")
    assert rotated.json() == {"user_id": grant.user_id, "key_version": 2}
    creds = (await flow.request("GET", f"/access-requests/{grant.request_id}/credentials")).json()
    assert creds["key_version"] == 2
    assert creds["encryption_key"] != grant.encryption_key
    keys = (await flow.client.get(f"{LOCAL_ORIGIN}/local/users/{grant.user_id}/keys")).json()[
        "keys"
    ]
    assert [(key["key_version"], key["encryption_key"]) for key in keys] == [
        (1, grant.encryption_key),
        (2, creds["encryption_key"]),
    ]
    got = await flow.request(
        "GET", f"/memory-blobs/{created['id']}", params={"user_id": grant.user_id}
    )
    assert got.json()["content"] == "sealed-v1"
    unknown = await flow.client.post(f"{LOCAL_ORIGIN}/local/users/{uuid.uuid4()}/rotate-key")
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/nope", 404),
        ("GET", "/elsewhere", 404),
        ("PUT", "/api/v1/tags", 405),
        ("DELETE", "/api/v1/access-requests", 405),
        ("HEAD", "/api/v1/tags", 405),
    ],
)
async def test_unknown_routes_and_methods_answer_error_bodies(
    flow: LocalFlow, method: str, path: str, status: int
) -> None:
    """404 and 405 carry the Error body (and 405 an Allow header) and a request id."""
    response = await flow.client.request(method, LOCAL_ORIGIN + path)
    assert response.status_code == status
    assert "x-request-id" in response.headers
    if method != "HEAD":
        assert set(response.json()) == {"error", "message"}
    if status == 405:
        assert "GET" in response.headers["allow"]


async def test_stats_count_requests_and_tokens(flow: LocalFlow, local_app: LocalApp) -> None:
    """stats count requests per path, statuses and tokens issued."""
    await flow.token()
    await flow.client.get(f"{API}/tags")
    stats = local_app.stats
    assert stats.tokens_issued == 1
    assert stats.by_path["POST /api/v1/auth/token"] == 1
    assert stats.statuses[401] == 1
    assert stats.requests == 2


async def test_idempotency_records_expire_after_24_hours(
    flow: LocalFlow, local_app: LocalApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key reused more than 24 hours later creates a new resource."""
    body = {"memoryKey": "mk", "reason": "r"}
    headers = {"Idempotency-Key": "daily"}
    first = await flow.request("POST", "/access-requests", json=body, headers=headers)
    later = time.time() + 24 * 60 * 60 + 1
    monkeypatch.setattr("memoram_local._database.time.time", lambda: later)
    second = await flow.request("POST", "/access-requests", json=body, headers=headers)
    assert second.status_code == 201
    assert second.json()["id"] != first.json()["id"]
    assert "idempotent-replayed" not in second.headers


def test_dev_api_key_has_the_documented_format() -> None:
    """DEV_API_KEY is `mem_` and 48 lowercase hex characters, like real keys."""
    assert re.fullmatch(r"mem_[0-9a-f]{48}", DEV_API_KEY)


def test_importing_the_sdk_does_not_import_the_server_stack() -> None:
    """`import memoram_async` loads neither starlette, uvicorn nor jwt."""
    code = (
        "import sys, memoram_async; "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'jwt') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
