"""Scenario 3: hostile or broken answers, generated with hypothesis, for every public operation.

Each case is a fresh client on the fake API of the client tests (``tests/support/fake_api.py``,
behind ``httpx.MockTransport``). The operation under test gets one to three generated answers in a
row (its retries see them too), then normal ones. The answers cover: truncated and invalid JSON,
wrong types, missing and extra fields, huge bodies, deep nesting, HTML error pages, wrong or missing
content types, 200 with an error body, unknown and undocumented statuses, redirects, bad
``Retry-After``, ``Date``, ``Content-Encoding`` and request-id headers.

The promise checked: every call returns a value or raises a ``MemoramError`` subclass (never a
``KeyError``, ``TypeError``, a generated-client or an httpx exception), and none outlives a guard
far beyond its timeout. Retries and polls sleep instantly, so a hang is a real one. A body that
cannot be read is an ``APIResponseValidationError`` that names the broken field (its ``field``
is set: a path such as ``memoryBlobs[0].importance``, or ``""`` for the body as a whole); only
a success status the operation does not document leaves it unset.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memoram_async import APIResponseValidationError, MemoramClient, MemoramError, UserMemories

from ..fake_api import ENCRYPTION_KEY, USER_ID, FakeAPI, credentials
from .common import ScenarioResult, error_kind, outcome_of

# A call (with its instant retries) that takes longer than this is hung.
CASE_GUARD: Final = 20.0
NOW: Final = "2026-01-01T00:00:00Z"
ACCESS_ID: Final = "cm00000001"
PENDING_ID: Final = "cm00000002"
MEMORY_ID: Final = "mem_0001"
TAG_ID: Final = "tag_0001"

_ACCESS = {
    "id": ACCESS_ID,
    "status": "approved",
    "reason": "chaos",
    "memoryKey": "mk_user_memory_key_0123456789",
    "user_id": USER_ID,
    "aiConnectorId": "conn_1",
    "createdAt": NOW,
    "updatedAt": NOW,
}
_BLOB = {
    "id": MEMORY_ID,
    "user_id": USER_ID,
    "title": "t",
    "summary": "s",
    "tags": ["a"],
    "tag_ids": [TAG_ID],
    "importance": 1.0,
    "confidence": 0.5,
    "source": "chaos",
    "created_at": NOW,
    "updated_at": NOW,
}
_TAG = {
    "id": TAG_ID,
    "name": "a",
    "description": "",
    "color": "#4F46E5",
    "is_enabled": True,
    "created_at": NOW,
    "updated_at": NOW,
}


@dataclass(frozen=True)
class Operation:
    """One public operation and the request whose answers are replaced."""

    name: str
    method: str
    path: str
    template: Any
    run: Callable[[FakeAPI, MemoramClient, UserMemories], Awaitable[object]]


async def _list_memories(user: UserMemories) -> list[Any]:
    return [memory async for memory in user.list_memories(page_size=10)]


async def _token_then_call(api: FakeAPI, client: MemoramClient, user: UserMemories) -> object:
    # A new client: its first call fetches a token, and that fetch gets the hostile answers.
    async with api.client() as fresh:
        return await fresh.list_access_requests()


def _envelope() -> str:
    return credentials()._keyring.encrypt("seed content", USER_ID)


OPERATIONS: Final = (
    Operation(
        "token",
        "POST",
        "/auth/token",
        {"token": "eyJhbGciOi.e30.sig", "expires_at": NOW, "token_type": "Bearer"},
        _token_then_call,
    ),
    Operation(
        "request_access",
        "POST",
        "/access-requests",
        {**_ACCESS, "status": "pending"},
        lambda a, c, u: c.request_access("mk_user_memory_key_0123456789", reason="chaos"),
    ),
    Operation(
        "get_access_request",
        "GET",
        f"/access-requests/{ACCESS_ID}",
        _ACCESS,
        lambda a, c, u: c.get_access_request(ACCESS_ID),
    ),
    Operation(
        "list_access_requests",
        "GET",
        "/access-requests",
        {"items": [_ACCESS], "total": 1},
        lambda a, c, u: c.list_access_requests(),
    ),
    Operation(
        "wait_for_approval",
        "GET",
        f"/access-requests/{PENDING_ID}",
        {**_ACCESS, "id": PENDING_ID, "status": "pending"},
        lambda a, c, u: c.wait_for_approval(PENDING_ID, timeout=60),
    ),
    Operation(
        "get_credentials",
        "GET",
        f"/access-requests/{ACCESS_ID}/credentials",
        {
            "user_id": USER_ID,
            "memory_key": "mk_user_memory_key_0123456789",
            "encryption_key": ENCRYPTION_KEY,
            "key_version": 1,
        },
        lambda a, c, u: c.get_credentials(ACCESS_ID),
    ),
    Operation(
        "create_memory",
        "POST",
        "/memory-blobs",
        _BLOB,
        lambda a, c, u: u.create_memory("hello", title="t", tags=["a"], importance=1.0),
    ),
    Operation(
        "get_memory",
        "GET",
        f"/memory-blobs/{MEMORY_ID}",
        {**_BLOB, "content": "$ENVELOPE"},
        lambda a, c, u: u.get_memory(MEMORY_ID),
    ),
    Operation(
        "list_memories",
        "GET",
        "/memory-blobs",
        {"memoryBlobs": [{**_BLOB, "content": "$ENVELOPE"}], "next_cursor": None},
        lambda a, c, u: _list_memories(u),
    ),
    Operation(
        "update_memory",
        "PATCH",
        f"/memory-blobs/{MEMORY_ID}",
        _BLOB,
        lambda a, c, u: u.update_memory(MEMORY_ID, content="new", tags=["b"]),
    ),
    Operation(
        "delete_memory",
        "DELETE",
        f"/memory-blobs/{MEMORY_ID}",
        {"id": MEMORY_ID, "deleted": True},
        lambda a, c, u: u.delete_memory(MEMORY_ID),
    ),
    Operation("list_tags", "GET", "/tags", {"items": [_TAG]}, lambda a, c, u: u.list_tags()),
    Operation("get_tag", "GET", f"/tags/{TAG_ID}", _TAG, lambda a, c, u: u.get_tag(TAG_ID)),
    Operation(
        "reencrypt_memories",
        "GET",
        "/memory-blobs",
        {"memoryBlobs": [{**_BLOB, "content": "$ENVELOPE"}], "next_cursor": None},
        lambda a, c, u: u.reencrypt_memories(),
    ),
)
OPERATION_NAMES: Final = tuple(op.name for op in OPERATIONS)


# -- generated answers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One generated answer. Big bodies are described (``huge``/``deep``) and built when sent,
    so that hypothesis never has to hold or print them."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    huge: int = 0
    deep: int = 0
    cut: bool = False

    def build(self) -> httpx.Response:
        """The httpx response this answer stands for."""
        body = self.body.replace(b"$ENVELOPE", _envelope().encode())
        if self.huge:
            body = b'{"items": [' + b'{"id": "x", "name": "' + b"y" * self.huge + b'"}]}'
        if self.deep:
            body = b"[" * self.deep + b"]" * self.deep
        if self.cut:
            return httpx.Response(self.status, headers=list(self.headers), stream=_Cut(body))
        # A stream, not content=: httpx decodes content at once, the client must meet it raw.
        return httpx.Response(
            self.status, headers=list(self.headers), stream=httpx.ByteStream(body)
        )


class _Cut(httpx.AsyncByteStream):
    """A body that breaks off half way: the connection dropped while the answer was read."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._body[: len(self._body) // 2]
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


