"""The SDK against an evolving server: the local server's answers changed as a newer API would.

A small loopback proxy (uvicorn on 127.0.0.1, its own thread) sits in front of a real
``LocalServer`` and rewrites answers the way additive spec changes do: unknown fields at every
level, a new enum value, fields the SDK does not use left out, optional fields missing or
null, another 2xx status, a new error status. The SDK's whole flow (token, access request,
approval, credentials, memories, tags) runs through it, with the SDK's own connection pool and
with a user's ``httpx.AsyncClient``. What can keep working must; what cannot must fail with an
error that names the field (and never shows its value).
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Final, TypeVar

import httpx
import pytest
import uvicorn

from memoram_async import (
    AccessRequestStatus,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ApprovalTimeoutError,
    Credentials,
    InternalServerError,
    MemoramClient,
    ResponseTooLargeError,
    UnknownAccessStatusError,
)
from memoram_async._pagination import STALE_PAGE_LIMIT
from memoram_local import LocalServer
from tests.support.deadline import run_in_thread
from tests.support.fake_api import instant
from tests.support.listing import drain

MEMORY_KEY: Final = "memory-key-evolving"
CONTENT: Final = "Prefers window seats"
# A value no message may ever show: it stands for a secret or the user's words.
CANARY: Final = "canary-7f3a9c"
FLOW_DEADLINE: Final = 60.0

Json = Any
Rewrite = Callable[["Answer"], None]


@dataclass
class Answer:
    """An answer of the local server on its way back to the SDK, open to change.

    ``raw`` replaces the JSON of ``body`` with these exact bytes (JSON no serializer writes);
    ``chunks`` streams the body instead, chunk by chunk, without a Content-Length.
    """

    method: str
    path: str
    status: int
    headers: dict[str, str]
    body: Json
    raw: bytes | None = None
    chunks: Callable[[], Iterator[bytes]] | None = None
    cursors: dict[str, str | None] = field(default_factory=dict)

    def replace_cursor(self, fake: str) -> None:
        """Send ``fake`` as the next cursor; the proxy turns it back into the real one."""
        self.cursors[fake] = self.body["next_cursor"]
        self.body["next_cursor"] = fake


@dataclass
class Rule:
    """Rewrite answers to requests whose method and path (after /api/v1) match."""

    method: str
    path: str
    rewrite: Rewrite
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule applies to a request."""
        return self.method in (method, "*") and re.fullmatch(self.path, path) is not None


@dataclass
class EvolvingProxy:
    """A loopback HTTP proxy that applies :class:`Rule` s to the upstream's JSON answers."""

    upstream: str
    rules: list[Rule] = field(default_factory=list)
    # Cursors the rules made up, and the real cursor (None: the first page) each stands for.
    cursors: dict[str, str | None] = field(default_factory=dict)
    _client: httpx.AsyncClient | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    self._client = httpx.AsyncClient(
                        base_url=self.upstream, trust_env=False, timeout=10.0
                    )
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    if self._client is not None:
                        await self._client.aclose()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        assert self._client is not None
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = [(k.decode(), v.decode()) for k, v in scope["headers"] if k.lower() != b"host"]
        query = httpx.QueryParams(scope["query_string"].decode())
        made_up = query.get("cursor")
        if made_up in self.cursors:
            real = self.cursors[made_up]
            query = query.remove("cursor") if real is None else query.set("cursor", real)
        url = scope["path"] + ("?" + str(query) if query else "")
        upstream = await self._client.request(scope["method"], url, headers=headers, content=body)
        answer, content = self._rewrite(scope["method"], scope["path"], upstream)
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [(k.encode(), v.encode()) for k, v in answer.headers.items()],
            }
        )
        if answer.chunks is None:
            await send({"type": "http.response.body", "body": content})
            return
        # Streamed until the chunks run out or the client goes away (bounded by the chunks).
        for chunk in answer.chunks():
            try:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            except OSError:
                return
            await asyncio.sleep(0)
        await send({"type": "http.response.body", "body": b""})

    def _rewrite(self, method: str, path: str, upstream: httpx.Response) -> tuple[Answer, bytes]:
        api_path = path.removeprefix("/api/v1")
        headers = {
            k: v
            for k, v in upstream.headers.items()
            if k not in ("content-length", "content-encoding", "transfer-encoding")
        }
        try:
            body: Json = upstream.json()
        except ValueError:
            return Answer(method, api_path, upstream.status_code, headers, None), upstream.content
        answer = Answer(method, api_path, upstream.status_code, headers, body, cursors=self.cursors)
        for rule in self.rules:
            if rule.matches(method, api_path):
                rule.hits += 1
                rule.rewrite(answer)
        if answer.raw is not None:
            content = answer.raw
        else:
            content = b"" if answer.body is None else json.dumps(answer.body).encode()
        if answer.body is not None:
            answer.headers.setdefault("content-type", "application/json")
        return answer, content


class ProxyServer:
    """Serves an :class:`EvolvingProxy` with uvicorn on a free loopback port, in a thread."""

    def __init__(self, proxy: EvolvingProxy) -> None:
        self.proxy = proxy
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            proxy,
            log_level="warning",
            access_log=False,
            date_header=False,
            server_header=False,
            lifespan="on",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """The proxied API's base URL."""
        return f"http://127.0.0.1:{self.port}/api/v1"

    def __enter__(self) -> ProxyServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the proxy did not start")
            time.sleep(0.005)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(10)
        self._socket.close()


