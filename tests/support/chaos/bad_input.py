"""Scenario 4: bad input, refused with a typed error before any I/O.

One table of cases (`CASES`) across every public method and constructor: wrong types, empty and
oversized strings, non-UUID ids, NaN and infinite scores, commas in tags, bad page sizes, bad
keys, bad settings, a closed client. Each runs on a client whose transport fails the case if a
single request reaches it.
"""

from __future__ import annotations

import inspect
import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final

import httpx

from memoram_async import (
    ClientClosedError,
    Credentials,
    InvalidKeyError,
    MemoramClient,
    MemoramError,
    UserMemories,
    ValidationError,
)

from ..fake_api import API_KEY, BASE_URL, ENCRYPTION_KEY, MEMORY_KEY, USER_ID, credentials
from .common import ScenarioResult

MEM: Final = "mem_0001"
NAN: Final = math.nan
INF: Final = math.inf


class Untouchable(httpx.AsyncBaseTransport):
    """A transport that counts, and refuses, every request that reaches it."""

    def __init__(self) -> None:
        self.touched: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.touched.append(f"{request.method} {request.url.path}")
        raise AssertionError(f"bad input reached the network: {request.method} {request.url}")


@dataclass
class Env:
    """What a case may use: an open client and user, a closed client and its user."""

    transport: Untouchable
    client: MemoramClient
    user: UserMemories
    closed: MemoramClient
    closed_user: UserMemories
    plain_user: UserMemories

    def new_client(self, **kwargs: Any) -> MemoramClient:
        """A client on the untouchable transport (``api_key`` and ``base_url`` defaulted)."""
        kwargs.setdefault("api_key", API_KEY)
        kwargs.setdefault("base_url", BASE_URL)
        if "http_client" not in kwargs:
            kwargs.setdefault("transport", self.transport)
        return MemoramClient(**kwargs)


@dataclass(frozen=True)
class BadInput:
    """One case: what is called, and the error class it must raise."""

    name: str
    call: Callable[[Env], object]
    error: type[MemoramError] = ValidationError


def _creds(**changes: Any) -> Callable[[Env], object]:
    fields = {
        "user_id": USER_ID,
        "memory_key": MEMORY_KEY,
        "encryption_key": ENCRYPTION_KEY,
        "key_version": 1,
    }
    return lambda env: Credentials(**{**fields, **changes})


async def _first(iterator: AsyncIterator[Any]) -> object:
    return await iterator.__anext__()


