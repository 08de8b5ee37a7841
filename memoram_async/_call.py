"""The request loop: one call of one operation, from its request to its result or typed error.

It reads top to bottom::

    send      build the request the generated builder describes (_request.py), with the
              bearer token (_auth.py), and send it once through the chosen client (_send.py)
    classify  one pure decision on the outcome (_classify.py)
    retry     wait (backoff or Retry-After, within the budget) and send again;
    or return read a 2xx answer with the caller's reader (for most operations
              :func:`model_reader`: strict JSON, the generated model's from_dict, then
              the caller's conversion); or raise the typed error of the outcome
              (_translate.py)

Time is bounded twice: ``timeout`` bounds each attempt as a whole (a body that trickles in
included), and ``total_timeout`` the call (token, attempts, bodies, waits). Whether a create may
have been processed is decided from the wire first, before any error is built.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, cast

import httpx

from ._auth import parse_http_date
from ._body import BodyTooLarge, parse_json
from ._classify import Verdict, classify, was_processed
from ._errors import (
    APIConnectionError,
    APITimeoutError,
    MemoramError,
    ResponseTooLargeError,
)
from ._log import log_attempt, log_retry, logger
from ._operations import CREATE_TOKEN, M, Operation
from ._printable import printable
from ._request import RequestSpec, build_request
from ._retry import AttemptTimedOut, parse_retry_after
from ._secret import RedactedStr
from ._send import ClientFailure, UnreadBody, send_once
from ._shapes import SHAPE_ERRORS, ResponseShapeError, locate_shape_error
from ._translate import (
    client_failure_error,
    closed_error,
    connection_error,
    read_error,
    shape_error,
    status_error,
)

if TYPE_CHECKING:
    from ._options import Options
    from ._session import Session

T = TypeVar("T")

_DEBUG: Final = logging.DEBUG
# What strict JSON refuses that the lenient walk of locate_shape_error would not find.
_STRICT_JSON: Final = ("a key given twice", "a non-finite number")


class TotalTimeout(Exception):
    """The call's total budget ran out (internal)."""


class Closed(Exception):
    """The client was closed during the call (internal)."""


class Exchange:
    """One attempt: the request, its answer or the failure that left none, and whether the
    request left this machine (from httpcore's ``trace`` extension, when the transport has it).
    """

    __slots__ = ("failure", "request", "response", "retry_after", "sent", "status")

    def __init__(self) -> None:
        self.request: httpx.Request | None = None
        self.response: httpx.Response | None = None
        self.status: int | None = None
        self.failure: BaseException | None = None
        self.retry_after: float | None = None
        self.sent = False

    async def trace(self, name: str, info: Mapping[str, Any]) -> None:
        """httpcore's trace callback: the request's first bytes are being written."""
        if not self.sent and name.endswith("send_request_headers.started"):
            self.sent = True


def attempt_seconds(timeout: httpx.Timeout) -> float:
    """The bound of a whole attempt: the longest phase of the per-attempt ``timeout``."""
    phases = [t for t in (timeout.connect, timeout.read, timeout.write, timeout.pool) if t]
    return max(phases) if phases else 0.0


def model_reader(op: Operation[M], read: Callable[[M], T]) -> Callable[[httpx.Response], T]:
    """The reader of an answer read whole: its body as strict JSON (a key given twice or a
    non-finite number is refused by field), then the operation's generated model
    (``from_dict``), then ``read``."""

    def read_answer(response: httpx.Response) -> T:
        # The body is never bound to a name: a reporter records the frames' locals.
        return read(op.model.from_dict(parse_json(response.content)))

    return read_answer