# -- the changes a newer server makes ------------------------------------------------------------


def _walk_objects(value: Json, visit: Callable[[dict[str, Any]], None]) -> None:
    if isinstance(value, dict):
        for item in list(value.values()):
            _walk_objects(item, visit)
        visit(value)
    elif isinstance(value, list):
        for item in value:
            _walk_objects(item, visit)


def add_unknown_fields(answer: Answer) -> None:
    """Every object, at every level, gains fields this SDK has never heard of."""

    def add(obj: dict[str, Any]) -> None:
        obj["x_added_in_v2"] = {"nested": [1, "two", None], "flag": True}
        obj["anotherNewField"] = CANARY

    _walk_objects(answer.body, add)


def drop_fields(*names: str) -> Rewrite:
    """Leave out fields (at any level)."""

    def rewrite(answer: Answer) -> None:
        def drop(obj: dict[str, Any]) -> None:
            for name in names:
                obj.pop(name, None)

        _walk_objects(answer.body, drop)

    return rewrite


def null_fields(*names: str) -> Rewrite:
    """Send null for fields (at any level) where they are present."""

    def rewrite(answer: Answer) -> None:
        def nullify(obj: dict[str, Any]) -> None:
            for name in names:
                if name in obj:
                    obj[name] = None

        _walk_objects(answer.body, nullify)

    return rewrite


def set_field(path: tuple[str | int, ...], value: Json) -> Rewrite:
    """Replace the value at ``path`` (keys and list indices) with ``value``."""

    def rewrite(answer: Answer) -> None:
        target = answer.body
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return rewrite


def add_expired_request(answer: Answer) -> None:
    """The list gains a request with a status added in a newer API: ``expired``."""
    items = answer.body["items"]
    if items:
        items.append({**items[0], "id": "cm_expired_0001", "status": "expired"})


def with_status(status: int, *, empty: bool = False) -> Rewrite:
    """Answer with another status (and optionally no body)."""

    def rewrite(answer: Answer) -> None:
        answer.status = status
        if empty:
            answer.body = None

    return rewrite


# -- the whole flow -------------------------------------------------------------------------------


@dataclass
class FlowResult:
    """What the flow saw, for the assertions."""

    statuses: list[str]
    memory_title: str | None
    listed_contents: list[str]
    tag_names: list[str]
    remaining_after_delete: int


async def whole_flow(client: MemoramClient, server: LocalServer) -> FlowResult:
    """Token, access request, approval, credentials, create/get/list/update/delete, tags."""
    request = await client.request_access(MEMORY_KEY, reason="evolving server")
    await server.aapprove(request.id)
    await client.wait_for_approval(request.id, timeout=10)
    user = client.user(await client.get_credentials(request.id))
    created = await user.create_memory(
        CONTENT, title="trip", summary="seats", tags=["travel"], importance=0.5, source="tests"
    )
    fetched = await user.get_memory(created.id)
    assert fetched.content == CONTENT
    updated = await user.update_memory(created.id, title="trip v2", tags=["travel", "home"])
    listed = [memory async for memory in user.list_memories()]
    tags = await user.list_tags()
    tag = await user.get_tag(tags[0].id)
    assert tag.id == tags[0].id
    statuses = [str(r.status) for r in await client.list_access_requests()]
    assert (await client.get_access_request(request.id)).id == request.id
    await user.delete_memory(created.id)
    remaining = [memory async for memory in user.list_memories()]
    return FlowResult(
        statuses=statuses,
        memory_title=updated.title,
        listed_contents=[m.content or "" for m in listed],
        tag_names=sorted(t.name for t in tags),
        remaining_after_delete=len(remaining),
    )


@pytest.fixture
async def servers() -> AsyncIterator[tuple[LocalServer, ProxyServer]]:
    """A local server on a free loopback port and the evolving proxy in front of it, stopped
    together (each stop waits out uvicorn's shutdown, about 0.2 s)."""
    local = await asyncio.to_thread(LocalServer().start)
    try:
        proxy = await asyncio.to_thread(ProxyServer(EvolvingProxy(local.url)).__enter__)
    except BaseException:
        await asyncio.to_thread(local.stop)
        raise
    try:
        yield local, proxy
    finally:
        await asyncio.gather(
            asyncio.to_thread(proxy.__exit__, None, None, None), asyncio.to_thread(local.stop)
        )


@pytest.fixture
def local(servers: tuple[LocalServer, ProxyServer]) -> LocalServer:
    """The local server behind the proxy."""
    return servers[0]


@pytest.fixture
def proxy(servers: tuple[LocalServer, ProxyServer]) -> ProxyServer:
    """The evolving proxy in front of ``local``; tests add rules to ``proxy.proxy.rules``."""
    return servers[1]