CASES: Final = (
    # -- the client's settings
    BadInput("api_key empty", lambda e: e.new_client(api_key="")),
    BadInput("api_key not a str", lambda e: e.new_client(api_key=12345)),
    BadInput("api_key with a space", lambda e: e.new_client(api_key="mem_abc def")),
    BadInput("api_key with a newline", lambda e: e.new_client(api_key="mem_abc\n")),
    BadInput("api_key and token", lambda e: e.new_client(token="eyJ.a.b")),
    BadInput("token empty", lambda e: e.new_client(api_key=None, token="")),
    BadInput("base_url not http(s)", lambda e: e.new_client(base_url="ftp://api.test/v1")),
    BadInput("base_url relative", lambda e: e.new_client(base_url="/api/v1")),
    BadInput("base_url without a scheme", lambda e: e.new_client(base_url="api.test/v1")),
    BadInput("base_url with a query", lambda e: e.new_client(base_url=BASE_URL + "?x=1")),
    BadInput("base_url with user:pass", lambda e: e.new_client(base_url="https://u:p@api.test")),
    BadInput(
        "base_url plain http to a remote IP",
        lambda e: e.new_client(base_url="http://192.0.2.10/api/v1"),
    ),
    BadInput("base_url not a str", lambda e: e.new_client(base_url=b"https://api.test")),
    BadInput("timeout negative", lambda e: e.new_client(timeout=-1)),
    BadInput("timeout zero", lambda e: e.new_client(timeout=0)),
    BadInput("timeout a str", lambda e: e.new_client(timeout="30")),
    BadInput("timeout NaN", lambda e: e.new_client(timeout=NAN)),
    BadInput("timeout infinite", lambda e: e.new_client(timeout=INF)),
    BadInput("timeout unbounded phase", lambda e: e.new_client(timeout=httpx.Timeout(None))),
    BadInput("max_retries negative", lambda e: e.new_client(max_retries=-1)),
    BadInput("max_retries huge", lambda e: e.new_client(max_retries=10_000)),
    BadInput("max_retries 21", lambda e: e.new_client(max_retries=21)),
    BadInput("max_retries a bool", lambda e: e.new_client(max_retries=True)),
    BadInput("max_retries a float", lambda e: e.new_client(max_retries=2.5)),
    BadInput("encryption not a bool", lambda e: e.new_client(encryption="yes")),
    BadInput("idempotent_creates not a bool", lambda e: e.new_client(idempotent_creates=1)),
    BadInput("http_client not httpx", lambda e: e.new_client(http_client=object())),
    BadInput("transport not httpx", lambda e: e.new_client(transport=object())),
    BadInput("with_options timeout zero", lambda e: e.client.with_options(timeout=0)),
    BadInput("with_options max_retries -1", lambda e: e.user.with_options(max_retries=-1)),
    # -- credentials and keys
    BadInput("user_id not a UUID", _creds(user_id="user-1")),
    BadInput("user_id an int", _creds(user_id=42)),
    BadInput("memory_key empty", _creds(memory_key="")),
    BadInput("memory_key blank", _creds(memory_key=" ")),
    BadInput("memory_key 257 chars", _creds(memory_key="k" * 257)),
    BadInput("encryption_key not hex", _creds(encryption_key="zz" * 32), InvalidKeyError),
    BadInput("encryption_key 20 bytes", _creds(encryption_key="11" * 20), InvalidKeyError),
    BadInput("encryption_key 15 bytes", _creds(encryption_key="11" * 15)),
    BadInput("encryption_key odd hex digits", _creds(encryption_key="1" * 63), InvalidKeyError),
    BadInput("encryption_key empty", _creds(encryption_key="")),
    BadInput("key_version negative", _creds(key_version=-1)),
    BadInput("key_version a float", _creds(key_version=1.5)),
    BadInput("previous_keys not a mapping", _creds(previous_keys=["11" * 32])),
    BadInput("Credentials.from_dict missing fields", lambda e: Credentials.from_dict({})),
    BadInput("user() without Credentials", lambda e: e.client.user({"user_id": USER_ID})),
    # -- access requests
    BadInput("request_access memory_key empty", lambda e: e.client.request_access("", reason="r")),
    BadInput("request_access memory_key None", lambda e: e.client.request_access(None, reason="r")),
    BadInput("request_access memory_key an int", lambda e: e.client.request_access(1, reason="r")),
    BadInput(
        "request_access memory_key with a space",
        lambda e: e.client.request_access("a b", reason="r"),
    ),
    BadInput(
        "request_access memory_key 257 chars",
        lambda e: e.client.request_access("k" * 257, reason="r"),
    ),
    BadInput("request_access reason empty", lambda e: e.client.request_access("mk", reason="")),
    BadInput("request_access reason blank", lambda e: e.client.request_access("mk", reason="  ")),
    BadInput(
        "request_access reason 256 chars", lambda e: e.client.request_access("mk", reason="r" * 256)
    ),
    BadInput("request_access reason an int", lambda e: e.client.request_access("mk", reason=7)),
    BadInput("request_access reason bytes", lambda e: e.client.request_access("mk", reason=b"r")),
    BadInput("get_access_request id empty", lambda e: e.client.get_access_request("")),
    BadInput("get_access_request id with '/'", lambda e: e.client.get_access_request("a/../b")),
    BadInput("get_access_request id an int", lambda e: e.client.get_access_request(12)),
    BadInput("get_access_request id None", lambda e: e.client.get_access_request(None)),
    BadInput("get_access_request id with a space", lambda e: e.client.get_access_request("a b")),
    BadInput("get_access_request id too long", lambda e: e.client.get_access_request("c" * 300)),
    BadInput(
        "wait_for_approval timeout negative",
        lambda e: e.client.wait_for_approval("cm1", timeout=-1),
    ),
    BadInput(
        "wait_for_approval timeout NaN", lambda e: e.client.wait_for_approval("cm1", timeout=NAN)
    ),
    BadInput("wait_for_approval id with space", lambda e: e.client.wait_for_approval("c m")),
    BadInput(
        "wait_for_approval timeout a str", lambda e: e.client.wait_for_approval("cm1", timeout="5")
    ),
    BadInput("get_credentials id empty", lambda e: e.client.get_credentials("")),
    BadInput("get_credentials id with a newline", lambda e: e.client.get_credentials("cm1\n")),
    # -- memories
    BadInput("create_memory content None", lambda e: e.user.create_memory(None)),
    BadInput("create_memory content bytes", lambda e: e.user.create_memory(b"secret")),
    BadInput("create_memory tags a bare str", lambda e: e.user.create_memory("c", tags="travel")),
    BadInput("create_memory tag with a comma", lambda e: e.user.create_memory("c", tags=["a,b"])),
    BadInput("create_memory tag empty", lambda e: e.user.create_memory("c", tags=[""])),
    BadInput("create_memory tag not a str", lambda e: e.user.create_memory("c", tags=[1])),
    BadInput(
        "create_memory tag with padding", lambda e: e.user.create_memory("c", tags=[" travel"])
    ),
    BadInput("create_memory importance NaN", lambda e: e.user.create_memory("c", importance=NAN)),
    BadInput("create_memory importance inf", lambda e: e.user.create_memory("c", importance=INF)),
    BadInput(
        "create_memory importance a bool", lambda e: e.user.create_memory("c", importance=True)
    ),
    BadInput(
        "create_memory importance a str", lambda e: e.user.create_memory("c", importance="high")
    ),
    BadInput("create_memory confidence 1.5", lambda e: e.user.create_memory("c", confidence=1.5)),
    BadInput("create_memory confidence -0.1", lambda e: e.user.create_memory("c", confidence=-0.1)),
    BadInput("create_memory confidence -inf", lambda e: e.user.create_memory("c", confidence=-INF)),
    BadInput(
        "create_memory confidence a bool", lambda e: e.user.create_memory("c", confidence=True)
    ),
    BadInput("create_memory title an int", lambda e: e.user.create_memory("c", title=5)),
    BadInput("create_memory source a list", lambda e: e.user.create_memory("c", source=["x"])),
    BadInput("get_memory id with whitespace", lambda e: e.user.get_memory("mem 1")),
    BadInput("get_memory id None", lambda e: e.user.get_memory(None)),
    BadInput("get_memory id with a control char", lambda e: e.user.get_memory("mem\x00")),
    BadInput("get_memory id empty", lambda e: e.user.get_memory("")),
    BadInput("get_memory id a path", lambda e: e.user.get_memory("../x")),
    BadInput("get_memory id an int", lambda e: e.user.get_memory(5)),
    BadInput("list_memories page_size 0", lambda e: e.user.list_memories(page_size=0)),
    BadInput("list_memories page_size 101", lambda e: e.user.list_memories(page_size=101)),
    BadInput("list_memories page_size a float", lambda e: e.user.list_memories(page_size=10.0)),
    BadInput("list_memories page_size a bool", lambda e: e.user.list_memories(page_size=True)),
    BadInput(
        "list_memories min_importance NaN", lambda e: e.user.list_memories(min_importance=NAN)
    ),
    BadInput("list_memories tag with a comma", lambda e: e.user.list_memories(tags=["x,y"])),
    BadInput("list_memories tag with padding", lambda e: e.user.list_memories(tags=["x "])),
    BadInput("list_memories tags a bare str", lambda e: e.user.list_memories(tags="work")),
    BadInput("list_memories search an int", lambda e: e.user.list_memories(search=5)),
    BadInput("list_memories strict not a bool", lambda e: e.user.list_memories(strict="yes")),
    BadInput("update_memory nothing to change", lambda e: e.user.update_memory(MEM)),
    BadInput("update_memory content an int", lambda e: e.user.update_memory(MEM, content=5)),
    BadInput("update_memory title None", lambda e: e.user.update_memory(MEM, title=None)),
    BadInput("update_memory importance inf", lambda e: e.user.update_memory(MEM, importance=INF)),
    BadInput("update_memory importance None", lambda e: e.user.update_memory(MEM, importance=None)),
    BadInput("update_memory tags a bare str", lambda e: e.user.update_memory(MEM, tags="x")),
    BadInput("update_memory tag with a comma", lambda e: e.user.update_memory(MEM, tags=["x,y"])),
    BadInput("update_memory confidence 2", lambda e: e.user.update_memory(MEM, confidence=2)),
    BadInput("update_memory id with a space", lambda e: e.user.update_memory("a b", title="t")),
    BadInput("update_memory id empty", lambda e: e.user.update_memory("", title="t")),
    BadInput("delete_memory id empty", lambda e: e.user.delete_memory("")),
    # A URL would resolve "." and ".." into another endpoint.
    BadInput("delete_memory id '.'", lambda e: e.user.delete_memory(".")),
    BadInput("delete_memory id '..'", lambda e: e.user.delete_memory("..")),
    BadInput("delete_memory id a UUID object", lambda e: e.user.delete_memory(USER_ID.encode())),
    BadInput("get_tag id with '/'", lambda e: e.user.get_tag("../etc")),
    BadInput(
        "reencrypt_memories concurrency 0", lambda e: e.user.reencrypt_memories(concurrency=0)
    ),
    BadInput(
        "reencrypt_memories concurrency 33", lambda e: e.user.reencrypt_memories(concurrency=33)
    ),
    BadInput("reencrypt_memories without encryption", lambda e: e.plain_user.reencrypt_memories()),
    # -- a closed client
    BadInput(
        "closed: request_access",
        lambda e: e.closed.request_access("mk", reason="r"),
        ClientClosedError,
    ),
    BadInput(
        "closed: list_access_requests", lambda e: e.closed.list_access_requests(), ClientClosedError
    ),
    BadInput(
        "closed: get_credentials", lambda e: e.closed.get_credentials("cm1"), ClientClosedError
    ),
    BadInput(
        "closed: create_memory", lambda e: e.closed_user.create_memory("c"), ClientClosedError
    ),
    BadInput("closed: get_memory", lambda e: e.closed_user.get_memory(MEM), ClientClosedError),
    BadInput(
        "closed: list_memories", lambda e: _first(e.closed_user.list_memories()), ClientClosedError
    ),
    BadInput(
        "closed: delete_memory", lambda e: e.closed_user.delete_memory(MEM), ClientClosedError
    ),
    BadInput("closed: list_tags", lambda e: e.closed_user.list_tags(), ClientClosedError),
    BadInput(
        "closed: a with_options copy",
        lambda e: e.closed.with_options(max_retries=0).list_access_requests(),
        ClientClosedError,
    ),
    BadInput("closed: async with again", lambda e: e.closed.__aenter__(), ClientClosedError),
)


