"""`LocalServer`: the local Memoram server on a loopback port, in a background thread."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
import uvicorn

from ._app import LocalApp, create_app
from ._constants import DASHBOARD_TOKEN_HEADER, DASHBOARD_TOKEN_PARAM, DEFAULT_TOKEN_TTL
from ._faults import FaultSpec
from ._routes import API_PREFIX
from ._stats import ServerStats

_T = TypeVar("_T")
_START_TIMEOUT = 15.0
_STOP_TIMEOUT = 15.0


class LocalServerError(RuntimeError):
    """A dashboard call (approve, reject, revoke, rotate-key, ...) failed."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(f"{status_code}: {message}")
        self.status_code = status_code


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0 picks a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that name it, and
    # without it every keep-alive answer waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def format_url(host: str, port: int) -> str:
    """`http://host:port`, with brackets around an IPv6 host."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def uvicorn_config(app: LocalApp, *, log_level: str = "warning") -> uvicorn.Config:
    """The uvicorn settings for the local server (the app writes its own Date header)."""
    return uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        date_header=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )


class LocalServer:
    """A real uvicorn server for the local Memoram API on a free loopback port.

    For tests, the demo and users' own tests; one background thread per server. Use it as a
    context manager (sync or async)::

        with LocalServer(auto_approve=True) as server:
            client = MemoramClient(api_key=server.api_key, base_url=server.base_url)

    Takes the options of `create_app`, plus `host` and `port` (0: a free port). Its dashboard
    methods (`approve`, `access_requests`, ...) send the dashboard token themselves.
    """

    def __init__(
        self,
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
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
    ) -> None:
        self.app = create_app(
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
        self.host = host
        self._port = port
        self._log_level = log_level
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> LocalServer:
        """Bind the port and serve until `stop()`; returns once the server accepts requests."""
        if self._thread is not None:
            raise RuntimeError("this LocalServer was already started")
        self._socket = bind_socket(self.host, self._port)
        self._port = self._socket.getsockname()[1]
        self._server = uvicorn.Server(uvicorn_config(self.app, log_level=self._log_level))
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"memoram-local:{self._port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the local Memoram server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop serving, wait for the thread, close the database (idempotent)."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(_STOP_TIMEOUT)
            if self._thread.is_alive():
                self._server.force_exit = True
                self._thread.join(_STOP_TIMEOUT)
        if self._socket is not None:
            self._socket.close()
        self.app.close()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> LocalServer:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)

    # -- addresses ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (known once started)."""
        return self._port

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return format_url(self.host, self._port)

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT/api/v1`: what the SDK's `base_url` takes."""
        return self.url + API_PREFIX

    @property
    def api_key(self) -> str:
        """The first accepted developer API key (`DEV_API_KEY` by default)."""
        return self.app.config.api_keys[0]

    @property
    def dashboard_token(self) -> str:
        """The token every `/local` request must carry (random per server unless configured)."""
        return self.app.config.dashboard_token

    @property
    def dashboard_url(self) -> str:
        """`http://127.0.0.1:PORT/local/?token=TOKEN`: the dashboard, ready to open."""
        return f"{self.url}/local/?{DASHBOARD_TOKEN_PARAM}={self.dashboard_token}"

    @property
    def dashboard_headers(self) -> dict[str, str]:
        """The header that carries the dashboard token, for your own `/local` calls."""
        return {DASHBOARD_TOKEN_HEADER: self.dashboard_token}

    @property
    def stats(self) -> ServerStats:
        """Live counters: requests per path, tokens issued, faults injected, ..."""
        return self.app.stats

    # -- the user's side (the /local endpoints) ----------------------------------------------
    # Each operation is described once (`_Call`); `_send` and `_asend` run a description with a
    # blocking or an async client, so every sync method and its `a...` twin share one definition.

    def _client_options(self) -> dict[str, Any]:
        return {
            "base_url": self.url,
            "headers": self.dashboard_headers,
            "trust_env": False,
            "timeout": 10.0,
        }

    def _send(self, call: _Call[_T]) -> _T:
        with httpx.Client(**self._client_options()) as client:
            response = client.request(call.method, call.path, params=call.params)
        return call.parse(_result(response))

    async def _asend(self, call: _Call[_T]) -> _T:
        async with httpx.AsyncClient(**self._client_options()) as client:
            response = await client.request(call.method, call.path, params=call.params)
        return call.parse(_result(response))

    def approve(self, request_id: str) -> dict[str, Any]:
        """Approve a pending access request, as the user would in the dashboard."""
        return self._send(_decide("approve", request_id))

    def reject(self, request_id: str) -> dict[str, Any]:
        """Reject a pending access request."""
        return self._send(_decide("reject", request_id))

    def revoke(self, request_id: str) -> dict[str, Any]:
        """Revoke an approved access request. The answer's `still_approved` lists the app's
        other approved requests for the same user: through them it keeps its access
        (`revoke_app` ends all of it)."""
        return self._send(_decide("revoke", request_id))

    def revoke_app(self, user_id: str, app: str) -> list[str]:
        """End all of one app's access to one user (the app's `aiConnectorId`); returns the ids
        of the approved requests it revoked."""
        return self._send(_revoke_app(user_id, app))

    def rotate_key(self, user_id: str) -> int:
        """Give the user a new encryption key; returns its key_version."""
        return self._send(_rotate_key(user_id))

    def user_keys(self, user_id: str) -> dict[int, str]:
        """Every encryption key of the user (hex) by key_version."""
        return self._send(_user_keys(user_id))

    def access_requests(self, status: str | None = None) -> list[dict[str, Any]]:
        """Every developer's access requests, newest first, optionally of one status (memory keys
        masked: `memory_key(request_id)` reveals one)."""
        return self._send(_access_requests(status))

    def memory_key(self, request_id: str) -> str:
        """The full memory key of an access request (listings show it masked)."""
        return self._send(_memory_key(request_id))

    async def aapprove(self, request_id: str) -> dict[str, Any]:
        """`approve`, without blocking the event loop."""
        return await self._asend(_decide("approve", request_id))

    async def areject(self, request_id: str) -> dict[str, Any]:
        """`reject`, without blocking the event loop."""
        return await self._asend(_decide("reject", request_id))

    async def arevoke(self, request_id: str) -> dict[str, Any]:
        """`revoke`, without blocking the event loop."""
        return await self._asend(_decide("revoke", request_id))

    async def arevoke_app(self, user_id: str, app: str) -> list[str]:
        """`revoke_app`, without blocking the event loop."""
        return await self._asend(_revoke_app(user_id, app))

    async def arotate_key(self, user_id: str) -> int:
        """`rotate_key`, without blocking the event loop."""
        return await self._asend(_rotate_key(user_id))

    async def auser_keys(self, user_id: str) -> dict[int, str]:
        """`user_keys`, without blocking the event loop."""
        return await self._asend(_user_keys(user_id))

    async def aaccess_requests(self, status: str | None = None) -> list[dict[str, Any]]:
        """`access_requests`, without blocking the event loop."""
        return await self._asend(_access_requests(status))

    async def amemory_key(self, request_id: str) -> str:
        """`memory_key`, without blocking the event loop."""
        return await self._asend(_memory_key(request_id))

    def __repr__(self) -> str:
        return f"LocalServer(url={self.url!r})"


