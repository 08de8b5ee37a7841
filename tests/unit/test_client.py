"""The client's contract: spec coverage, error table, hostile bodies, options, state, no secrets."""

from __future__ import annotations

import importlib
import inspect
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

import memoram_async
from memoram_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConflictError,
    InternalServerError,
    MemoramClient,
    MemoramError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    UnprocessableEntityError,
    UserMemories,
)
from memoram_async._crypto import Keyring
from memoram_async._errors import error_class_for_status
from memoram_async._operations import OPERATIONS
from tests.support.fake_api import (
    API_KEY,
    BASE_URL,
    ENCRYPTION_KEY,
    MEMORY_KEY,
    FakeAPI,
    credentials,
)

SPEC: dict[str, Any] = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "openapi.yaml").read_text()
)
SPEC_OPERATIONS = {
    op["operationId"]: (method.upper(), path, op)
    for path, item in SPEC["paths"].items()
    for method, op in item.items()
}
PUBLIC_CLASSES = {"MemoramClient": MemoramClient, "UserMemories": UserMemories}


# How a user reaches each operation through the public API (createToken: any first call).
PUBLIC_CALLS: dict[str, Any] = {
    "createToken": lambda c, u: c.list_access_requests(),
    "createAccessRequest": lambda c, u: c.request_access(MEMORY_KEY, reason="r"),
    "listAccessRequests": lambda c, u: c.list_access_requests(),
    "getAccessRequest": lambda c, u: c.get_access_request("cm00000001"),
    "getAccessCredentials": lambda c, u: c.get_credentials("cm00000001"),
    "listMemories": lambda c, u: u.list_memories().__anext__(),
    "getMemory": lambda c, u: u.get_memory("mem_0001"),
    "createMemory": lambda c, u: u.create_memory("x"),
    "updateMemory": lambda c, u: u.update_memory("mem_0001", title="t"),
    "deleteMemory": lambda c, u: u.delete_memory("mem_0001"),
    "listTags": lambda c, u: u.list_tags(),
    "getTag": lambda c, u: u.get_tag("tag_1"),
}


def _generated_module(operation: dict[str, Any]) -> Any:
    group = operation["tags"][0].lower().replace(" ", "_")
    name = "".join("_" + c.lower() if c.isupper() else c for c in operation["operationId"])
    return importlib.import_module(f"memoram_api.api.{group}.{name}")