@asynccontextmanager
async def environment() -> AsyncIterator[Env]:
    """Clients on an untouchable transport: one open, one closed, one without encryption."""
    transport = Untouchable()
    client = MemoramClient(api_key=API_KEY, base_url=BASE_URL, transport=transport)
    closed = MemoramClient(api_key=API_KEY, base_url=BASE_URL, transport=transport)
    plain = MemoramClient(api_key=API_KEY, base_url=BASE_URL, transport=transport, encryption=False)
    await closed.aclose()
    try:
        yield Env(
            transport,
            client,
            client.user(credentials()),
            closed,
            closed.user(credentials()),
            plain.user(credentials()),
        )
    finally:
        await client.aclose()
        await plain.aclose()


async def attempt(case: BadInput, env: Env) -> BaseException | None:
    """Run a case to its first effect: the exception it raised, or None if it was accepted."""
    try:
        value = case.call(env)
        if inspect.isawaitable(value):
            await value
        elif isinstance(value, MemoramClient):
            await value.aclose()
    except Exception as exc:
        return exc
    return None


def verdict(case: BadInput, outcome: BaseException | None, touched: list[str]) -> str | None:
    """What is wrong with a case's outcome, or None when it was refused as promised."""
    if touched:
        return f"{case.name}: reached the network ({', '.join(touched)})"
    if outcome is None:
        return f"{case.name}: accepted"
    if not isinstance(outcome, case.error):
        return f"{case.name}: {type(outcome).__name__} ({outcome}), not {case.error.__name__}"
    return None


async def run_bad_input(cases: tuple[BadInput, ...] = CASES) -> ScenarioResult:
    """Scenario 4: every case of the table, each on fresh clients."""
    result = ScenarioResult("bad input")
    started = time.perf_counter()
    for case in cases:
        async with environment() as env:
            outcome = await attempt(case, env)
            result.record(outcome if outcome is not None else "accepted")
            problem = verdict(case, outcome, env.transport.touched)
            if problem:
                result.problems.append(problem)
    result.elapsed = time.perf_counter() - started
    return result
