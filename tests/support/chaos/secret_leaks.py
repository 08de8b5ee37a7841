"""Scenario 5: no secret in any log record, repr, str or exception, on every path.

The whole flow runs against `LocalServer` (over loopback), and the error paths against it and
against the fake API, with every logger at DEBUG. Collected along the way:

- every log record of every logger (the formatted line with its traceback, ``msg`` and ``args``);
- ``repr`` and ``str`` of every public object met: the client and its ``with_options`` copies,
  the user object, Credentials, AccessRequest, Memory, Tag, MemoryIterator, ReencryptionResult,
  the keyring and keys, Secret;
- every exception's ``str``, ``repr`` and ``args``, and its whole formatted traceback (as a
  user's ``logger.exception`` would print it), chained causes included;
- the same traceback formatted with captured locals
  (``TracebackException.from_exception(exc, capture_locals=True)``), and ``repr()`` of every
  local of every frame of it and of its causes, the way an error reporter such as Sentry
  (``include_local_variables``, on by default) records them. The scenario's own frames (and the
  fake API's) are left out: a caller holds what it passed, and the server knows its secrets.
  The one ``encryption=False`` create is scanned for everything but its plaintext, which the
  generated request model carries by design (docs/threat-model.md).

None may contain: the API key (also the wrong ones tried), any JWT issued or sent, the memory
key, an encryption key (hex in either case, half of it, base64, the raw bytes' repr) or any
plaintext content. Also checked: plain ``http://`` to a host that is not loopback is refused
unless ``allow_insecure_http=True``.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
import traceback
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import httpx

from memoram_async import (
    Credentials,
    MemoramClient,
    MemoramError,
    ValidationError,
)
from memoram_async.testing import instant_retries
from memoram_local import LocalServer

from ..fake_api import FakeAPI, credentials
from .common import ScenarioResult, outcome_of

_TESTS: Final = Path(__file__).resolve().parents[2]
_LOGGERS: Final = ("", "memoram_async", "httpx", "httpcore", "uvicorn", "memoram_local")


class Collector(logging.Handler):
    """Keeps the text of every record: formatted (with traceback), ``msg`` and ``args``."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(self.format(record))
        self.texts.append(repr(record.msg))
        self.texts.append(repr(record.args))


@contextmanager
def debug_logs() -> Iterator[Collector]:
    """Every logger at DEBUG into a Collector (levels restored afterwards)."""
    collector = Collector()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in _LOGGERS}
    root.addHandler(collector)
    for name in _LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield collector
    finally:
        root.removeHandler(collector)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