_json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
_json = st.recursive(
    _json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def _mutated(draw: st.DrawFn, template: Any) -> Any:
    """The template with fields dropped, retyped, or added, at any depth."""
    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            action = draw(st.sampled_from(("keep", "keep", "keep", "drop", "retype", "recurse")))
            if action == "keep":
                out[key] = value
            elif action == "retype":
                out[key] = draw(_json)
            elif action == "recurse":
                out[key] = draw(_mutated(value))
        out.update(draw(st.dictionaries(st.text(max_size=10), _json, max_size=2)))
        return out
    if isinstance(template, list):
        return [draw(_mutated(item)) for item in template] + draw(st.lists(_json, max_size=2))
    return draw(st.one_of(st.just(template), _json))


_STATUSES: Final = st.one_of(
    st.sampled_from((200, 201, 200, 201, 202, 204, 206, 299)),
    st.sampled_from((301, 302, 303, 307, 308, 304)),
    st.sampled_from((400, 401, 403, 404, 405, 409, 410, 418, 422, 429, 451, 499)),
    st.sampled_from((500, 502, 503, 504, 520, 599)),
    st.integers(min_value=100, max_value=999),
)
_CONTENT_TYPES: Final = st.sampled_from(
    (
        "application/json",
        "application/json",
        "application/problem+json",
        "application/json; charset=utf-16",
        "text/html; charset=utf-8",
        "text/plain",
        "application/octet-stream",
        "",
    )
)
_HEADER_VALUES: Final = st.one_of(
    st.sampled_from(
        (
            "1",
            "0",
            "-5",
            "nan",
            "inf",
            "1e308",
            "3600",
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "garbage",
        )
    ),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
)
_EXTRA_HEADERS: Final = st.lists(
    st.tuples(
        st.sampled_from(("retry-after", "date", "x-request-id", "location", "content-encoding")),
        _HEADER_VALUES,
    )
    | st.tuples(st.just("content-encoding"), st.sampled_from(("gzip", "br", "deflate", "zstd"))),
    max_size=3,
)
_HTML: Final = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
)