@pytest.fixture(params=["sdk_pool", "user_http_client"])
async def make_client(
    request: pytest.FixtureRequest, proxy: ProxyServer, local: LocalServer
) -> AsyncIterator[Callable[[], MemoramClient]]:
    """Builds clients on the proxy: with the SDK's own pool, or through a user's httpx client."""
    own: list[httpx.AsyncClient] = []
    made: list[MemoramClient] = []

    def build() -> MemoramClient:
        options: dict[str, Any] = {"max_retries": 0}
        if request.param == "user_http_client":
            http = httpx.AsyncClient(trust_env=False, timeout=10.0)
            own.append(http)
            options["http_client"] = http
        client = MemoramClient(api_key=local.api_key, base_url=proxy.base_url, **options)
        made.append(client)
        return client

    yield build
    for client in made:
        await client.aclose()
    for http in own:
        await http.aclose()


async def run_flow(make_client: Callable[[], MemoramClient], local: LocalServer) -> FlowResult:
    """The whole flow on a fresh client, under a deadline."""
    async with asyncio.timeout(FLOW_DEADLINE):
        return await whole_flow(make_client(), local)


ANY_PATH: Final = r"/.*"
ACCESS_ONE: Final = r"/access-requests/[^/]+"
BLOBS: Final = r"/memory-blobs"
BLOB_ONE: Final = r"/memory-blobs/[^/]+"

OPTIONAL_MEMORY_FIELDS: Final = (
    "user_id",
    "created_at",
    "updated_at",
    "title",
    "summary",
    "tags",
    "tag_ids",
    "importance",
    "confidence",
    "source",
)

# Changes a newer server may make that must not break anything.
COMPATIBLE: Final = {
    "unknown fields at every level": [Rule("*", ANY_PATH, add_unknown_fields)],
    "a new access-request status in the list": [
        Rule("GET", r"/access-requests", add_expired_request)
    ],
    "fields the SDK does not use left out": [
        Rule("POST", r"/auth/token", drop_fields("token_type")),
        Rule("GET", r"/access-requests", drop_fields("total")),
        Rule("DELETE", BLOB_ONE, drop_fields("id", "deleted")),
    ],
    "optional fields missing": [
        Rule("*", r"/memory-blobs.*", drop_fields(*OPTIONAL_MEMORY_FIELDS)),
        Rule("GET", r"/tags.*", drop_fields("description")),
        Rule("GET", r"/access-requests(/[^/]+)?", drop_fields("user_id")),
    ],
    "optional fields null": [
        Rule("*", r"/memory-blobs.*", null_fields(*OPTIONAL_MEMORY_FIELDS)),
        Rule("GET", r"/access-requests(/[^/]+)?", null_fields("user_id")),
        Rule("GET", r"/tags.*", null_fields("description")),
    ],
}


@pytest.mark.parametrize("change", list(COMPATIBLE), ids=list(COMPATIBLE))
async def test_the_whole_flow_survives_compatible_changes(
    change: str, proxy: ProxyServer, local: LocalServer, make_client: Callable[[], MemoramClient]
) -> None:
    """Each additive change leaves the whole flow working, with the same results."""
    proxy.proxy.rules.extend(COMPATIBLE[change])
    result = await run_flow(make_client, local)
    assert result.listed_contents == [CONTENT]
    assert result.tag_names == ["home", "travel"]
    assert result.remaining_after_delete == 0
    assert all(rule.hits for rule in proxy.proxy.rules), "a rule never applied"
    if change == "a new access-request status in the list":
        assert result.statuses == ["approved", "expired"]


async def test_the_flow_through_the_proxy_unchanged(
    proxy: ProxyServer, local: LocalServer, make_client: Callable[[], MemoramClient]
) -> None:
    """The proxy itself changes nothing: the flow's results without rules are the reference."""
    result = await run_flow(make_client, local)
    assert result.statuses == ["approved"]
    assert result.memory_title == "trip v2"
    assert result.listed_contents == [CONTENT]


async def test_every_compatible_change_at_once(
    proxy: ProxyServer, local: LocalServer, make_client: Callable[[], MemoramClient]
) -> None:
    """A server that made all the compatible changes together still serves the whole flow."""
    for rules in COMPATIBLE.values():
        proxy.proxy.rules.extend(rules)
    result = await run_flow(make_client, local)
    assert result.listed_contents == [CONTENT]
    assert result.statuses == ["approved", "expired"]


async def test_a_new_status_is_kept_and_stops_wait_for_approval(
    proxy: ProxyServer, make_client: Callable[[], MemoramClient]
) -> None:
    """``expired`` is kept as its string, fails no list, and ends wait_for_approval at once."""
    client = make_client()
    request = await client.request_access(MEMORY_KEY, reason="evolving server")
    polled = Rule("GET", ACCESS_ONE, set_field(("status",), "expired"))
    proxy.proxy.rules.append(polled)
    proxy.proxy.rules.append(
        Rule("GET", r"/access-requests", set_field(("items", 0, "status"), "expired"))
    )
    fetched = await client.get_access_request(request.id)
    assert fetched.status == "expired"
    assert fetched.status not in list(AccessRequestStatus)
    assert fetched.is_decided
    assert [r.status for r in await client.list_access_requests()] == ["expired"]
    with pytest.raises(UnknownAccessStatusError) as info:
        async with asyncio.timeout(FLOW_DEADLINE):
            await client.wait_for_approval(request.id, timeout=600)
    assert polled.hits == 2, "wait_for_approval polled again instead of stopping"
    assert info.value.status == "expired"
    assert info.value.request_id == request.id
    assert "'expired'" in str(info.value)