class Recording(httpx.AsyncBaseTransport):
    """Passes requests on and notes every token that crosses the wire (to look for later)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, secrets_seen: Secrets) -> None:
        self._inner = inner
        self._secrets = secrets_seen

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("authorization", "")
        if auth.startswith("Bearer "):
            self._secrets.add("a JWT", auth[7:])
        response = await self._inner.handle_async_request(request)
        if request.url.path.endswith("/auth/token") and response.status_code == 200:
            body = await response.aread()
            self._secrets.add("a JWT", json.loads(body)["token"])
            return httpx.Response(response.status_code, headers=response.headers, content=body)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class Secrets:
    """The values that must never appear, each with the kind named in reports."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def add(self, kind: str, value: str) -> None:
        """Look for ``value`` (and, for JWTs, its signature alone)."""
        self.values[value] = kind
        if kind == "a JWT" and value.count(".") == 2:
            self.values[value.rsplit(".", 1)[1]] = "a JWT signature"

    def add_key(self, hex_key: str) -> None:
        """An encryption key in every form it could leak in."""
        raw = bytes.fromhex(hex_key)
        for form in (
            hex_key.lower(),
            hex_key.upper(),
            hex_key[: len(hex_key) // 2],
            hex_key[len(hex_key) // 2 :],
            repr(raw),
            str(raw),
            base64.b64encode(raw).decode(),
            base64.urlsafe_b64encode(raw).decode().rstrip("="),
        ):
            self.values[form] = "an encryption key"

    def leaks(self, texts: list[str], *, except_kind: str = "") -> list[str]:
        """One line per (kind, where) found, naming neither the secret nor the text."""
        found = []
        for index, text in enumerate(texts):
            for value, kind in self.values.items():
                if value in text and kind != except_kind:
                    found.append(f"{kind} in text #{index}: {text[:60]!r}...")
        return found


class Sink:
    """Everything a user could print or log: reprs, strs, exceptions with tracebacks."""

    def __init__(self, result: ScenarioResult) -> None:
        self.texts: list[str] = []
        self.unencrypted_frames: list[str] = []
        self.frames_hold_plaintext = False
        self._result = result

    def show(self, *objects: object) -> None:
        """Keep the repr and str of each object."""
        for obj in objects:
            self.texts += [repr(obj), str(obj), f"{obj}", f"{obj!r}"]

    def error(self, exc: BaseException) -> None:
        """Keep an exception's str, repr, args, and its formatted traceback with causes."""
        self.texts += [str(exc), repr(exc), repr(exc.args)]
        self.texts.append("".join(traceback.format_exception(exc)))
        frames = [with_locals(exc), *frame_locals(exc)]
        if self.frames_hold_plaintext:
            # encryption=False sends the plaintext itself, and the generated request model that
            # carries it shows it in its repr: the SDK does not copy every content into a
            # redacting str (docs/threat-model.md). Every other secret is still looked for.
            self.unencrypted_frames += frames
        else:
            self.texts += frames

    async def call(self, call: Awaitable[Any], expect: type[BaseException] | None = None) -> Any:
        """Await ``call``; record its outcome, keep what it returned or raised.

        With ``expect``, the call must raise that error (an error path); otherwise succeed.
        """
        outcome = await outcome_of(call, 60.0)
        self._result.record(outcome)
        if isinstance(outcome, BaseException):
            self.error(outcome)
            if expect is None or not isinstance(outcome, expect):
                self._result.problems.append(
                    f"unexpected {type(outcome).__name__}"
                    + (f" instead of {expect.__name__}" if expect else "")
                )
            return None
        if expect is not None:
            self._result.problems.append(f"no {expect.__name__} where one was expected")
        self.show(outcome)
        if isinstance(outcome, list):
            self.show(*outcome)
        return outcome

    def refused(self, make: Any, expect: type[BaseException] = ValidationError) -> None:
        """A synchronous call that must raise ``expect``."""
        try:
            made = make()
        except Exception as exc:
            self._result.record(exc)
            self.error(exc)
            if not isinstance(exc, expect):
                self._result.problems.append(f"{type(exc).__name__}, not {expect.__name__}")
            return
        self._result.record(made)
        self._result.problems.append(f"no {expect.__name__} where one was expected")


def _is_ours(filename: str) -> bool:
    """Whether a frame is this scenario's own code: the caller's frames hold the secrets it
    passed in by construction; only the SDK's (and httpx's, and generated) frames are scanned."""
    return Path(filename).resolve().is_relative_to(_TESTS)


def with_locals(exc: BaseException) -> str:
    """The traceback with captured locals, as ``TracebackException(capture_locals=True)``
    formats it (causes and contexts included), minus the locals of the scenario's own frames."""
    formatted = traceback.TracebackException.from_exception(exc, capture_locals=True)
    pending: list[traceback.TracebackException | None] = [formatted]
    while pending:
        current = pending.pop()
        if current is None:
            continue
        for frame in current.stack:
            if _is_ours(frame.filename):
                frame.locals = None
        pending += [current.__cause__, current.__context__]
    return "".join(formatted.format())


def frame_locals(exc: BaseException) -> list[str]:
    """``repr()`` of every local of every frame of ``exc`` and of the exceptions chained to it,
    followed as Sentry's ``walk_exception_chain`` does (``__cause__`` when the context is
    suppressed, else ``__context__``)."""
    texts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        tb = current.__traceback__
        while tb is not None:
            if _is_ours(tb.tb_frame.f_code.co_filename):
                tb = tb.tb_next
                continue
            for name, value in tb.tb_frame.f_locals.items():
                try:
                    texts.append(f"{tb.tb_frame.f_code.co_name}.{name} = {value!r}")
                except Exception as failure:  # a repr that fails is skipped, as Sentry does
                    texts.append(f"{name}: repr failed with {type(failure).__name__}")
            tb = tb.tb_next
        current = current.__cause__ if current.__suppress_context__ else current.__context__
    return texts


async def _local_flow(sink: Sink, found: Secrets) -> int:
    """The whole flow and its error paths against the local server; returns token requests."""
    api_key = "mem_" + secrets.token_hex(24)
    memory_key = "mk-" + secrets.token_hex(16)
    found.add("the API key", api_key)
    found.add("the memory key", memory_key)
    wrong_key = "mem_" + secrets.token_hex(24)
    found.add("a wrong API key", wrong_key)
    forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0." + secrets.token_urlsafe(32)
    found.add("a JWT", forged)

    def text(label: str) -> str:
        value = f"{label} plaintext {secrets.token_hex(8)}"
        found.add("plaintext content", value)
        return value

    tokens = 0
    async with LocalServer(api_keys=[api_key]) as server:
        transport = Recording(httpx.AsyncHTTPTransport(), found)
        async with MemoramClient(
            api_key=api_key, base_url=server.base_url, transport=transport
        ) as client:
            sink.show(client, client.with_options(max_retries=0, timeout=5))
            request = await sink.call(client.request_access(memory_key, reason="secrets run"))
            await sink.call(client.get_credentials(request.id), MemoramError)  # pending
            await server.aapprove(request.id)
            await sink.call(client.wait_for_approval(request.id, timeout=10))
            await sink.call(client.list_access_requests())
            creds: Credentials = await sink.call(client.get_credentials(request.id))
            found.add_key(creds.encryption_key.reveal())
            sink.show(creds, creds.memory_key, creds.encryption_key, creds._keyring)
            user = client.user(creds)
            sink.show(user, user.with_options(timeout=3))
            first = await sink.call(user.create_memory(text("one"), title="t", tags=["a", "b"]))
            await sink.call(user.create_memory(text("two"), importance=3, source="chaos"))
            await sink.call(user.get_memory(first.id))
            iterator = user.list_memories(page_size=1)
            sink.show(iterator)
            sink.show(*[memory async for memory in iterator])
            await sink.call(user.update_memory(first.id, content=text("three"), tags=["c"]))
            await sink.call(user.get_memory(first.id))
            tag_list = await sink.call(user.list_tags())
            await sink.call(user.get_tag(tag_list[0].id))
            # Key rotation, then re-encryption under the new key.
            await server.arotate_key(str(creds.user_id))
            fresh = await sink.call(client.get_credentials(request.id))
            found.add_key(fresh.encryption_key.reveal())
            rotated = creds.rotated_to(fresh)
            sink.show(rotated, rotated._keyring)
            await sink.call(client.user(rotated).reencrypt_memories())
            # Error paths.
            stranger = Credentials(
                user_id=creds.user_id,
                memory_key=memory_key,
                encryption_key=secrets.token_hex(32),
                key_version=fresh.key_version,
            )
            found.add_key(stranger.encryption_key.reveal())
            wrong = client.user(stranger)
            await sink.call(wrong.get_memory(first.id), MemoramError)  # DecryptionError
            await sink.call(_drain(wrong, strict=True), MemoramError)
            lenient = wrong.list_memories(strict=False)
            sink.show(*[m async for m in lenient])
            for failure in lenient.failures:
                sink.error(failure)
            await sink.call(user.delete_memory(first.id))
            await sink.call(user.get_memory(first.id), MemoramError)  # NotFoundError
            await sink.call(user.delete_memory(first.id), MemoramError)
            rejected = await sink.call(client.request_access(memory_key, reason="to reject"))
            await server.areject(rejected.id)
            await sink.call(client.wait_for_approval(rejected.id, timeout=5), MemoramError)
            await sink.call(client.get_credentials(rejected.id), MemoramError)
            await server.arevoke(request.id)
            await sink.call(user.list_tags(), MemoramError)
            sink.refused(lambda: MemoramClient(api_key=api_key + " ", base_url=server.base_url))
            await sink.call(client.request_access(memory_key + "\n", reason="r"), ValidationError)
            sink.refused(
                lambda: Credentials(
                    user_id=creds.user_id,
                    memory_key=memory_key,
                    encryption_key=creds.encryption_key.reveal()[:-1],
                    key_version=1,
                )
            )
            tokens = client._session.tokens.fetches
        sink.show(client)
        await sink.call(client.list_access_requests(), MemoramError)  # closed
        async with MemoramClient(api_key=wrong_key, base_url=server.base_url) as bad:
            await sink.call(bad.list_access_requests(), MemoramError)  # 401 on the key
        async with MemoramClient(token=forged, base_url=server.base_url) as bad:
            sink.show(bad)
            await sink.call(bad.list_access_requests(), MemoramError)  # 401 on the token
        port = server.port
    # The server is gone: connection refused.
    async with MemoramClient(
        api_key=api_key, base_url=f"http://127.0.0.1:{port}/api/v1", max_retries=1
    ) as gone:
        with instant_retries():
            await sink.call(gone.list_access_requests(), MemoramError)
    return tokens


async def _drain(user: Any, *, strict: bool) -> list[Any]:
    return [m async for m in user.list_memories(strict=strict)]


def _echo(status: int, *, plain_text: bool = False) -> Any:
    """An error answer that repeats the request back: its body and its bearer token."""

    def answer(request: httpx.Request) -> httpx.Response:
        said = f"rejected {request.content.decode()} sent with {request.headers['authorization']}"
        if plain_text:
            return httpx.Response(status, text=said, headers={"retry-after": "3600"})
        return httpx.Response(status, json={"error": said[:80], "message": said, "detail": said})

    return answer


async def _fake_paths(sink: Sink, found: Secrets) -> None:
    """Error answers that echo the request and other secrets back, broken bodies, exhausted
    retries, transport failures, tampered content."""
    api = FakeAPI()
    creds = credentials()
    found.add("the API key", "mem_" + "ab" * 24)
    found.add("the memory key", creds.memory_key.reveal())
    found.add_key(creds.encryption_key.reveal())
    async with api.client() as client, api.client(encryption=False) as unencrypted:
        user = client.user(creds)

        def text() -> str:
            value = "fake plaintext " + secrets.token_hex(8)
            found.add("plaintext content", value)
            return value

        memory = await sink.call(user.create_memory(text()))
        token = next(iter(api.valid_tokens))
        found.add("a JWT", token)
        # Secrets the server knows without this request sending them (long: redacted by shape).
        known = f"key mem_{'ab' * 24} token {token} key {creds.encryption_key.reveal()}"
        html = httpx.Response(
            500, text=f"<html>{known}</html>", headers={"content-type": "text/html"}
        )
        for answers in (
            [httpx.Response(400, json={"error": "bad_request", "message": known})],
            [html, html, html],  # a 500 is retried: three in a row exhaust max_retries=2
            [httpx.Response(200, json={"id": memory.id, "content": 5, "debug": known})],
            [_echo(403)],
        ):
            api.fail("GET", f"/memory-blobs/{memory.id}", *answers)
            await sink.call(user.get_memory(memory.id), MemoramError)
        # Answers that repeat what the request sent: memory key, content, token.
        api.fail("POST", "/memory-blobs", _echo(400))
        await sink.call(user.create_memory(text()), MemoramError)
        api.fail("POST", "/memory-blobs", _echo(429, plain_text=True))
        await sink.call(user.create_memory(text()), MemoramError)
        api.fail("PATCH", f"/memory-blobs/{memory.id}", _echo(422))
        await sink.call(user.update_memory(memory.id, content=text()), MemoramError)
        api.fail("POST", "/access-requests", _echo(409))
        await sink.call(client.request_access(creds.memory_key, reason="r"), MemoramError)
        api.fail("POST", "/memory-blobs", _echo(400))
        sink.frames_hold_plaintext = True
        await sink.call(unencrypted.user(creds).create_memory(text()), MemoramError)
        sink.frames_hold_plaintext = False
        # Transport errors carry httpx's own words (they never see a body or a header value).
        api.fail("GET", "/tags", *[httpx.ReadTimeout("timed out")] * 3)
        await sink.call(user.list_tags(), MemoramError)
        api.fail("GET", "/tags", *[httpx.ConnectError("[Errno 111] refused")] * 3)
        await sink.call(user.list_tags(), MemoramError)
        api.memories[memory.id]["content"] = "mrm1." + "A" * 80  # tampered
        await sink.call(user.get_memory(memory.id), MemoramError)


def _insecure_http(sink: Sink, result: ScenarioResult) -> None:
    """``http://`` is refused for remote IPs unless allowed explicitly (a name, by the addresses it
    resolves to before the first request: tests/unit/test_loopback.py); loopback is fine."""
    for url in ("http://192.0.2.10/api/v1", "http://10.0.0.8:8765", "http://[2001:db8::8]:1"):
        sink.refused(lambda url=url: MemoramClient(api_key="mem_x", base_url=url))
        allowed = MemoramClient(api_key="mem_x", base_url=url, allow_insecure_http=True)
        result.check(allowed.base_url == url.rstrip("/"), f"allow_insecure_http refused {url}")
    for url in ("http://127.0.0.1:8765", "http://localhost:1", "http://[::1]:2"):
        loopback = MemoramClient(api_key="mem_x", base_url=url)
        result.check(loopback.base_url == url, f"loopback {url} was refused")


async def run_secrets() -> ScenarioResult:
    """Scenario 5: the flow and the error paths at DEBUG; then look for every secret."""
    result = ScenarioResult("secrets")
    found = Secrets()
    sink = Sink(result)
    started = time.perf_counter()
    with debug_logs() as logs:
        result.token_requests = await _local_flow(sink, found)
        await _fake_paths(sink, found)
        _insecure_http(sink, result)
    texts = [*logs.texts, *sink.texts]
    leaks = found.leaks(texts)
    leaks += found.leaks(sink.unencrypted_frames, except_kind="plaintext content")
    result.problems += leaks[:20]
    result.check(len(logs.texts) > 30, "too few log records: was DEBUG logging captured?")
    result.elapsed = time.perf_counter() - started
    result.notes.append(
        f"{len(texts) + len(sink.unencrypted_frames)} texts scanned "
        f"({len(logs.texts)} from log records) for "
        f"{len(found.values)} secret values; {len(leaks)} leaks"
    )
    return result
