"""The http_client= contract, over loopback against the local server, one app client per case.

Every case runs on both transports an app may send through: ``httpx.AsyncClient`` (httpx's own
transport) and ``DefaultAioHttpClient`` (aiohttp's); the few that cannot apply to aiohttp say
why they are skipped. Each case runs in a child process (tests/http_client_cases.py) killed at
a deadline, so a busy loop cannot hang the suite; the parent serves the local server and
records every request that reached it (headers, query), then asserts the typed outcome and
what the server saw.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from memoram_local import LocalServer

CHILD = Path(__file__).with_name("http_client_cases.py")
DEADLINE = 60.0
PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)
MISSING_TOKEN = "eyJhbGciOiJIUzI1NiJ9.e30.not-a-valid-signature"

Seen = list[dict[str, Any]]

TRANSPORTS = ("httpx", "aiohttp")
# Cases that have no meaning on aiohttp's transport, and why.
NOT_ON_AIOHTTP = {
    "http2": "aiohttp speaks HTTP/1.1 only; DefaultAioHttpClient(http2=True) raises ValueError "
    "(tests/unit/test_aiohttp.py)",
    "transport_retries": "the case passes httpx's own AsyncHTTPTransport(retries=2) as "
    "transport=, which replaces aiohttp's: it would test httpx's transport again",
}


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    """The transport the app's client sends through."""
    return str(request.param)


def skip_if_not_on(case: str, transport: str) -> None:
    """Skip a case that cannot apply to this transport, with the reason."""
    if transport == "aiohttp" and case in NOT_ON_AIOHTTP:
        pytest.skip(NOT_ON_AIOHTTP[case])


class Recorder:
    """ASGI middleware keeping the method, path, query and headers of every request."""

    def __init__(self, app: ASGIApp, log: Seen) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers: dict[str, list[str]] = {}
            for name, value in scope["headers"]:
                headers.setdefault(name.decode("latin-1"), []).append(value.decode("latin-1"))
            self.log.append(
                {
                    "method": scope["method"],
                    "path": scope["path"],
                    "query": scope["query_string"].decode(),
                    "headers": headers,
                }
            )
        await self.app(scope, receive, send)


class ProxyTrap:
    """A loopback listener standing in for a proxy: counts connections, answers 502."""

    def __init__(self) -> None:
        self.connections = 0
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The proxy URL to put in the environment."""
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with connection:
                connection.sendall(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")

    def close(self) -> None:
        """Stop listening."""
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()


@pytest.fixture
def proxy_trap() -> Iterator[ProxyTrap]:
    """A recording proxy stand-in on loopback."""
    trap = ProxyTrap()
    try:
        yield trap
    finally:
        trap.close()


def run_case(
    case: str,
    transport: str,
    *,
    faults: str | None = None,
    env: dict[str, str] | None = None,
) -> tuple[dict[str, Any], Seen]:
    """Serve a fresh local server, run ``case`` in a child under DEADLINE; its outcome and log."""
    seen: Seen = []
    server = LocalServer(auto_approve=True, faults=faults, seed=7 if faults else None)
    server.app.add_middleware(Recorder, log=seen)
    child_env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    child_env.update(env or {})
    with server:
        try:
            done = subprocess.run(
                [sys.executable, str(CHILD), case, transport, server.base_url, server.api_key],
                capture_output=True,
                text=True,
                timeout=DEADLINE,
                env=child_env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"case {case} hung for {DEADLINE} s (killed)")
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), seen


def api_requests(seen: Seen) -> Seen:
    """The requests to the API (not the dashboard)."""
    return [r for r in seen if r["path"].startswith("/api/v1/")]


def assert_bearer_only(seen: Seen) -> None:
    """The token call carries no Authorization; every other call exactly one bearer token."""
    assert seen, "nothing reached the server"
    for request in api_requests(seen):
        auth = request["headers"].get("authorization", [])
        if request["path"] == "/api/v1/auth/token":
            assert auth == [], request
        else:
            assert len(auth) == 1, request
            assert auth[0].startswith("Bearer "), request
        assert "x-custom-auth" not in request["headers"], request


def assert_full_flow(outcome: dict[str, Any], seen: Seen) -> None:
    """The whole flow succeeded, with one refresh after the refused token, and the server saw it."""
    assert outcome["outcome"] == "ok", outcome
    assert outcome["contents"] == ["hello matrix"]
    assert outcome["missing"] == "NotFoundError"
    assert outcome["token_fetches"] == 2
    assert_bearer_only(seen)
    paths = [(r["method"], r["path"]) for r in api_requests(seen)]
    assert sum(p == ("POST", "/api/v1/auth/token") for p in paths) >= 2
    assert sum(p == ("POST", "/api/v1/memory-blobs") for p in paths) >= 1
    refused = [r for r in seen if r["headers"].get("authorization") == [f"Bearer {MISSING_TOKEN}"]]
    assert len(refused) == 1, "the refused token was sent more (or less) than once"


FULL_FLOW_CASES = [
    "plain",
    "hook_reads_body",
    "hook_reads_error_body",
    "hook_raise_for_status",
    "custom_auth_reads_body",
    "basic_auth",
    "base_url_set",
    "follow_redirects",
    "http2",
    "limits_one_connection",
    "transport_retries",
    "verify_off",
    "verify_context",
]


@pytest.mark.parametrize("case", FULL_FLOW_CASES)
def test_app_client_configuration_runs_the_whole_flow(case: str, transport: str) -> None:
    """Each app client setup gives the typed outcomes; only the SDK's bearer token reaches it."""
    skip_if_not_on(case, transport)
    outcome, seen = run_case(case, transport)
    assert_full_flow(outcome, seen)
    if case == "basic_auth":
        assert not any(
            value.startswith("Basic")
            for r in seen
            for value in r["headers"].get("authorization", [])
        )