# Answers that cannot work: the error names the field, the type expected and the type received.
BROKEN: Final = {
    "a number of the list turned into a string": (
        Rule("GET", BLOBS, set_field(("memoryBlobs", 0, "importance"), CANARY)),
        "list_memories",
        "memoryBlobs[0].importance",
        "a string",
    ),
    "a status that is not a string": (
        Rule("GET", r"/access-requests", set_field(("items", 0, "status"), 7)),
        "list_access_requests",
        "items[0].status",
        "an integer",
    ),
    "the content of a listed memory missing": (
        Rule("GET", BLOBS, drop_fields("content")),
        "list_memories",
        "memoryBlobs[0].content",
        "missing",
    ),
    "a date that is not one": (
        Rule("GET", BLOB_ONE, set_field(("created_at",), CANARY)),
        "get_memory",
        "created_at",
        "a string that is not a date-time",
    ),
    "the token's expiry missing": (
        Rule("POST", r"/auth/token", drop_fields("expires_at")),
        "list_access_requests",
        "expires_at",
        "missing",
    ),
    "a tag flag that is a string": (
        Rule("GET", r"/tags", set_field(("items", 0, "is_enabled"), CANARY)),
        "list_tags",
        "items[0].is_enabled",
        "a string",
    ),
    "a key version that is a string": (
        Rule("GET", ACCESS_ONE + "/credentials", set_field(("key_version",), CANARY)),
        "get_credentials",
        "key_version",
        "a string",
    ),
    "the memory id of a create missing": (
        Rule("POST", BLOBS, drop_fields("id")),
        "create_memory",
        "id",
        "missing",
    ),
}


async def _call(
    name: str, client: MemoramClient, request_id: str, credentials: Credentials, memory_id: str
) -> object:
    """Run the public operation ``name`` on a fresh client."""
    if name == "list_access_requests":
        return await client.list_access_requests()
    if name == "get_credentials":
        return await client.get_credentials(request_id)
    user = client.user(credentials)
    if name == "list_memories":
        return [memory async for memory in user.list_memories()]
    if name == "get_memory":
        return await user.get_memory(memory_id)
    if name == "list_tags":
        return await user.list_tags()
    assert name == "create_memory"
    return await user.create_memory(CONTENT)


@pytest.mark.parametrize("case", BROKEN.values(), ids=BROKEN.keys())
async def test_what_cannot_work_names_the_field(
    case: tuple[Rule, str, str, str],
    proxy: ProxyServer,
    local: LocalServer,
    make_client: Callable[[], MemoramClient],
) -> None:
    """A broken field fails with APIResponseValidationError naming its path, never its value."""
    rule, operation, field_path, received = case
    setup = make_client()
    request = await setup.request_access(MEMORY_KEY, reason="evolving server")
    await local.aapprove(request.id)
    credentials = await setup.get_credentials(request.id)
    memory = await setup.user(credentials).create_memory(CONTENT, tags=["travel"])
    proxy.proxy.rules.append(rule)
    with pytest.raises(APIResponseValidationError) as info:
        async with asyncio.timeout(FLOW_DEADLINE):
            await _call(operation, make_client(), request.id, credentials, memory.id)
    error = info.value
    assert (error.field, error.received) == (field_path, received)
    assert field_path in str(error)
    assert CANARY not in str(error)
    assert CONTENT not in str(error)
    assert rule.hits


async def test_a_new_error_status_is_a_typed_status_error(
    proxy: ProxyServer, local: LocalServer, make_client: Callable[[], MemoramClient]
) -> None:
    """A status no version of the spec documents (402) is an APIStatusError with that status."""
    client = make_client()
    request = await client.request_access(MEMORY_KEY, reason="evolving server")
    await local.aapprove(request.id)
    user = client.user(await client.get_credentials(request.id))
    memory = await user.create_memory(CONTENT)
    proxy.proxy.rules.append(Rule("GET", BLOB_ONE, with_status(402)))
    with pytest.raises(APIStatusError) as info:
        await user.get_memory(memory.id)
    assert info.value.status_code == 402
    assert not info.value.outcome_unknown


# Another 2xx for a write: what was written must be reported as written.
OTHER_2XX: Final = {
    "create memory answered 200": Rule("POST", BLOBS, with_status(200)),
    "create access request answered 200": Rule("POST", r"/access-requests", with_status(200)),
    "delete answered 204 without a body": Rule("DELETE", BLOB_ONE, with_status(204, empty=True)),
}


@pytest.mark.parametrize("change", list(OTHER_2XX), ids=list(OTHER_2XX))
async def test_the_whole_flow_accepts_another_2xx(
    change: str, proxy: ProxyServer, local: LocalServer, make_client: Callable[[], MemoramClient]
) -> None:
    """A create answered 200 (not 201) or a delete answered 204 is a success, not an error."""
    proxy.proxy.rules.append(OTHER_2XX[change])
    result = await run_flow(make_client, local)
    assert result.listed_contents == [CONTENT]
    assert result.remaining_after_delete == 0
    assert proxy.proxy.rules[0].hits


# -- a hostile server -----------------------------------------------------------------------------
# Answers no correct server sends, from a buggy release, a proxy or a hostile host. The SDK must
# end every listing, never report one object as another, keep the good items around a bad one,
# refuse ambiguous JSON, keep a server's wait, and say what failed.

