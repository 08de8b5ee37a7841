"""Connections under load: the local server stays usable while one local process holds
thousands of idle or half-open connections.

uvicorn by itself never times out a connection that has not sent a whole request head, and
accepts until the process runs out of file descriptors; asyncio then logs a traceback for
every failed accept. Here, on top of uvicorn's h11 protocol:

- at most `max_connections` are open; past it, the connection that has waited longest for a
  request head is closed (a client that sends its request at once is never the oldest);
- a request (head and body) must arrive within `read_timeout` of the connection opening or of
  the previous answer, however slowly it trickles in;
- those closings and failed accepts are logged at most once per `LOG_INTERVAL` with a count.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Final

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_CONNECTIONS: Final = 1000
READ_TIMEOUT: Final = 10.0
LOG_INTERVAL: Final = 10.0
ACCEPT_BATCH: Final = 64

logger = logging.getLogger("memoram_local")


class RateLimitedLog:
    """Counts events of each kind; writes one warning per kind and interval, with the count."""

    def __init__(self, interval: float = LOG_INTERVAL) -> None:
        self.interval = interval
        self.counts: dict[str, int] = {}
        self._last: dict[str, float] = {}

    def note(self, what: str) -> None:
        """One more `what`; logged now if its last line is older than the interval."""
        self.counts[what] = self.counts.get(what, 0) + 1
        now = time.monotonic()
        if now - self._last.get(what, -self.interval) >= self.interval:
            logger.warning(
                "memoram-local: %s (%d since the last such line)", what, self.counts[what]
            )
            self.counts[what] = 0
            self._last[what] = now


class ConnectionGuard:
    """The open connections of one server, oldest-waiting first."""

    def __init__(self, max_connections: int, read_timeout: float) -> None:
        self.max_connections = max_connections
        self.read_timeout = read_timeout
        self.log = RateLimitedLog()
        self._open: set[GuardedH11Protocol] = set()
        self._waiting: dict[GuardedH11Protocol, None] = {}

    def opened(self, connection: GuardedH11Protocol) -> None:
        """Count a new connection; over the cap, close the one waiting longest (or this one)."""
        self._open.add(connection)
        if len(self._open) <= self.max_connections:
            return
        victim = next(iter(self._waiting), connection)
        self.closed(victim)
        victim.transport.abort()
        self.log.note(f"closed connections over the limit of {self.max_connections}")

    def waiting(self, connection: GuardedH11Protocol) -> None:
        """The connection now waits for a request head (it goes to the back of the line)."""
        self._waiting.pop(connection, None)
        if connection in self._open:
            self._waiting[connection] = None

    def busy(self, connection: GuardedH11Protocol) -> None:
        """A whole request arrived: the connection is not idle."""
        self._waiting.pop(connection, None)

    def closed(self, connection: GuardedH11Protocol) -> None:
        """Forget a connection (idempotent)."""
        self._open.discard(connection)
        self._waiting.pop(connection, None)


class GuardedConfig(uvicorn.Config):
    """uvicorn's settings plus the server's `ConnectionGuard` (one per server)."""

    def __init__(
        self,
        app: Any,
        *,
        max_connections: int = MAX_CONNECTIONS,
        read_timeout: float = READ_TIMEOUT,
        **options: Any,
    ) -> None:
        # asyncio accepts up to `backlog` sockets per wake-up before any of them is closed: a
        # small batch keeps the descriptors in flight far under the process's limit.
        super().__init__(app, http=GuardedH11Protocol, backlog=ACCEPT_BATCH, **options)
        self.guard = ConnectionGuard(max_connections, read_timeout)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with the guard's cap and read deadline."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        if not isinstance(config, GuardedConfig):
            raise TypeError("GuardedH11Protocol needs a GuardedConfig")
        self.guard = config.guard
        self._deadline: asyncio.TimerHandle | None = None

    def __hash__(self) -> int:
        return id(self)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.guard.opened(self)
        if not transport.is_closing():
            self._await_request()

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.closed(self)
        self._cancel_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state not in (h11.IDLE, h11.SEND_BODY):
            self.guard.busy(self)
            self._cancel_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._await_request()

    def _await_request(self) -> None:
        self.guard.waiting(self)
        self._cancel_deadline()
        self._deadline = self.loop.call_later(self.guard.read_timeout, self._read_timed_out)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _read_timed_out(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self.conn.their_state not in (h11.IDLE, h11.SEND_BODY):
            return
        self.guard.closed(self)
        self.transport.abort()
        self.guard.log.note(
            f"closed connections that sent no request within {self.guard.read_timeout:g} s"
        )


def install_accept_error_handler(guard: ConnectionGuard) -> None:
    """Make the running loop log failed accepts (out of file descriptors) at a bounded rate."""
    loop = asyncio.get_running_loop()

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if "socket.accept() out of system resource" in str(context.get("message", "")):
            guard.log.note("could not accept connections: too many open files")
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handle)


class GuardedServer(uvicorn.Server):
    """uvicorn's server with the accept-error handler of its config's guard."""

    async def startup(self, sockets: list[Any] | None = None) -> None:
        if isinstance(self.config, GuardedConfig):
            install_accept_error_handler(self.config.guard)
        await super().startup(sockets)