class Call(Generic[T]):
    """One call: its operation and request, its budgets, and what its attempts did.

    Attributes:
        safe, delete, retries, max_retries, can_replay, processed_before: What
            :func:`classify` reads.
        server_date: The ``Date`` header of the success answer of a token call.
    """

    __slots__ = (
        "_attempt_limit",
        "_deadline",
        "_header",
        "_max_bytes",
        "_phases",
        "_replayed",
        "_session",
        "_spec",
        "_timeout",
        "delete",
        "max_retries",
        "op",
        "path",
        "processed_before",
        "retries",
        "safe",
        "server_date",
        "total",
    )

    def __init__(
        self,
        session: Session,
        op: Operation[Any],
        spec: RequestSpec,
        options: Options,
    ) -> None:
        self._session = session
        self.op = op
        self._spec = spec
        # Shown in messages and log lines only; a server-sent id in it is escaped there (the
        # bound leaves room for any path with a 255-character id).
        self.path: str = printable(spec["url"], 512)
        self.max_retries = options.max_retries
        timeout = options.timeout
        self._timeout = session.connection.default_timeout if timeout is None else timeout
        if timeout is None:
            self._phases, self._attempt_limit = session.timeout, session.attempt_limit
        else:
            self._phases, self._attempt_limit = timeout, attempt_seconds(timeout)
        self.total = options.total_timeout
        self._max_bytes = options.max_response_bytes
        self._deadline = session.clock() + self.total
        self.safe = not op.create or session.idempotent_creates
        self.delete = op.method == "DELETE"
        self.retries = 0
        self.processed_before = False
        self._header: str | None = None
        self._replayed = False
        self.server_date: str | None = None

    @property
    def can_replay(self) -> bool:
        """A 401 may be answered once with a new token."""
        return not self._replayed and self._header is not None and self._session.tokens.refreshable

    async def run(self, read: Callable[[httpx.Response], T]) -> T:
        """Send, classify, then retry or return: the loop.

        Args:
            read: Turns a 2xx answer (its body read already) into the result: usually a
                :func:`model_reader`; a listing reads its items one by one instead.
        """
        rng = self._session.random
        while True:
            exchange = await self._attempt()
            decision = classify(exchange.status, exchange.failure, exchange.retry_after, self, rng)
            verdict = decision.verdict
            if verdict is Verdict.SUCCESS:
                return self._read(cast(httpx.Response, exchange.response), read)
            if verdict is Verdict.REPLAY:
                await self._replace_token()
            elif verdict is Verdict.RETRY:
                await self._wait(decision.delay, exchange)
            elif verdict is Verdict.DONE:
                return cast(T, None)
            else:
                raise self._error(exchange) from exchange.failure

    # -- send ---------------------------------------------------------------------------------

    async def _attempt(self) -> Exchange:
        """Send the request once; what happened, with what the wire says about it."""
        started = time.perf_counter()
        session = self._session
        if session.connection.closed and (self.retries or self._replayed):
            raise closed_error(self.op, self._unknown())
        unresolved = await self._check_host()
        if unresolved is not None:
            self._settle(unresolved, started)
            return unresolved
        client = self._open_client()
        if self.op is not CREATE_TOKEN and not self._replayed:
            self._header = session.tokens.header() or await self._fetch_token()
        exchange = Exchange()
        request = exchange.request = build_request(
            client,
            session.base_url,
            self._spec,
            self._header,
            self._timeout,
            {"trace": exchange.trace} if session.connection.traced else None,
        )
        remaining = self._deadline - session.clock() if self.retries else self.total
        limit = min(self._attempt_limit, remaining)
        watchdog = session.watchdog
        scope = watchdog.enter(limit)
        try:
            exchange.response = await send_once(client, request, self._max_bytes)
        except asyncio.CancelledError:
            if not watchdog.absorb(scope):
                raise
            exchange.failure = self._expired(limit < self._attempt_limit)
        except (httpx.HTTPError, ClientFailure, UnreadBody) as exc:
            exchange.failure = exc
        finally:
            watchdog.leave(scope)
        if exchange.response is not None or not session.connection.traced:
            # An answer came; or the transport reports nothing: then it may well have been sent.
            exchange.sent = True
        self._settle(exchange, started)
        return exchange

    def _open_client(self) -> httpx.AsyncClient:
        """The client to send through (bound to this loop, not closed), or the typed error."""
        client = self._session.connection.client()
        if client.is_closed:
            raise APIConnectionError(
                f"{self.op.method} {self.path} cannot be sent: the http_client given to "
                "MemoramClient was closed. Keep it open while the MemoramClient is in use.",
                method=self.op.method,
                path=self.path,
            )
        return client

    async def _check_host(self) -> Exchange | None:
        """Plain http to a host name: it must resolve to loopback only, before the client is
        built (its proxy settings follow the verdict) and before any byte is sent. A resolver
        that fails is a connection failure (nothing sent, retried); a remote address raises
        ValidationError."""
        connection = self._session.connection
        if connection.host_check.cleared:
            return None
        try:
            await connection.host_check.check(connection.resolve_within)
        except httpx.HTTPError as exc:
            unresolved = Exchange()
            unresolved.failure = exc
            return unresolved
        return None

    def _settle(self, exchange: Exchange, started: float) -> None:
        """Record what the attempt says about the server's state, before anything else."""
        response = exchange.response
        if response is not None:
            status = exchange.status = response.status_code
            if status < 300:
                if logger.isEnabledFor(_DEBUG):
                    log_attempt(self.op, self.path, str(status), self.retries, started)
                return
            exchange.retry_after = _retry_after(response)
        self.processed_before = self.processed_before or was_processed(
            exchange.status, exchange.failure, exchange.sent
        )
        if logger.isEnabledFor(_DEBUG):
            log_attempt(self.op, self.path, _what(exchange), self.retries, started)
        if isinstance(exchange.failure, Closed):
            raise closed_error(self.op, self._unknown())
        if isinstance(exchange.failure, TotalTimeout):
            raise self._timeout_error("")

    def _expired(self, total_binds: bool) -> Exception:
        if self._session.connection.closed:
            return Closed()
        if total_binds:
            return TotalTimeout()
        return AttemptTimedOut(self._attempt_limit)

    async def _fetch_token(self) -> str:
        """The bearer token when none is cached: fetched (once for every caller) within the
        call's total budget."""
        remaining = self._deadline - self._session.clock()
        try:
            async with asyncio.timeout(max(0.0, remaining)):
                token = await self._session.tokens.get()
        except TimeoutError:
            raise self._timeout_error("getting a token") from None
        except MemoramError as exc:
            if self.op.create and self.processed_before and not exc.outcome_unknown:
                # E.g. the retry could not get a token: an earlier attempt may still have
                # created it, which the caller must learn.
                raise APIConnectionError(
                    f"{self.op.method} {self.path} could not be retried: {exc.message}",
                    method=self.op.method,
                    path=self.path,
                    outcome_unknown=True,
                ) from exc
            raise
        return RedactedStr("Bearer " + token.reveal())

    async def _replace_token(self) -> None:
        """The token was refused (revoked, or expired early): one replay with a new one."""
        failed = cast(str, self._header)
        remaining = self._deadline - self._session.clock()
        try:
            async with asyncio.timeout(max(0.0, remaining)):
                token = await self._session.tokens.refresh(failed)
        except TimeoutError:
            raise self._timeout_error("replacing the token") from None
        self._header = RedactedStr("Bearer " + token.reveal())
        self._replayed = True

    # -- retry --------------------------------------------------------------------------------

    async def _wait(self, delay: float, exchange: Exchange) -> None:
        """Wait ``delay`` before the next attempt, unless the budget cannot afford it."""
        session = self._session
        remaining = self._deadline - session.clock()
        if delay >= remaining:
            raise self._error(exchange, no_time_for=delay) from exchange.failure
        if logger.isEnabledFor(_DEBUG):
            log_retry(self.op, self.path, delay, self.retries, self.max_retries, _what(exchange))
        session.retries += 1
        self.retries += 1
        self._replayed = False
        watchdog = session.watchdog
        scope = watchdog.enter(remaining)
        try:
            await session.sleep(delay)
        except asyncio.CancelledError:
            if not watchdog.absorb(scope):
                raise
            # Only aclose() ends a wait early: the wait is shorter than what is left.
            raise closed_error(self.op, self._unknown()) from None
        finally:
            watchdog.leave(scope)

    # -- return -------------------------------------------------------------------------------

    def _read(self, response: httpx.Response, read: Callable[[httpx.Response], T]) -> T:
        """The result of a 2xx answer, read by ``read``; a body it cannot read is an
        APIResponseValidationError naming the broken field."""
        op = self.op
        if op is CREATE_TOKEN:
            self.server_date = response.headers.get("date")
        try:
            if self.delete and _is_empty(response):
                return cast(T, None)
            return read(response)
        except MemoramError:
            raise
        except SHAPE_ERRORS as exc:
            shape = self._located(exc, response)
            # The parsing frames hold the answer's body, which may repeat secrets: the cause
            # keeps its message, not those frames (a reporter would record them).
            raise shape_error(
                op, self.path, str(shape), response.status_code, self._unknown(), shape
            ) from exc.with_traceback(None)

    def _located(self, exc: Exception, response: httpx.Response) -> ResponseShapeError:
        """Where the body broke: as the reader said when it named the field from the body's
        root (strict JSON, or a reader that tracks the path itself), else found by walking the
        body against the table of ``_shapes.py``."""
        op_id = self.op.operation_id
        if (
            isinstance(exc, ResponseShapeError)
            and exc.field
            and (exc.operation == op_id or (exc.operation is None and exc.received in _STRICT_JSON))
        ):
            return exc.at(op_id)
        return locate_shape_error(exc, op_id, response.content)

    # -- raise --------------------------------------------------------------------------------

    def _unknown(self) -> bool:
        return self.op.create and self.processed_before

    def _timeout_error(self, during: str) -> APITimeoutError:
        where = f" while {during}" if during else ""
        return APITimeoutError(
            f"{self.op.method} {self.path} ran out of its total_timeout of {self.total:g} s{where} "
            "(the token, every attempt, the bodies and the waits between attempts count). "
            "Raise total_timeout, or try again later.",
            method=self.op.method,
            path=self.path,
            outcome_unknown=self._unknown(),
        )

    def _error(self, exchange: Exchange, no_time_for: float | None = None) -> MemoramError:
        op, path, unknown = self.op, self.path, self._unknown()
        response, failure, retry_after = exchange.response, exchange.failure, exchange.retry_after
        budget = None
        if no_time_for is not None:
            what = "its Retry-After" if retry_after is not None else "the wait before a retry"
            budget = (
                f"{what} of {no_time_for:g} s is longer than what remains of the total_timeout "
                f"of {self.total:g} s"
            )
        if response is not None:
            request = cast(httpx.Request, exchange.request)
            if response.is_success:  # pragma: no cover - a 2xx never reaches here
                raise AssertionError(response.status_code)
            return status_error(
                op,
                path,
                read_error(response, request),
                retry_after=retry_after,
                outcome_unknown=unknown,
                fixed_token=not self._session.tokens.refreshable,
                budget=budget,
            )
        if isinstance(failure, ClientFailure):
            return client_failure_error(op, path, failure, unknown)
        if isinstance(failure, UnreadBody):
            return self._unread_error(failure)
        return connection_error(
            op, path, cast(BaseException, failure), unknown, budget=budget or self._phase(failure)
        )

    def _unread_error(self, failure: UnreadBody) -> MemoramError:
        """An answer whose body was over the cap or could not be decoded, with its status."""
        op, path, status, cause = self.op, self.path, failure.status, failure.__cause__
        if isinstance(cause, BodyTooLarge):
            size = f"{'declared as ' if cause.declared else 'at least '}{cause.size} bytes"
            return ResponseTooLargeError(
                f"its body is {size}, over max_response_bytes={cause.limit}; it was not read "
                "further. Ask for smaller pages (limit=), or raise max_response_bytes",
                method=op.method,
                path=path,
                status_code=status,
                limit_bytes=cause.limit,
                received_bytes=cause.size,
                outcome_unknown=self._unknown(),
            )
        shape = locate_shape_error(cast(BaseException, cause), op.operation_id)
        return shape_error(op, path, str(shape), status, self._unknown(), shape)

    def _phase(self, failure: BaseException | None) -> str | None:
        """Which per-attempt timeout ran out, with its value (for a timeout's message)."""
        if isinstance(failure, AttemptTimedOut):
            return f"the timeout of {failure.seconds:g} s per attempt"
        timeout = self._phases
        for cls, name, value in (
            (httpx.ConnectTimeout, "connect", timeout.connect),
            (httpx.ReadTimeout, "read", timeout.read),
            (httpx.WriteTimeout, "write", timeout.write),
            (httpx.PoolTimeout, "pool", timeout.pool),
        ):
            if isinstance(failure, cls) and value is not None:
                return f"the {name} timeout of {value:g} s per attempt"
        return None


def _what(exchange: Exchange) -> str:
    if exchange.response is not None:
        return str(exchange.response.status_code)
    return type(exchange.failure).__name__


def _retry_after(response: httpx.Response) -> float | None:
    """The seconds an error answer's ``Retry-After`` asks for (read on the server's clock)."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    server_now = parse_http_date(response.headers.get("date"))
    return parse_retry_after(value, None if server_now is None else server_now.timestamp())


def _is_empty(response: httpx.Response) -> bool:
    """Whether an answer has no body (only whitespace): a delete's 204, for example."""
    return not response.content or response.content.isspace()