ENDLESS_DEADLINE: Final = 30.0


@dataclass
class Seeded:
    """A user with memories on the local server, behind the proxy."""

    client: MemoramClient
    request_id: str
    credentials: Credentials
    memory_ids: list[str]


async def seeded(client: MemoramClient, local: LocalServer, memories: int = 3) -> Seeded:
    """Approve a user and store ``memories`` memories (newest last in ``memory_ids``)."""
    request = await client.request_access(MEMORY_KEY, reason="hostile server")
    await local.aapprove(request.id)
    credentials = await client.get_credentials(request.id)
    user = client.user(credentials)
    ids = [(await user.create_memory(f"{CONTENT} {n}")).id for n in range(memories)]
    return Seeded(client, request.id, credentials, ids)


def fresh_cursor_forever() -> Rewrite:
    """Every page of the listing gets a new cursor: it would never end."""
    count = iter(range(1_000_000))

    def rewrite(answer: Answer) -> None:
        answer.replace_cursor(f"fresh-{next(count)}")

    return rewrite


def repeat_last_item_on_next_page() -> Rewrite:
    """The last item of each page comes again first on the next page."""
    previous: list[Json] = []

    def rewrite(answer: Answer) -> None:
        blobs = answer.body["memoryBlobs"]
        carried = previous[:]
        previous[:] = blobs[-1:]
        blobs[:0] = carried

    return rewrite


def first_time_only(rewrite: Rewrite) -> Rewrite:
    """Apply ``rewrite`` to the first matching answer only."""
    done: list[bool] = []

    def once(answer: Answer) -> None:
        if not done:
            done.append(True)
            rewrite(answer)

    return once


def seam_client(seam: str, local: LocalServer, base_url: str, **options: Any) -> MemoramClient:
    """A client through the SDK's own pool or a user's httpx client (closed with it by the
    caller); built where it is used, on that event loop."""
    if seam == "user_http_client":
        options["http_client"] = httpx.AsyncClient(trust_env=False, timeout=10.0)
    return MemoramClient(api_key=local.api_key, base_url=base_url, max_retries=0, **options)


async def close_seam_client(client: MemoramClient) -> None:
    """Close a client of :func:`seam_client` and the user's httpx client it may have."""
    theirs = client._session.connection._borrowed
    await client.aclose()
    if theirs is not None:
        await theirs.aclose()


SEAMS: Final = ["sdk_pool", "user_http_client"]


@pytest.mark.parametrize("seam", SEAMS)
def test_a_listing_with_fresh_cursors_forever_ends(
    seam: str, proxy: ProxyServer, local: LocalServer
) -> None:
    """Fresh cursors over the same items: each memory once, then APIResponseValidationError, in
    a bounded number of pages (under a hard deadline in its own thread)."""
    rule = Rule("GET", BLOBS, fresh_cursor_forever())
    outcome: dict[str, Any] = {}

    async def scenario() -> None:
        client = seam_client(seam, local, proxy.base_url)
        try:
            world = await seeded(client, local, memories=2)
            proxy.proxy.rules.append(rule)
            listing = client.user(world.credentials).list_memories()
            outcome["ids"], outcome["error"] = await drain(listing)
            outcome["after"] = [m async for m in listing]
            outcome["expected"] = sorted(world.memory_ids)
            outcome["pages"] = listing.pages
            outcome["duplicates"] = listing.duplicates_skipped
        finally:
            await close_seam_client(client)

    run_in_thread(scenario, ENDLESS_DEADLINE)
    assert sorted(outcome["ids"]) == outcome["expected"]
    assert "pages in a row" in str(outcome["error"])
    assert outcome["after"] == []
    assert outcome["pages"] == rule.hits == 1 + STALE_PAGE_LIMIT
    assert outcome["duplicates"] == 2 * STALE_PAGE_LIMIT


async def test_a_repeated_cursor_still_yields_the_page_that_carried_it(
    proxy: ProxyServer, local: LocalServer, make_client: Callable[[], MemoramClient]
) -> None:
    """Page 2 repeats page 1's cursor: page 2's memories are yielded, then the error."""
    world = await seeded(make_client(), local, memories=4)
    proxy.proxy.rules.append(Rule("GET", BLOBS, lambda answer: answer.replace_cursor("same")))
    listing = world.client.user(world.credentials).list_memories(page_size=2)
    ids, error = await drain(listing)
    assert isinstance(error, APIResponseValidationError)
    assert "cursor it had sent before" in str(error)
    # Newest first: page 1 holds the two newest, page 2 (which repeats the cursor) the others.
    assert ids == world.memory_ids[::-1]
    assert [m async for m in listing] == []


async def test_an_item_on_two_pages_is_yielded_once(
    proxy: ProxyServer, local: LocalServer, make_client: Callable[[], MemoramClient]
) -> None:
    """``m4, m3 | m3, m2 | m2, m1``: every memory once; the repeats are counted."""
    world = await seeded(make_client(), local, memories=4)
    proxy.proxy.rules.append(Rule("GET", BLOBS, repeat_last_item_on_next_page()))
    listing = world.client.user(world.credentials).list_memories(page_size=2)
    ids = [memory.id async for memory in listing]
    assert ids == world.memory_ids[::-1]
    assert listing.duplicates_skipped == 1
    assert listing.pages == 2


