"""The local server's ASGI application: routes, `Error` bodies, request ids and faults."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from email.utils import formatdate
from types import TracebackType
from typing import Any

import anyio
import httpx
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from ._auth import TokenAuthority
from ._config import LocalConfig, ServerContext
from ._constants import DEFAULT_TOKEN_TTL
from ._dashboard import locked_page
from ._errors import STATUS_CODES, ApiError, Unauthorized, error_response
from ._faults import FaultInjector, FaultSpec
from ._guard import dashboard_refusal, host_refusal
from ._routes import API_PREFIX, LOCAL_PREFIX, build_routes, route_template
from ._stats import ServerStats
from ._store import Store

logger = logging.getLogger("memoram_local")

# How long a dropped connection waits for the server to notice the disconnect.
_DROP_TIMEOUT = 5.0


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = STATUS_CODES.get(exc.status_code, "error")
    message = {
        404: "No such endpoint.",
        405: f"{request.method} is not allowed here.",
    }.get(exc.status_code, exc.detail)
    return error_response(exc.status_code, code, message, exc.headers)


async def _client_gone(request: Request, exc: Exception) -> Response:
    # The client hung up before its body arrived (it timed out): nobody is left to answer.
    logger.debug("client disconnected during %s %s", request.method, request.url.path)
    return Response(status_code=499)


async def _internal_error(request: Request, exc: Exception) -> Response:
    logger.error("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "The local server failed; see its log.")


class LocalApp(Starlette):
    """The local Memoram server as an ASGI app (a Starlette application).

    Use it with `httpx.ASGITransport` in-process, or serve it with `LocalServer` or uvicorn
    (with uvicorn's own Date header off: the app sets `Date` itself). Call `close()` (or use
    it as a context manager) to close its database when it is not run by a server.
    """

    def __init__(self, context: ServerContext) -> None:
        @asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            yield
            context.store.close()

        super().__init__(
            routes=build_routes(),
            exception_handlers={
                ApiError: _api_error,
                HTTPException: _http_error,
                ClientDisconnect: _client_gone,
                Exception: _internal_error,
            },
            lifespan=lifespan,
        )
        self.state.context = context
        self.context = context

    @property
    def config(self) -> LocalConfig:
        """The options this app was made with."""
        return self.context.config

    @property
    def store(self) -> Store:
        """The app's database."""
        return self.context.store

    @property
    def stats(self) -> ServerStats:
        """What the app has seen and done."""
        return self.context.stats

    def close(self) -> None:
        """Close the database (idempotent)."""
        self.context.store.close()

    def __enter__(self) -> LocalApp:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _refusal(self, scope: Scope) -> ApiError | None:
        """What the guards refuse this request with (any scope type but lifespan), or None."""
        config = self.context.config
        refusal = host_refusal(scope, config.allowed_hosts)
        path = scope["path"]
        if refusal is None and (path == LOCAL_PREFIX or path.startswith(LOCAL_PREFIX + "/")):
            refusal = dashboard_refusal(scope, config.dashboard_token)
        return refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await super().__call__(scope, receive, send)
            return
        if scope["type"] != "http":
            # No route speaks websocket, but a handshake passes the same guards as HTTP.
            refusal = self._refusal(scope)
            if refusal is None:
                await super().__call__(scope, receive, send)
            else:
                await _deny_websocket(scope, receive, send, refusal)
            return
        stats = self.context.stats
        stats.record_request(scope["method"], route_template(self.routes, scope["path"]))
        request_id = "req_" + secrets.token_hex(12)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["x-request-id"] = request_id
                if "date" not in headers:
                    headers["date"] = formatdate(usegmt=True)
                stats.record_status(message["status"])
            await send(message)

        refusal = self._refusal(scope)
        if refusal is not None:
            await _refusal_response(scope, refusal)(scope, receive, send_with_headers)
            return
        injector = self.context.injector
        if injector.spec.enabled and scope["path"].startswith(API_PREFIX + "/"):
            await self._with_faults(scope, receive, send_with_headers, raw_send=send)
        else:
            await super().__call__(scope, receive, send_with_headers)

    async def _with_faults(
        self, scope: Scope, receive: Receive, send: Send, raw_send: Send
    ) -> None:
        decision = self.context.injector.decide()
        stats = self.context.stats
        if decision.slow:
            stats.record_fault("slow")
        if decision.kind is None:
            # Handled now, answered late: like a real slow server, a client that gives up
            # waiting cannot know whether its request took effect.
            late = _answer_late(send, decision.delay) if decision.delay else send
            await super().__call__(scope, receive, late)
            return
        if decision.delay:
            await anyio.sleep(decision.delay)
        stats.record_fault(decision.kind)
        if decision.kind == "reset_before":
            await _drop_connection(receive, raw_send)
        elif decision.kind == "reset_after":

            async def swallow(message: Message) -> None:
                return None

            # The request runs and commits; only its answer is lost.
            await super().__call__(scope, receive, swallow)
            await _drop_connection(receive, raw_send)
        else:
            status = {"error_500": 500, "error_503": 503, "rate_limit": 429}[decision.kind]
            message = {
                500: "Injected fault: internal error; the request was not processed.",
                503: "Injected fault: service unavailable; the request was not processed.",
                429: "Injected fault: too many requests; the request was not processed.",
            }[status]
            headers = {"Retry-After": decision.retry_after} if decision.retry_after else None
            response = error_response(status, STATUS_CODES[status], message, headers)
            await response(scope, receive, send)