def answers_for(op: Operation) -> st.SearchStrategy[Answer]:
    """Generated answers for ``op``'s request."""
    valid = json.dumps(op.template).encode()
    bodies = st.one_of(
        _mutated(op.template).map(lambda v: json.dumps(v, allow_nan=True).encode()),
        st.integers(min_value=0, max_value=max(0, len(valid) - 1)).map(lambda n: valid[:n]),
        st.just(valid),
        _json.map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=64),
        st.just(_HTML),
        st.just(b'{"error": "internal_error", "message": "Something broke"}'),
        st.just(b"\xff\xfe\x00{"),
        st.just(b""),
    )
    plain = st.builds(
        lambda status, ctype, extra, body: Answer(
            status, (("content-type", ctype), *extra) if ctype else tuple(extra), body
        ),
        _STATUSES,
        _CONTENT_TYPES,
        _EXTRA_HEADERS,
        bodies,
    )
    big = st.builds(
        lambda status, huge, deep: Answer(
            status, (("content-type", "application/json"),), huge=huge, deep=deep
        ),
        st.sampled_from((200, 201, 500)),
        st.sampled_from((0, 2_000_000, 6_000_000)),
        st.sampled_from((0, 0, 100_000)),
    )
    cut = st.builds(
        lambda status, body: Answer(
            status, (("content-type", "application/json"),), body, cut=True
        ),
        st.sampled_from((200, 201, 400, 503)),
        st.just(valid),
    )
    return st.one_of(plain, plain, plain, big, cut)


# -- one case ------------------------------------------------------------------------------------


async def run_case(op: Operation, answers: list[Answer]) -> object:
    """Run ``op`` with ``answers`` in front of the fake API; returns its value or exception."""
    api = FakeAPI()
    async with api.client() as client:
        user = client.user(credentials())
        await client.request_access("mk_user_memory_key_0123456789", reason="seed")
        await client.request_access("mk_user_memory_key_0123456789", reason="seed")
        api.access[ACCESS_ID]["status"] = "approved"
        api.add_memory(_envelope(), tags=["a"], tag_ids=[TAG_ID])
        api.tags[TAG_ID] = dict(_TAG)
        api.fail(op.method, op.path, *(answer.build() for answer in answers))
        return await outcome_of(op.run(api, client, user), CASE_GUARD)


def unnamed_shape_error(outcome: object) -> bool:
    """Whether ``outcome`` is a shape error that does not name the broken field (a defect,
    unless the status was a success the operation does not document)."""
    return (
        isinstance(outcome, APIResponseValidationError)
        and outcome.field is None
        and "an undocumented status" not in str(outcome)
    )


def describe(outcome: object) -> str:
    """What a case ended in, for messages."""
    if isinstance(outcome, BaseException):
        return f"{type(outcome).__module__}.{type(outcome).__name__}: {outcome}"[:500]
    return f"returned {type(outcome).__name__}"


def hostile_check(
    op: Operation, examples: int, result: ScenarioResult | None = None
) -> Callable[[], None]:
    """A hypothesis test of ``op`` with ``examples`` generated cases; call it to run them.

    It fails (with hypothesis's smallest example) when a call ends in anything but a value or a
    MemoramError; every outcome is also counted on ``result``.
    """

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(answers=st.lists(answers_for(op), min_size=1, max_size=3))
    def check(answers: list[Answer]) -> None:
        outcome = asyncio.run(run_case(op, answers))
        if result is not None:
            result.record(outcome)
        if isinstance(outcome, BaseException) and not isinstance(outcome, MemoramError):
            raise AssertionError(f"{op.name}: {describe(outcome)} ({error_kind(outcome)})")
        if unnamed_shape_error(outcome):
            raise AssertionError(f"{op.name}: the broken field is not named: {describe(outcome)}")

    return check


def run_hostile(
    examples: int = 200, operations: tuple[str, ...] = OPERATION_NAMES
) -> ScenarioResult:
    """Scenario 3: ``examples`` generated cases for each operation."""
    result = ScenarioResult("hostile responses")
    started = time.perf_counter()
    for op in OPERATIONS:
        if op.name not in operations:
            continue
        try:
            hostile_check(op, examples, result)()
        except AssertionError as exc:
            result.problems.append(str(exc).splitlines()[0][:300])
    result.elapsed = time.perf_counter() - started
    result.notes.append(f"{len(operations)} operations x {examples} generated cases")
    return result
