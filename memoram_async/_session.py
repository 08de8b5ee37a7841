"""The retry loop, and what a client shares with its ``with_options`` copies.

Layers, outermost first::

    Session.call          retry loop; turns every lower-layer failure into a MemoramError
      asyncio_detailed    the generated operation (its arguments, the documented 2xx body)
        Attempt.request   builds the request on the chosen client and sends it once
                          (_send.py), with the bearer token of _auth.py, replayed once with
                          a new token after a 401
          httpx client    the app's http_client, or the SDK's own (with transport= if given)

Errors are translated by _translate.py (pure), text redacted by _redact.py, lines logged by
_log.py.

Generated parsing only ever sees the documented success status. Another 2xx is read here with
the documented model; whatever either raises on a broken body is an APIResponseValidationError.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from http import HTTPStatus
from typing import Any, Final, TypeVar, cast

import httpx
from memoram_api.api.access_management import create_token
from memoram_api.errors import UnexpectedStatus
from memoram_api.models import AuthTokenRequest, AuthTokenResponse
from memoram_api.types import Response

from ._auth import FixedToken, TokenGrant, TokenManager, parse_http_date
from ._constants import TOKEN_REQUESTED_LIFETIME
from ._convert import expect
from ._errors import APIConnectionError, MemoramError
from ._log import log_attempt, log_retry, logger
from ._operations import CREATE_TOKEN, Operation
from ._options import Options
from ._printable import printable
from ._retry import is_retryable, may_have_been_processed, parse_retry_after, retry_delay
from ._secret import Secret
from ._send import Attempt, ClientFailure, Connection, UndocumentedSuccess
from ._shapes import ResponseShapeError, locate_shape_error
from ._translate import (
    ErrorAnswer,
    client_failure_error,
    closed_error,
    connection_error,
    shape_error,
    status_error,
)

T = TypeVar("T")
Parse = Callable[[Response[Any]], T]
Call = Callable[..., Awaitable[Response[Any]]]

# Everything generated parsing or our conversion raises on a body that is not as documented.
_SHAPE_ERRORS: Final = (
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    IndexError,
    ArithmeticError,
    RecursionError,
    UnexpectedStatus,
)
_DEBUG: Final = logging.DEBUG


def parse_other_success(op: Operation, response: httpx.Response, parse: Parse[T]) -> T:
    """The result of a 2xx answer other than the documented one (a tolerant reader).

    A create answered 200 instead of 201 is read with the documented model; a delete answered
    204 (no body) is done. Anything else with no body is a broken answer.

    Raises:
        ValueError, TypeError, KeyError...: The body is not the documented success body.
    """
    content = response.content
    if not content.strip():
        if op.method == "DELETE":
            return cast(T, None)
        raise ValueError("an empty body")
    parsed = op.model.from_dict(response.json())
    return parse(
        Response(
            status_code=cast(HTTPStatus, response.status_code),
            content=content,
            headers=response.headers,
            parsed=parsed,
        )
    )


class Session:
    """What a client and its ``with_options`` copies share: the connection, the token
    manager, the open/closed state, and the retry loop."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: Secret | None,
        token: Secret | None,
        timeout: httpx.Timeout,
        transport: httpx.AsyncBaseTransport | None,
        http_client: httpx.AsyncClient | None,
        idempotent_creates: bool,
        token_retries: int,
        allow_insecure_http: bool = False,
    ) -> None:
        self.base_url = base_url
        # The token call retries freely, as often as the client's own calls may.
        self.token_retries = token_retries
        self.timeout = timeout
        self.idempotent_creates = idempotent_creates
        self.tokens: TokenManager | FixedToken = (
            FixedToken(token) if token is not None else TokenManager(self._fetch_token)
        )
        self.connection = Connection(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            http_client=http_client,
            allow_insecure_http=allow_insecure_http,
        )
        self._api_key = api_key
        # Private seams: tests make retries instant and deterministic through these.
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self.random: Callable[[], float] = random.random
        self.clock: Callable[[], float] = time.monotonic
        self.retries = 0

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self.connection.closed

    async def aclose(self) -> None:
        """Close the pool (never a user's own http_client); later calls raise ClientClosedError.

        Raises:
            MemoramError: Only this; closing never fails with anything else.
        """
        if self.connection.closed:
            return
        # A fetch task of an event loop that is closed already cannot be cancelled.
        with contextlib.suppress(RuntimeError):
            self.tokens.close()
        await self.connection.aclose()

    async def call(
        self,
        op: Operation,
        fn: Call,
        kwargs: Mapping[str, Any],
        parse: Parse[T],
        options: Options,
        path: str | None = None,
    ) -> T:
        """Run one operation with retries; every failure leaves as a MemoramError.

        Args:
            op: The operation (retry class, method, documented success status).
            fn: Its generated ``asyncio_detailed`` function.
            kwargs: The arguments for ``fn`` besides ``client``.
            parse: Turns the generated response into the result; runs inside the error
                translation, so a broken body becomes APIResponseValidationError.
            options: Retries and timeout of this call.
            path: The concrete path for logs and errors (default: the template).
        """
        # Shown in messages and log lines only; a server-sent id in it is escaped there (the
        # bound leaves room for any path with a 255-character id).
        path = printable(path or op.path, 512)
        connection = self.connection
        attempt = Attempt(
            connection,
            self.tokens,
            op,
            path,
            connection.default_timeout if options.timeout is None else options.timeout,
        )
        safe = not op.create or self.idempotent_creates
        retries = 0
        maybe_processed = False
        while True:
            started = time.perf_counter()
            status: int | None = None
            failure: BaseException
            attempt.answered = 0
            try:
                try:
                    result = parse(await fn(client=attempt, **kwargs))
                except UndocumentedSuccess as other:
                    result = parse_other_success(op, other.response, parse)
            except ErrorAnswer as exc:
                status, failure = exc.status, exc
            except ClientFailure as exc:
                # Not retried: an app's hook or transport that raised will raise again.
                raise client_failure_error(op, path, exc, op.create or maybe_processed) from exc
            except httpx.TransportError as exc:
                failure = exc
            except MemoramError as exc:
                if op.create and maybe_processed and not exc.outcome_unknown:
                    # E.g. the retry could not get a token: an earlier attempt may still
                    # have created it, which the caller must learn.
                    raise APIConnectionError(
                        f"{op.method} {path} could not be retried: {exc.message}",
                        method=op.method,
                        path=path,
                        outcome_unknown=True,
                    ) from exc
                raise
            except httpx.HTTPError as exc:  # a body httpx itself cannot decode
                shape = locate_shape_error(exc, op.operation_id)
                raise shape_error(
                    op, path, str(shape), attempt.answered, maybe_processed, shape
                ) from exc
            except _SHAPE_ERRORS as exc:
                if isinstance(exc, UnexpectedStatus):
                    raise shape_error(
                        op, path, "an undocumented status", exc.status_code, maybe_processed
                    ) from exc
                if not attempt.answered:
                    # Raised before any answer: a broken transport or hook, not a broken body.
                    raise connection_error(op, path, exc, op.create or maybe_processed) from exc
                shape = locate_shape_error(
                    exc,
                    op.operation_id,
                    attempt.response.content if attempt.response is not None else None,
                )
                # The parsing frames hold the answer's body, which may repeat secrets: the
                # cause keeps its message, not those frames (a reporter would record them).
                raise shape_error(
                    op, path, str(shape), attempt.answered, maybe_processed, shape
                ) from exc.with_traceback(None)
            except RuntimeError as exc:
                if self.closed:
                    raise closed_error(op, maybe_processed) from exc
                raise connection_error(op, path, exc, op.create and maybe_processed) from exc
            else:
                if logger.isEnabledFor(_DEBUG):
                    log_attempt(op, path, str(attempt.answered), retries, started)
                return result
            if logger.isEnabledFor(_DEBUG):
                what = str(status) if status is not None else type(failure).__name__
                log_attempt(op, path, what, retries, started)
            if self.closed:
                raise closed_error(op, maybe_processed) from failure
            maybe_processed = maybe_processed or may_have_been_processed(status, failure)
            retry_after = None
            if isinstance(failure, ErrorAnswer) and failure.retry_after is not None:
                server_now = parse_http_date(failure.server_date)
                retry_after = parse_retry_after(
                    failure.retry_after, None if server_now is None else server_now.timestamp()
                )
            delay = None
            if is_retryable(status, None if status is not None else failure, safe=safe):
                delay = retry_delay(retries, options.max_retries, retry_after, self.random)
            if status == 404 and op.method == "DELETE" and retries and maybe_processed:
                # An earlier attempt whose answer was lost did delete it: done, not an error.
                return cast(T, None)
            if delay is None:
                unknown = op.create and maybe_processed
                if isinstance(failure, ErrorAnswer):
                    raise status_error(
                        op,
                        path,
                        failure,
                        retry_after=retry_after,
                        outcome_unknown=unknown,
                        fixed_token=isinstance(self.tokens, FixedToken),
                    ) from None
                raise connection_error(op, path, failure, unknown) from failure
            if logger.isEnabledFor(_DEBUG):
                cause = str(status) if status is not None else type(failure).__name__
                log_retry(op, path, delay, retries, options.max_retries, cause)
            self.retries += 1
            retries += 1
            await self.sleep(delay)
            if self.closed:
                raise closed_error(op, maybe_processed) from failure

    async def _fetch_token(self) -> TokenGrant:
        if self._api_key is None:  # pragma: no cover - FixedToken is used then
            raise RuntimeError("no API key")
        body = AuthTokenRequest(
            api_key=self._api_key.reveal_redacted(), expires_in=TOKEN_REQUESTED_LIFETIME
        )
        return await self.call(
            CREATE_TOKEN,
            create_token.asyncio_detailed,
            {"body": body},
            _grant,
            Options(max_retries=self.token_retries),
        )


def _grant(response: Response[Any]) -> TokenGrant:
    parsed = expect(response.parsed, AuthTokenResponse, "a token")
    token = parsed.token
    if not isinstance(token, str) or not token or any(c.isspace() for c in token):
        raise ResponseShapeError(
            field="token", expected="a non-empty string without spaces", received="something else"
        )
    if not isinstance(parsed.expires_at, datetime):
        raise ResponseShapeError(
            field="expires_at", expected="a date-time", received="something else"
        )
    return TokenGrant(
        Secret(token), parsed.expires_at, parse_http_date(response.headers.get("date"))
    )