def _refusal_response(scope: Scope, refusal: ApiError) -> Response:
    """The refusal's JSON `Error`; for a browser opening the page without its token, the page
    without data (its script may hold the token; see `locked_page`)."""
    if (
        isinstance(refusal, Unauthorized)
        and scope["method"] == "GET"
        and scope["path"] == LOCAL_PREFIX + "/"
    ):
        return locked_page()
    return refusal.response()


async def _deny_websocket(scope: Scope, receive: Receive, send: Send, refusal: ApiError) -> None:
    """Refuse a websocket handshake: the HTTP error where the server can send one, else a
    policy-violation close (1008); never an accept."""
    if scope["type"] != "websocket":
        raise RuntimeError(f"the local server does not serve {scope['type']!r} connections")
    await receive()  # websocket.connect
    if "websocket.http.response" in scope.get("extensions", {}):
        await refusal.response()(scope, receive, send)
    else:
        await send({"type": "websocket.close", "code": 1008, "reason": ""})


def _answer_late(send: Send, seconds: float) -> Send:
    """A `send` that holds the answer back for `seconds` after the request was handled."""

    async def send_late(message: Message) -> None:
        if message["type"] == "http.response.start":
            await anyio.sleep(seconds)
        await send(message)

    return send_late


async def _drop_connection(receive: Receive, raw_send: Send) -> None:
    """Close the client's connection without an answer.

    ASGI has no message for this. Under uvicorn the `send` callable is a method of the
    request cycle, which holds the connection's transport: abort it, then wait until uvicorn
    reports the disconnect so that it does not answer 500 on our behalf. Served any other way
    (`httpx.ASGITransport` in-process), raise the error a client would see on the network.
    """
    transport: Any = getattr(getattr(raw_send, "__self__", None), "transport", None)
    if transport is None or not hasattr(transport, "abort"):
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
    transport.abort()
    with anyio.move_on_after(_DROP_TIMEOUT):
        while (await receive())["type"] != "http.disconnect":
            pass


def create_app(
    *,
    api_keys: Iterable[str] | str | None = None,
    db: str = ":memory:",
    token_ttl: int = DEFAULT_TOKEN_TTL,
    auto_approve: bool = False,
    faults: FaultSpec | str | None = None,
    seed: int | None = None,
    secret: str | None = None,
    allowed_hosts: Iterable[str] = (),
    dashboard_token: str | None = None,
) -> LocalApp:
    """Make a local Memoram server app, with the options of the `memoram-local` command.

    Args:
        api_keys: Accepted developer API keys; `DEV_API_KEY` when none.
        db: SQLite database path; `":memory:"` (the default) keeps nothing after close.
        token_ttl: Longest developer-token lifetime in seconds; requests may ask for less.
        auto_approve: Approve new access requests at once.
        faults: A `FaultSpec` or a `--faults` string; None injects nothing.
        seed: Seed of the fault generator, for reproducible runs.
        secret: JWT signing secret; random per app when None.
        allowed_hosts: Host names served besides localhost, 127.0.0.1 and [::1] (every other
            `Host` is answered 421, against DNS rebinding).
        dashboard_token: What every `/local` request must carry; random per app when None
            (read it from `app.config.dashboard_token`).

    Returns:
        The ASGI app. Close it (`app.close()`) when you run it in-process.

    Raises:
        ValueError: An option is invalid (e.g. an unknown fault name).
    """
    config = LocalConfig.build(
        api_keys=api_keys,
        db=db,
        token_ttl=token_ttl,
        auto_approve=auto_approve,
        faults=faults,
        seed=seed,
        secret=secret,
        allowed_hosts=allowed_hosts,
        dashboard_token=dashboard_token,
    )
    store = Store(config.db)
    context = ServerContext(
        config=config,
        store=store,
        authority=TokenAuthority(config.api_keys, ttl=config.token_ttl, secret=config.secret),
        stats=ServerStats(),
        injector=FaultInjector(config.faults, config.seed),
    )
    return LocalApp(context)