def remove_field(path: tuple[str | int, ...]) -> Rewrite:
    """Leave out the value at ``path`` (keys and list indices)."""

    def rewrite(answer: Answer) -> None:
        target = answer.body
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return rewrite


# name: (how the first item of page 1 is broken, its field, what it is)
UNREADABLE_ITEMS: Final = {
    "integer id": (set_field(("memoryBlobs", 0, "id"), 7), "memoryBlobs[0].id", "an integer"),
    "no content": (
        remove_field(("memoryBlobs", 0, "content")),
        "memoryBlobs[0].content",
        "missing",
    ),
    "id '..'": (set_field(("memoryBlobs", 0, "id"), ".."), "memoryBlobs[0].id", "a dot segment"),
}


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("broken", list(UNREADABLE_ITEMS))
async def test_one_unreadable_item_hides_no_other(
    strict: bool,
    broken: str,
    proxy: ProxyServer,
    local: LocalServer,
    make_client: Callable[[], MemoramClient],
) -> None:
    """An item with an integer id (our conversion refuses it) or without content (the
    generated model does) on page 1: the rest of page 1 and page 2 come; strict=False records
    it on failures, strict=True raises it after them; then the listing is over."""
    rewrite, field, received = UNREADABLE_ITEMS[broken]
    world = await seeded(make_client(), local, memories=4)
    proxy.proxy.rules.append(Rule("GET", BLOBS, first_time_only(rewrite)))
    listing = world.client.user(world.credentials).list_memories(page_size=2, strict=strict)
    ids, raised = await drain(listing)
    newest_first = world.memory_ids[::-1]
    assert ids == newest_first[1:]
    assert (raised is not None) is strict
    [failure] = listing.failures
    assert isinstance(failure, APIResponseValidationError)
    assert (failure.field, failure.received) == (field, received)
    assert [m async for m in listing] == []
    if raised is not None:
        assert isinstance(raised, APIResponseValidationError)
        assert raised.field == field


IDENTITY: Final = {
    "get_memory": (Rule("GET", BLOB_ONE, set_field(("id",), "mem_9")), "mem_9"),
    "get_access_request": (Rule("GET", ACCESS_ONE, set_field(("id",), "cm_9")), "cm_9"),
    "get_tag": (Rule("GET", r"/tags/[^/]+", set_field(("id",), "tag_9")), "tag_9"),
    "update_memory": (Rule("PATCH", BLOB_ONE, set_field(("id",), "mem_9")), "mem_9"),
}


@pytest.mark.parametrize("operation", list(IDENTITY), ids=list(IDENTITY))
async def test_an_answer_about_another_object_is_refused(
    operation: str,
    proxy: ProxyServer,
    local: LocalServer,
    make_client: Callable[[], MemoramClient],
) -> None:
    """get_memory("mem_1") answered with mem_9 (and the same for requests, tags, updates) is an
    APIResponseValidationError naming both ids, never the other object under the asked id."""
    world = await seeded(make_client(), local, memories=1)
    user = world.client.user(world.credentials)
    await user.update_memory(world.memory_ids[0], tags=["travel"])
    tag_id = (await user.list_tags())[0].id
    shared, other = IDENTITY[operation]
    rule = replace(shared, hits=0)
    proxy.proxy.rules.append(rule)
    asked = {"get_access_request": world.request_id, "get_tag": tag_id}.get(
        operation, world.memory_ids[0]
    )
    calls = {
        "get_memory": lambda: user.get_memory(asked),
        "get_access_request": lambda: world.client.get_access_request(asked),
        "get_tag": lambda: user.get_tag(asked),
        "update_memory": lambda: user.update_memory(asked, title="t"),
    }
    with pytest.raises(APIResponseValidationError) as info:
        await calls[operation]()
    assert info.value.field == "id"
    assert asked in str(info.value)
    assert other in str(info.value)
    assert rule.hits == 1


def with_retry_after(status: int, value: str) -> Rewrite:
    """Answer with ``status`` and a ``Retry-After`` header."""

    def rewrite(answer: Answer) -> None:
        answer.status = status
        answer.headers["retry-after"] = value

    return rewrite


async def test_a_503_with_a_long_retry_after_raises_at_once_with_retry_after(
    proxy: ProxyServer, local: LocalServer, make_client: Callable[[], MemoramClient]
) -> None:
    """``503, Retry-After: 120`` is not waited out and not retried: InternalServerError at once,
    its retry_after 120, as a 429 would be."""
    world = await seeded(make_client(), local, memories=0)
    rule = Rule("GET", r"/tags", with_retry_after(503, "120"))
    proxy.proxy.rules.append(rule)
    patient = world.client.with_options(max_retries=5).user(world.credentials)
    with pytest.raises(InternalServerError) as info:
        await patient.list_tags()
    assert (info.value.status_code, info.value.retry_after) == (503, 120.0)
    assert rule.hits == 1


