"""The local server under many idle and half-open connections from one local process: a cap,
a read deadline, bounded logging (a real server in a child process, loopback only)."""

from __future__ import annotations

import logging
import socket

import httpx
import pytest

from memoram_local import LocalServer
from memoram_local._connections import MAX_CONNECTIONS, RateLimitedLog

DEADLINE = 10.0


def test_a_normal_client_is_answered_past_the_connection_cap(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With the cap's worth of idle and half-open connections held, and more, a normal client
    is still answered: the longest-waiting idle ones are closed, with one log line, not one per
    connection."""
    caplog.set_level(logging.WARNING, logger="memoram_local")
    held: list[socket.socket] = []
    with LocalServer() as server:
        try:
            for number in range(MAX_CONNECTIONS + 200):
                sock = socket.create_connection(("127.0.0.1", server.port), timeout=DEADLINE)
                if number % 2:
                    sock.sendall(b"GET /local/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                held.append(sock)
            for _ in range(3):
                response = httpx.get(
                    f"{server.url}/local/health", trust_env=False, timeout=DEADLINE
                )
                assert response.json() == {"status": "ok"}
        finally:
            for sock in held:
                sock.close()
    lines = [r for r in caplog.records if "over the limit" in r.getMessage()]
    assert len(lines) <= 2


def _health(client: httpx.Client, url: str) -> object:
    """GET /local/health on a new connection, tried twice."""
    for attempt in range(2):
        try:
            return client.get(f"{url}/local/health", headers={"Connection": "close"}).json()
        except httpx.TransportError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def test_the_log_is_rate_limited() -> None:
    """10,000 events of one kind within the interval make one line; the next carries the count."""
    log = RateLimitedLog(interval=3600)
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("memoram_local")
    logger.addHandler(handler)
    try:
        for _ in range(10_000):
            log.note("closed connections")
    finally:
        logger.removeHandler(handler)
    assert records == ["memoram-local: closed connections (1 since the last such line)"]
    assert log.counts["closed connections"] == 9_999
