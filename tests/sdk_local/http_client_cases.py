"""One ``http_client=`` configuration, run against a local server; prints one JSON line.

Not a test module: ``tests/test_http_client_matrix.py`` runs it as a script in a child process
that it kills at a deadline (a busy loop in httpx never reaches an ``await``, so only a process
boundary can stop it). Usage: ``python http_client_cases.py CASE TRANSPORT BASE_URL API_KEY``,
TRANSPORT being ``httpx`` (``httpx.AsyncClient``) or ``aiohttp`` (``DefaultAioHttpClient``).
"""

from __future__ import annotations

import asyncio
import json
import ssl
import sys
import uuid
from collections.abc import AsyncGenerator, Generator
from typing import Any

import httpx

from memoram_async import (
    DefaultAioHttpClient,
    MemoramClient,
    MemoramError,
    NotFoundError,
    Secret,
)


async def _read_body(response: httpx.Response) -> None:
    await response.aread()


async def _read_error_body(response: httpx.Response) -> None:
    if response.status_code >= 400:
        await response.aread()


async def _raise_for_status(response: httpx.Response) -> None:
    response.raise_for_status()


async def _read_then_raise(response: httpx.Response) -> None:
    await response.aread()
    response.raise_for_status()


class _BodyAuth(httpx.Auth):
    """An app's own auth that needs the response body: the SDK must read the body for it, or the
    flow waits forever on a body nobody reads."""

    requires_response_body = True

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        request.headers["X-Custom-Auth"] = "app-secret"
        response = yield request
        response.read()

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers["X-Custom-Auth"] = "app-secret"
        response = yield request
        await response.aread()


def user_client(case: str, transport: str) -> httpx.AsyncClient:
    """The app's own client for ``case``, on httpx's transport or on aiohttp's."""
    options: dict[str, Any] = {}
    if case == "hook_reads_body":
        options["event_hooks"] = {"response": [_read_body]}
    elif case == "hook_reads_error_body":
        options["event_hooks"] = {"response": [_read_error_body]}
    elif case == "hook_raise_for_status":
        options["event_hooks"] = {"response": [_raise_for_status]}
    elif case == "hook_read_then_raise_with_faults":
        options["event_hooks"] = {"response": [_read_then_raise]}
    elif case == "custom_auth_reads_body":
        options["auth"] = _BodyAuth()
    elif case == "basic_auth":
        options["auth"] = httpx.BasicAuth("app-user", "app-password")
    elif case == "defaults":
        options["headers"] = {
            "X-App": "matrix",
            "Authorization": "Basic YXBwOnNlY3JldA==",
            "Content-Type": "text/plain",
        }
        options["params"] = {"app": "matrix"}
        options["cookies"] = {"session": "abc"}
    elif case == "base_url_set":
        options["base_url"] = "http://127.0.0.1:9/elsewhere/"
    elif case == "follow_redirects":
        options["follow_redirects"] = True
    elif case == "trust_env_off_with_proxy_env":
        options["trust_env"] = False
    elif case == "http2":
        options["http2"] = True
    elif case == "limits_one_connection":
        options["limits"] = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    elif case == "transport_retries":
        options["transport"] = httpx.AsyncHTTPTransport(retries=2)
    elif case == "verify_off":
        options["verify"] = False
    elif case == "verify_context":
        options["verify"] = ssl.create_default_context()
    elif case not in ("plain", "closed", "two_runs", "missing_api_prefix"):
        raise SystemExit(f"unknown case {case}")
    if transport == "aiohttp":
        return DefaultAioHttpClient(**options)
    return httpx.AsyncClient(**options)


async def flow(client: MemoramClient) -> dict[str, Any]:
    """Access request, credentials, create, get, a missing memory, and a refused token."""
    request = await client.request_access("memory-key-matrix", reason="matrix")
    user = client.user(await client.get_credentials(request.id))
    memory = await user.create_memory("hello matrix", tags=["matrix"])
    got = await asyncio.gather(*(user.get_memory(memory.id) for _ in range(4)))
    try:
        await user.get_memory(str(uuid.uuid4()))
        missing = "no error"
    except NotFoundError:
        missing = "NotFoundError"
    # The server refuses a token it never issued: the SDK must refresh and replay once.
    tokens = client._session.tokens
    tokens._token = Secret("eyJhbGciOiJIUzI1NiJ9.e30.not-a-valid-signature")  # type: ignore[union-attr]
    tokens._header = "Bearer eyJhbGciOiJIUzI1NiJ9.e30.not-a-valid-signature"
    after_refresh = await user.get_memory(memory.id)
    await user.delete_memory(memory.id)
    return {
        "outcome": "ok",
        "contents": sorted({m.content for m in got} | {after_refresh.content}),
        "missing": missing,
        "token_fetches": tokens.fetches,  # type: ignore[union-attr]
        "retries": client._session.retries,
    }


async def run(case: str, transport: str, base_url: str, api_key: str) -> dict[str, Any]:
    """The case's outcome as JSON-able data."""
    if case == "own_client_with_proxy_env":
        if transport == "aiohttp":
            # DefaultAioHttpClient with its defaults: it keeps loopback off the proxy too.
            async with (
                DefaultAioHttpClient() as theirs,
                MemoramClient(api_key=api_key, base_url=base_url, http_client=theirs) as client,
            ):
                return await flow(client)
        async with MemoramClient(api_key=api_key, base_url=base_url) as client:
            return await flow(client)
    theirs = user_client(case, transport)
    if case == "closed":
        await theirs.aclose()
    if case == "missing_api_prefix":
        base_url = base_url.removesuffix("/api/v1")
    options: dict[str, Any] = {}
    if case == "hook_read_then_raise_with_faults":
        options = {"max_retries": 10, "idempotent_creates": True}
    try:
        async with MemoramClient(
            api_key=api_key, base_url=base_url, http_client=theirs, **options
        ) as client:
            return await flow(client)
    except MemoramError as exc:
        return {"outcome": type(exc).__name__, "message": str(exc)}
    finally:
        await theirs.aclose()


def two_runs(transport: str, base_url: str, api_key: str) -> dict[str, Any]:
    """One client (and one app client) used from two successive asyncio.run() calls."""
    theirs = user_client("plain", transport)
    client = MemoramClient(api_key=api_key, base_url=base_url, http_client=theirs)
    first = asyncio.run(client.list_access_requests())

    async def second() -> dict[str, Any]:
        outcome: dict[str, Any] = {}
        try:
            await client.list_access_requests()
        except MemoramError as exc:
            outcome = {"outcome": type(exc).__name__, "message": str(exc)}
        try:
            await client.aclose()
            outcome["aclose"] = "ok"
        except MemoramError as exc:
            outcome["aclose"] = type(exc).__name__
        return outcome

    result = asyncio.run(second())
    result["first"] = len(first)
    return result


def main() -> None:
    """Run the case named on the command line."""
    case, transport, base_url, api_key = sys.argv[1:5]
    if case == "two_runs":
        result = two_runs(transport, base_url, api_key)
    else:
        result = asyncio.run(run(case, transport, base_url, api_key))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