@dataclass(frozen=True)
class _Call(Generic[_T]):
    """One `/local` operation: what to send and how to read the JSON answer."""

    method: str
    path: str
    parse: Callable[[Any], _T]
    params: dict[str, str] | None = None


def _decide(decision: str, request_id: str) -> _Call[dict[str, Any]]:
    return _Call("POST", f"/local/access-requests/{_segment(request_id)}/{decision}", dict)


def _revoke_app(user_id: str, app: str) -> _Call[list[str]]:
    return _Call(
        "POST",
        f"/local/users/{_segment(user_id)}/apps/{_segment(app)}/revoke",
        lambda body: [str(request_id) for request_id in body["revoked"]],
    )


def _rotate_key(user_id: str) -> _Call[int]:
    return _Call(
        "POST",
        f"/local/users/{_segment(user_id)}/rotate-key",
        lambda body: int(body["key_version"]),
    )


def _user_keys(user_id: str) -> _Call[dict[int, str]]:
    def parse(body: Any) -> dict[int, str]:
        return {int(key["key_version"]): str(key["encryption_key"]) for key in body["keys"]}

    return _Call("GET", f"/local/users/{_segment(user_id)}/keys", parse)


def _access_requests(status: str | None) -> _Call[list[dict[str, Any]]]:
    params = {"status": status} if status is not None else None
    return _Call("GET", "/local/access-requests", lambda body: list(body["items"]), params)


def _memory_key(request_id: str) -> _Call[str]:
    return _Call(
        "GET",
        f"/local/access-requests/{_segment(request_id)}/memory-key",
        lambda body: str(body["memoryKey"]),
    )


def _segment(value: str) -> str:
    # An id is one path segment: a "/" or "?" in it must not reach another endpoint.
    return quote(str(value), safe="")


def _result(response: httpx.Response) -> Any:
    if response.is_success:
        return response.json()
    try:
        message = str(response.json().get("message", response.text))
    except ValueError:
        message = response.text
    raise LocalServerError(response.status_code, message)