def test_default_headers_params_and_cookies_go_with_every_request(transport: str) -> None:
    """The app client's defaults travel; the SDK's Authorization and Content-Type win conflicts."""
    outcome, seen = run_case("defaults", transport)
    assert_full_flow(outcome, seen)
    for request in api_requests(seen):
        assert request["headers"]["x-app"] == ["matrix"]
        assert "app=matrix" in request["query"].split("&")
        assert "session=abc" in request["headers"]["cookie"][0]
        if request["method"] in ("POST", "PATCH"):
            assert request["headers"]["content-type"] == ["application/json"]


def test_raise_for_status_hook_keeps_retries_under_faults(transport: str) -> None:
    """With a hook raising for every error status, 5xx/429 answers are still retried to success."""
    outcome, seen = run_case(
        "hook_read_then_raise_with_faults", transport, faults="error_rate=0.25,rate_limit_rate=0.1"
    )
    assert_full_flow(outcome, seen)
    assert outcome["retries"] > 0


def test_closed_app_client_is_a_typed_error_before_sending(transport: str) -> None:
    """A closed http_client gives APIConnectionError naming it, and nothing reaches the server."""
    outcome, seen = run_case("closed", transport)
    assert outcome["outcome"] == "APIConnectionError"
    assert "http_client" in outcome["message"]
    assert "closed" in outcome["message"]
    assert seen == []


def test_base_url_without_api_prefix_says_so(transport: str) -> None:
    """A 404 from /auth/token says the base URL is probably missing /api/v1."""
    outcome, seen = run_case("missing_api_prefix", transport)
    assert outcome["outcome"] == "NotFoundError"
    assert "/api/v1" in outcome["message"]
    assert [r["path"] for r in seen] == ["/auth/token"]


def test_two_event_loops_give_a_typed_error_naming_the_loop(transport: str) -> None:
    """A second asyncio.run() gets EventLoopError (nothing sent); aclose() stays quiet."""
    outcome, seen = run_case("two_runs", transport)
    assert outcome["first"] == 0
    assert outcome["outcome"] == "EventLoopError"
    assert "event loop" in outcome["message"]
    assert "asyncio.run()" in outcome["message"]
    assert outcome["aclose"] == "ok"
    assert [r["path"] for r in api_requests(seen)] == [
        "/api/v1/auth/token",
        "/api/v1/access-requests",
    ]


@pytest.mark.parametrize(
    ("case", "make_env"),
    [
        ("own_client_with_proxy_env", lambda url: {v: url for v in PROXY_VARIABLES}),
        ("trust_env_off_with_proxy_env", lambda url: {v: url for v in PROXY_VARIABLES}),
    ],
)
def test_plain_http_loopback_never_goes_through_an_environment_proxy(
    case: str, make_env: Callable[[str], dict[str, str]], proxy_trap: ProxyTrap, transport: str
) -> None:
    """With *_PROXY set, the SDK's clients reach http://127.0.0.1 directly, never the proxy."""
    outcome, seen = run_case(case, transport, env=make_env(proxy_trap.url))
    assert_full_flow(outcome, seen)
    assert proxy_trap.connections == 0