@pytest.mark.parametrize("status", [429, 503])
async def test_a_zero_retry_after_does_not_make_a_burst(
    status: int,
    proxy: ProxyServer,
    local: LocalServer,
    make_client: Callable[[], MemoramClient],
) -> None:
    """``Retry-After: 0`` on every answer: each retry still waits the usual backoff (recorded,
    not slept), so max_retries=8 is 9 attempts spread over seconds, not a burst."""
    world = await seeded(make_client(), local, memories=0)
    rule = Rule("GET", r"/tags", with_retry_after(status, "0"))
    proxy.proxy.rules.append(rule)
    client = world.client.with_options(max_retries=8)
    delays = instant(client)
    with pytest.raises(APIStatusError) as info:
        await client.user(world.credentials).list_tags()
    assert (info.value.status_code, info.value.retry_after) == (status, 0.0)
    assert rule.hits == 9
    # The seam's random is 0.5: half of each backoff ceiling (0.5 s doubling, 8 s cap).
    assert delays == [pytest.approx(min(8.0, 0.5 * 2**n) / 2) for n in range(8)]


async def test_wait_for_approval_whose_polls_fail_says_the_server_failed(
    proxy: ProxyServer, local: LocalServer, make_client: Callable[[], MemoramClient]
) -> None:
    """Every poll answered 500: ApprovalTimeoutError says the polls failed (not that the user
    has not decided), with the last InternalServerError as last_error and cause."""
    client = make_client()
    request = await client.request_access(MEMORY_KEY, reason="hostile server")
    rule = Rule("GET", ACCESS_ONE, with_status(500))
    proxy.proxy.rules.append(rule)
    with pytest.raises(ApprovalTimeoutError) as info:
        async with asyncio.timeout(FLOW_DEADLINE):
            await client.wait_for_approval(request.id, timeout=1.0)
    error = info.value
    # On a loaded machine the last poll may be cut by the timeout instead (its own failure).
    assert isinstance(error.last_error, InternalServerError | APITimeoutError)
    assert error.__cause__ is error.last_error
    assert error.failed_polls == error.polls
    assert error.polls - 1 <= rule.hits <= error.polls
    assert "not decided" not in str(error)
    assert "whether the user decided is unknown" in str(error)


def raw_literal(path: tuple[str | int, ...], literal: bytes) -> Rewrite:
    """Put ``literal`` (JSON text no serializer writes, e.g. ``1e999``) at ``path``."""
    marker = "raw-literal-7c1e"

    def rewrite(answer: Answer) -> None:
        set_field(path, marker)(answer)
        answer.raw = json.dumps(answer.body).encode().replace(f'"{marker}"'.encode(), literal)

    return rewrite


def key_twice(path: tuple[str | int, ...], key: str, first: Json) -> Rewrite:
    """Give ``key`` twice in the object at ``path``: ``first``, then its real value."""

    def rewrite(answer: Answer) -> None:
        target = answer.body
        for step in path:
            target = target[step]
        real = target.pop(key)
        target[key] = "raw-key-twice-7c1e"
        twice = f"{json.dumps(first)}, {json.dumps(key)}: {json.dumps(real)}"
        answer.raw = (
            json.dumps(answer.body).encode().replace(b'"raw-key-twice-7c1e"', twice.encode())
        )

    return rewrite


# Bodies with more than one reading, or numbers JSON has not: refused naming the field.
AMBIGUOUS: Final = {
    "a key given twice in a listed memory": (
        Rule("GET", BLOBS, key_twice(("memoryBlobs", 0), "content", "forged")),
        "list_memories",
        "memoryBlobs[0].content",
        "a key given twice",
    ),
    "NaN as a listed memory's confidence": (
        Rule("GET", BLOBS, set_field(("memoryBlobs", 0, "confidence"), float("nan"))),
        "list_memories",
        "memoryBlobs[0].confidence",
        "a non-finite number",
    ),
    "Infinity as a listed memory's importance": (
        Rule("GET", BLOBS, set_field(("memoryBlobs", 0, "importance"), float("inf"))),
        "list_memories",
        "memoryBlobs[0].importance",
        "a non-finite number",
    ),
    "1e999 as a listed memory's confidence": (
        Rule("GET", BLOBS, raw_literal(("memoryBlobs", 0, "confidence"), b"1e999")),
        "list_memories",
        "memoryBlobs[0].confidence",
        "a non-finite number",
    ),
    "a key given twice in get_memory's answer": (
        Rule("GET", BLOB_ONE, key_twice((), "content", "forged")),
        "get_memory",
        "content",
        "a key given twice",
    ),
    "1e999 as get_memory's confidence": (
        Rule("GET", BLOB_ONE, raw_literal(("confidence",), b"1e999")),
        "get_memory",
        "confidence",
        "a non-finite number",
    ),
}


@pytest.mark.parametrize("case", AMBIGUOUS.values(), ids=AMBIGUOUS.keys())
async def test_ambiguous_json_is_refused_naming_the_field(
    case: tuple[Rule, str, str, str],
    proxy: ProxyServer,
    local: LocalServer,
    make_client: Callable[[], MemoramClient],
) -> None:
    """Duplicate keys and non-finite numbers are APIResponseValidationError naming the field,
    never read as one of their meanings."""
    shared, operation, field_path, received = case
    rule = replace(shared, hits=0)
    world = await seeded(make_client(), local, memories=1)
    proxy.proxy.rules.append(rule)
    with pytest.raises(APIResponseValidationError) as info:
        async with asyncio.timeout(FLOW_DEADLINE):
            await _call(
                operation, make_client(), world.request_id, world.credentials, world.memory_ids[0]
            )
    assert (info.value.field, info.value.received) == (field_path, received)
    assert info.value.status_code == 200
    assert rule.hits