@pytest.mark.parametrize("operation_id", sorted(SPEC_OPERATIONS))
async def test_public_method_goes_through_the_generated_operation(
    operation_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each public method builds its request with its generated request builder (_get_kwargs),
    on the spec's route, and never runs the generated sending code."""
    method, path, operation = SPEC_OPERATIONS[operation_id]
    module = _generated_module(operation)
    calls: list[str] = []
    original = module._get_kwargs

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(operation_id)
        return original(*args, **kwargs)

    async def never(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the generated asyncio_detailed was called")

    monkeypatch.setattr(module, "_get_kwargs", counted)
    monkeypatch.setattr(module, "asyncio_detailed", never)
    fake = FakeAPI()
    fake._access("POST", [], {"reason": "r", "memoryKey": MEMORY_KEY})
    fake.access["cm00000001"]["status"] = "approved"
    fake.add_memory(Keyring.from_hex(ENCRYPTION_KEY, 1).encrypt("x", credentials().user_id))
    fake.tags["tag_1"] = {
        "id": "tag_1",
        "name": "t",
        "color": "#000000",
        "is_enabled": True,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    async with fake.client() as client:
        await PUBLIC_CALLS[operation_id](client, client.user(credentials()))
    assert calls, f"{operation_id} did not go through {module.__name__}._get_kwargs"
    template = re.compile("^/api/v1" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
    assert any(r.method == method and template.match(r.url.path) for r in fake.requests)


def test_every_spec_operation_has_a_public_method() -> None:
    """Each operationId in openapi.yaml maps to an existing public method with the same route."""
    assert set(SPEC_OPERATIONS) == set(OPERATIONS)
    for operation_id, (method, path, _) in SPEC_OPERATIONS.items():
        op = OPERATIONS[operation_id]
        assert (op.method, op.path) == (method, path)
        if operation_id == "createToken":
            continue  # called by the token manager on every client, never by users
        owner, name = op.public.split(".")
        attribute = getattr(PUBLIC_CLASSES[owner], name)
        assert callable(attribute)
        assert not name.startswith("_")


def test_creates_are_the_operations_that_take_an_idempotency_key() -> None:
    """Exactly the operations with the Idempotency-Key header are retried as creates."""
    with_key = {
        op_id
        for op_id, (_, _, op) in SPEC_OPERATIONS.items()
        if any("IdempotencyKey" in str(p) for p in op.get("parameters", []))
    }
    assert with_key == {op_id for op_id, op in OPERATIONS.items() if op.create}


def declared_error_statuses() -> set[int]:
    """Every 4xx/5xx status declared anywhere in openapi.yaml."""
    return {
        int(code)
        for _, _, op in SPEC_OPERATIONS.values()
        for code in op["responses"]
        if int(code) >= 400
    }


# The contract of issue 5, written out independently of the code's own table.
EXPECTED_ERROR_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    500: InternalServerError,
    502: InternalServerError,
    503: InternalServerError,
    504: InternalServerError,
}


def test_every_declared_status_has_a_named_error_class() -> None:
    """Each error status declared in openapi.yaml is one the contract names a class for."""
    assert declared_error_statuses() <= set(EXPECTED_ERROR_CLASSES)


@pytest.mark.parametrize(("status", "expected"), sorted(EXPECTED_ERROR_CLASSES.items()))
async def test_statuses_raise_their_named_class(
    status: int, expected: type[APIStatusError]
) -> None:
    """An answer with an error status raises exactly the class the contract names."""
    fake = FakeAPI()
    fake.fail("GET", "/access-requests", *(httpx.Response(status) for _ in range(3)))
    async with fake.client() as client:
        with pytest.raises(APIStatusError) as info:
            await client.list_access_requests()
    assert type(info.value) is expected
    assert error_class_for_status(status) is expected
    assert info.value.status_code == status


HOSTILE = {
    "html 200": httpx.Response(200, html="<html>hi</html>"),
    "truncated json": httpx.Response(
        200, content=b'{"items": [', headers={"content-type": "application/json"}
    ),
    "wrong types": httpx.Response(200, json={"items": "nope", "total": 1}),
    "missing fields": httpx.Response(200, json={"items": [{"id": "x"}], "total": 1}),
    "item wrong type": httpx.Response(200, json={"items": [5], "total": 1}),
    "json list": httpx.Response(200, json=[1, 2]),
    "json null": httpx.Response(200, json=None),
    "error body on 200": httpx.Response(200, json={"error": "x", "message": "y"}),
    "bad date": httpx.Response(
        200,
        json={
            "items": [
                {
                    "id": "a",
                    "status": "pending",
                    "reason": "r",
                    "memoryKey": "k",
                    "aiConnectorId": "c",
                    "createdAt": "yesterday",
                    "updatedAt": "x",
                }
            ],
            "total": 1,
        },
    ),
    "status not a string": httpx.Response(
        200,
        json={
            "items": [
                {
                    "id": "a",
                    "status": 7,
                    "reason": "r",
                    "memoryKey": "k",
                    "aiConnectorId": "c",
                    "createdAt": "2026-01-01T00:00:00Z",
                    "updatedAt": "2026-01-01T00:00:00Z",
                }
            ],
            "total": 1,
        },
    ),
    "deep nesting": httpx.Response(200, content=b"[" * 100000 + b"]" * 100000),
    "not utf8": httpx.Response(
        200, content=b"\xff\xfe\xfa", headers={"content-type": "application/json"}
    ),
}


# The field each broken body above is reported at ("" is the body as a whole).
HOSTILE_FIELDS = {
    "html 200": "",
    "truncated json": "",
    "wrong types": "items",
    "missing fields": "items[0].status",
    "item wrong type": "items[0]",
    "json list": "",
    "json null": "",
    "error body on 200": "items",
    "bad date": "items[0].createdAt",
    "status not a string": "items[0].status",
    "deep nesting": "",
    "not utf8": "",
}


@pytest.mark.parametrize("name", HOSTILE, ids=HOSTILE.keys())
async def test_broken_success_bodies_are_response_validation_errors(name: str) -> None:
    """A 200 whose body does not match the spec raises APIResponseValidationError naming the
    broken field, nothing else."""
    fake = FakeAPI()
    fake.fail("GET", "/access-requests", HOSTILE[name])
    async with fake.client() as client:
        with pytest.raises(APIResponseValidationError) as info:
            await client.list_access_requests()
    assert info.value.status_code == 200
    assert info.value.field == HOSTILE_FIELDS[name]
    assert "(listAccessRequests)" in str(info.value)


ODD_STATUSES = {
    "html 502": httpx.Response(
        502, html="<html><body>Bad gateway " + "x" * 5000 + "</body></html>"
    ),
    "huge json 400": httpx.Response(400, json={"message": "m" * 200000}),
    "redirect": httpx.Response(302, headers={"location": "https://elsewhere.test/"}),
    "204": httpx.Response(204),
    "299": httpx.Response(299, json={}),
    "418": httpx.Response(418, text="teapot"),
    "599": httpx.Response(599),
    "json list 400": httpx.Response(400, json=["a"]),
}


@pytest.mark.parametrize("response", ODD_STATUSES.values(), ids=ODD_STATUSES.keys())
async def test_odd_statuses_are_typed_errors_with_short_messages(response: httpx.Response) -> None:
    """Unknown or undocumented statuses and odd error bodies end in short, typed errors."""
    fake = FakeAPI()
    fake.fail("GET", "/access-requests", *(response for _ in range(3)))
    async with fake.client() as client:
        with pytest.raises(MemoramError) as info:
            await client.list_access_requests()
    assert isinstance(info.value, APIStatusError | APIResponseValidationError)
    assert len(str(info.value)) < 600


async def test_redirects_are_not_followed() -> None:
    """A 3xx is reported (pointing at base_url), never followed to another host."""
    fake = FakeAPI()
    fake.fail(
        "GET", "/access-requests", httpx.Response(301, headers={"location": "http://evil.test/"})
    )
    async with fake.client() as client:
        with pytest.raises(APIStatusError, match="base_url") as info:
            await client.list_access_requests()
    assert info.value.status_code == 301
    assert all("evil" not in str(r.url) for r in fake.requests)


async def test_server_messages_are_redacted_and_cut() -> None:
    """A server echoing a key or a token in its message does not put it in the exception."""
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl"
    message = f"bad key {API_KEY} and token {jwt} and key {ENCRYPTION_KEY}\n" + "y" * 1000
    fake = FakeAPI()
    fake.fail("GET", "/access-requests", httpx.Response(400, json={"message": message}))
    async with fake.client() as client:
        with pytest.raises(APIStatusError) as info:
            await client.list_access_requests()
    text = str(info.value)
    for secret in (API_KEY, jwt, ENCRYPTION_KEY):
        assert secret not in text
    assert "[redacted]" in text
    assert len(text) < 500


async def _client_on_a_broken_transport() -> MemoramClient:
    def broken(request: httpx.Request) -> httpx.Response:
        raise TypeError("bug in a transport")

    return MemoramClient(api_key=API_KEY, base_url=BASE_URL, transport=httpx.MockTransport(broken))


async def _client_on_a_closed_http_client() -> MemoramClient:
    mine = httpx.AsyncClient(transport=httpx.MockTransport(FakeAPI().handler))
    await mine.aclose()
    return MemoramClient(api_key=API_KEY, base_url=BASE_URL, http_client=mine)


@pytest.mark.parametrize(
    "make_client",
    [_client_on_a_broken_transport, _client_on_a_closed_http_client],
    ids=["transport-raises-TypeError", "closed-http-client"],
)
async def test_a_broken_or_closed_transport_is_a_connection_error(
    make_client: Callable[[], Awaitable[MemoramClient]],
) -> None:
    """A transport that raises a non-httpx exception, or an http_client its owner already
    closed, ends in an APIConnectionError."""
    async with await make_client() as client:
        with pytest.raises(APIConnectionError):
            await client.list_access_requests()


async def test_user_http_client_is_used_but_not_closed_or_changed() -> None:
    """http_client= sends through the user's client, leaves its settings, and never closes it."""
    fake = FakeAPI()
    seen: list[str] = []

    async def log_request(request: httpx.Request) -> None:
        seen.append(request.url.path)

    mine = httpx.AsyncClient(
        transport=httpx.MockTransport(fake.handler), event_hooks={"request": [log_request]}
    )
    before = (dict(mine.headers), mine.auth, mine.base_url, mine.timeout)
    async with MemoramClient(api_key=API_KEY, base_url=BASE_URL, http_client=mine) as client:
        await client.list_access_requests()
    assert seen == ["/api/v1/auth/token", "/api/v1/access-requests"]
    assert not mine.is_closed
    assert (dict(mine.headers), mine.auth, mine.base_url, mine.timeout) == before
    await mine.aclose()


async def test_http_client_timeout_is_the_default() -> None:
    """Without timeout=, a user's client's bounded timeout applies; an unbounded one does not."""
    async with httpx.AsyncClient(timeout=7) as theirs:
        client = MemoramClient(api_key=API_KEY, base_url=BASE_URL, http_client=theirs)
        assert client._session.timeout.read == 7
    async with httpx.AsyncClient(timeout=None) as unbounded:  # noqa: S113 - the case tested
        client = MemoramClient(api_key=API_KEY, base_url=BASE_URL, http_client=unbounded)
        assert client._session.timeout.read == 30


async def test_with_options_timeout_applies_per_call_only() -> None:
    """A per-call timeout reaches the request; the parent keeps its own."""
    fake = FakeAPI()
    timeouts: list[dict[str, Any]] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"])
        return await fake.handler(request)

    client = MemoramClient(
        api_key=API_KEY, base_url=BASE_URL, transport=httpx.MockTransport(handler), timeout=20
    )
    async with client:
        await client.with_options(timeout=2.5).list_access_requests()
        await client.list_access_requests()
        await (
            client.user(credentials()).with_options(timeout=httpx.Timeout(4, connect=1)).list_tags()
        )
    assert timeouts[1]["read"] == 2.5  # [0] is the token, fetched within the first call
    assert timeouts[2]["read"] == 20
    assert timeouts[3] == {"connect": 1, "read": 4, "write": 4, "pool": 4}


async def test_with_options_shares_state_and_costs_nothing() -> None:
    """A copy shares the connection pool and token; closing the parent closes the copy."""
    fake = FakeAPI()
    client = fake.client()
    copy = client.with_options(max_retries=5)
    assert copy._session is client._session
    await copy.list_access_requests()
    await client.list_access_requests()
    assert fake.token_requests == 1
    await client.aclose()
    assert copy.is_closed
    with pytest.raises(ClientClosedError):
        await copy.list_access_requests()


async def test_construction_does_no_io_and_close_is_idempotent() -> None:
    """A client made and closed without calls never touches its transport."""
    client = MemoramClient(
        api_key=API_KEY,
        base_url=BASE_URL,
        transport=httpx.MockTransport(lambda r: pytest.fail("I/O")),
    )
    await client.aclose()
    await client.aclose()
    assert client.is_closed
    with pytest.raises(ClientClosedError, match="closed"):
        async with client:
            pass


def test_environment_variables_are_the_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    """MEMORAM_API_KEY and MEMORAM_BASE_URL are read when the arguments are absent."""
    monkeypatch.setenv("MEMORAM_API_KEY", API_KEY)
    monkeypatch.setenv("MEMORAM_BASE_URL", "http://127.0.0.1:9/api/v1/")
    client = MemoramClient()
    assert client.base_url == "http://127.0.0.1:9/api/v1"
    monkeypatch.delenv("MEMORAM_BASE_URL")
    assert MemoramClient().base_url == "https://api.memoram.app/api/v1"


async def test_reprs_and_logs_hold_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    """At DEBUG, logs and the reprs of public objects show no key, token or content."""
    caplog.set_level(logging.DEBUG, logger="memoram_async")
    fake = FakeAPI()
    fake.fail("POST", "/memory-blobs", httpx.Response(429))
    async with fake.client() as client:
        user = client.user(credentials())
        memory = await user.create_memory("private thoughts", title="private title")
        request = await client.request_access(MEMORY_KEY, reason="r")
        texts = [repr(client), repr(user), repr(request), repr(credentials())]
    texts += [record.getMessage() for record in caplog.records]
    # A memory's repr shows its title (a label the server stores as is), never its content.
    assert "private thoughts" not in repr(memory)
    tokens = [t for t in fake.valid_tokens]
    for text in texts:
        for secret in (
            API_KEY,
            MEMORY_KEY,
            ENCRYPTION_KEY,
            "private thoughts",
            "private title",
            *tokens,
        ):
            assert secret not in text
    attempts = [r.getMessage() for r in caplog.records if "attempt" in r.getMessage()]
    assert "POST /memory-blobs -> 429 (attempt 1" in attempts[1]
    assert any("retrying POST /memory-blobs" in r.getMessage() for r in caplog.records)


def test_all_is_complete_and_sorted() -> None:
    """__all__ lists every public name the package defines, in ruff's isort-style order."""
    names = memoram_async.__all__
    key = lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n)  # noqa: E731
    assert names == sorted(names, key=key)
    public = {
        name
        for name, value in vars(memoram_async).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert public == set(names)
    for error in ("MemoramError", "ApprovalTimeoutError", "ApprovalPendingError", "RateLimitError"):
        assert error in names