def broken_gzip(answer: Answer) -> None:
    """Say the body is gzip and send bytes that are not."""
    answer.headers["content-encoding"] = "gzip"
    answer.raw = b"this is not gzip"


def endless_body(chunks: int) -> Rewrite:
    """Stream ``chunks`` chunks of 64 KiB without a Content-Length instead of the body."""

    def rewrite(answer: Answer) -> None:
        answer.chunks = lambda: (b"x" * 65536 for _ in range(chunks))

    return rewrite


E = TypeVar("E", bound=Exception)


async def get_memory_failing(
    rewrite: Rewrite,
    error: type[E],
    proxy: ProxyServer,
    local: LocalServer,
    make_client: Callable[[], MemoramClient],
) -> E:
    """get_memory of a stored memory, its answer changed by ``rewrite``: the ``error`` it
    raised (anything else fails the test)."""
    world = await seeded(make_client(), local, memories=1)
    rule = Rule("GET", BLOB_ONE, rewrite)
    proxy.proxy.rules.append(rule)
    with pytest.raises(error) as info:
        async with asyncio.timeout(FLOW_DEADLINE):
            await _call(
                "get_memory",
                make_client(),
                world.request_id,
                world.credentials,
                world.memory_ids[0],
            )
    assert rule.hits
    return info.value


async def test_a_200_with_broken_gzip_keeps_its_status(
    proxy: ProxyServer, local: LocalServer, make_client: Callable[[], MemoramClient]
) -> None:
    """get_memory answered 200 with a body that cannot be decoded: an APIResponseValidationError
    with status 200, not "answered 0"."""
    error = await get_memory_failing(
        broken_gzip, APIResponseValidationError, proxy, local, make_client
    )
    assert error.status_code == 200
    assert "answered 200" in str(error)


async def test_a_50_mb_answer_is_refused_after_the_cap(
    proxy: ProxyServer, local: LocalServer, make_client: Callable[[], MemoramClient]
) -> None:
    """A listing page streamed as 50 MB without a Content-Length is ResponseTooLargeError once
    past max_response_bytes, not read whole."""
    world = await seeded(make_client(), local, memories=1)
    rule = Rule("GET", BLOBS, endless_body(800))
    proxy.proxy.rules.append(rule)
    client = make_client().with_options(max_response_bytes=1024 * 1024)
    with pytest.raises(ResponseTooLargeError) as info:
        async with asyncio.timeout(FLOW_DEADLINE):
            await _call(
                "list_memories", client, world.request_id, world.credentials, world.memory_ids[0]
            )
    assert (info.value.status_code, info.value.limit_bytes) == (200, 1024 * 1024)
    assert 1024 * 1024 < info.value.received_bytes < 2 * 1024 * 1024
    assert rule.hits


def declared_body(chunks: int) -> Rewrite:
    """Stream ``chunks`` chunks of 64 KiB, their total declared up front in Content-Length."""

    def rewrite(answer: Answer) -> None:
        answer.headers["content-length"] = str(chunks * 65536)
        answer.chunks = lambda: (b"x" * 65536 for _ in range(chunks))

    return rewrite


def error_flood(status: int, chunks: int) -> Rewrite:
    """Answer ``status`` with ``chunks`` chunks of about 64 KiB of text, without a length."""

    def rewrite(answer: Answer) -> None:
        answer.status = status
        answer.headers["content-type"] = "text/plain"
        answer.chunks = lambda: (b"overloaded " * 6000 for _ in range(chunks))

    return rewrite


async def test_a_declared_50_mb_answer_is_refused_by_its_length(
    proxy: ProxyServer, local: LocalServer, make_client: Callable[[], MemoramClient]
) -> None:
    """A listing page whose Content-Length says 50 MB is ResponseTooLargeError from the header
    alone, with the cap set on the user's with_options copy."""
    world = await seeded(make_client(), local, memories=1)
    rule = Rule("GET", BLOBS, declared_body(800))
    proxy.proxy.rules.append(rule)
    user = make_client().user(world.credentials).with_options(max_response_bytes=1024 * 1024)
    with pytest.raises(ResponseTooLargeError) as info:
        async with asyncio.timeout(FLOW_DEADLINE):
            [memory async for memory in user.list_memories()]
    assert (info.value.status_code, info.value.limit_bytes) == (200, 1024 * 1024)
    assert info.value.received_bytes == 800 * 65536
    assert "declared as 52428800 bytes" in str(info.value)
    assert rule.hits


async def test_a_50_mb_error_body_gives_the_typed_error_cut(
    proxy: ProxyServer, local: LocalServer, make_client: Callable[[], MemoramClient]
) -> None:
    """get_memory answered 500 with 50 MB of text: InternalServerError with status 500 and a
    short message from the body's start, not a body read whole."""
    error = await get_memory_failing(
        error_flood(500, 800), InternalServerError, proxy, local, make_client
    )
    assert error.status_code == 500
    assert "overloaded overloaded" in str(error)
    assert len(str(error)) < 4000
