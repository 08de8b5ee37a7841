"""The one place requests are sent: the generated ``asyncio_detailed`` call, retries, and errors.

Layers, outermost first::

    Session.call          retry loop; turns every lower-layer failure into a MemoramError
      asyncio_detailed    the generated operation (builds the request, parses a 2xx body)
        httpx.AsyncClient owned by the SDK; never the user's own client object
          RequestFlow     httpx.Auth: per-call timeout, bearer token, one 401 replay, and any
                          status but 200/201 raised as StatusResponse before generated parsing
            transport     httpx's own, the user's transport=, or ClientTransport(http_client)

Generated parsing therefore only ever sees the documented success statuses; whatever it raises
on a broken body is an ``APIResponseValidationError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import re
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Iterable, Mapping
from contextvars import ContextVar
from datetime import datetime
from http import HTTPStatus
from typing import Any, Final, TypeVar, cast

import attrs
import httpx
from memoram_api.api.access_management import create_token
from memoram_api.client import AuthenticatedClient
from memoram_api.errors import UnexpectedStatus
from memoram_api.models import AuthTokenRequest, AuthTokenResponse
from memoram_api.types import Response

from ._auth import FixedToken, TokenGrant, TokenManager, parse_http_date
from ._constants import (
    API_KEY_ENV,
    DEFAULT_CONNECTION_LIMITS,
    LOGGER_NAME,
    TOKEN_REQUESTED_LIFETIME,
)
from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    MemoramError,
    RateLimitError,
    error_class_for_status,
)
from ._models import ResponseShapeError, expect
from ._operations import CREATE_TOKEN, Operation
from ._retry import is_retryable, may_have_been_processed, parse_retry_after, retry_delay
from ._secret import Secret
from ._shapes import locate_shape_error

T = TypeVar("T")
Parse = Callable[[Response[Any]], T]
Call = Callable[..., Awaitable[Response[Any]]]

logger = logging.getLogger(LOGGER_NAME)

# A per-call timeout from with_options(), read by RequestFlow: generated functions take none.
_CALL_TIMEOUT: ContextVar[dict[str, float | None] | None] = ContextVar(
    "memoram_call_timeout", default=None
)
# The success status RequestFlow let through in this attempt (0 before any answer): tells a body
# that generated parsing refused apart from a transport that raised before answering.
_ANSWERED: ContextVar[int] = ContextVar("memoram_answered", default=0)
# Error bodies larger than this are not parsed for a message.
_MAX_ERROR_BODY: Final = 64 * 1024
# What a server might echo back that must never reach a message: JWTs, envelopes, API keys,
# and any long run of hex or base64.
_SECRETISH: Final = re.compile(
    r"eyJ[\w-]+\.[\w-]+(?:\.[\w-]*)?|mrm1\.[\w-]+|mem_[0-9a-fA-F]{16,}|[A-Za-z0-9_+/=]{32,}"
)
# Request body fields whose values a server must not be able to echo into an error message.
_SENT_SECRET_FIELDS: Final = ("api_key", "memoryKey", "memory_key", "content")
_MIN_REDACTED: Final = 6
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


class StatusResponse(Exception):
    """An answer with a status other than 200/201, read leniently (internal)."""

    def __init__(
        self,
        status: int,
        *,
        message: str | None,
        error_code: str | None,
        request_id: str | None,
        retry_after: str | None,
    ) -> None:
        super().__init__(status)
        self.status = status
        self.message = message
        self.error_code = error_code
        self.request_id = request_id
        self.retry_after = retry_after


def clean_text(text: object, limit: int = 200, redact: Iterable[str] = ()) -> str | None:
    """Server text made safe for a message: one line, printable, secret-like runs and the
    ``redact`` values (the secrets this request sent, which a server may echo) removed."""
    if not isinstance(text, str):
        return None
    # Cut generously first, so that no secret is split at the final cut before it is removed.
    text = text[: limit * 4 + 1024]
    for value in redact:
        text = text.replace(value, "[redacted]")
    text = " ".join(text[: limit * 4].split())
    text = "".join(c for c in text if c.isprintable())
    text = _SECRETISH.sub("[redacted]", text)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text or None


def sent_secrets(request: httpx.Request) -> list[str]:
    """The secrets a request carries (bearer token, API key, memory key, content), to be
    redacted from whatever the server says back."""
    values = []
    _scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if token:
        values.append(token)
    try:
        body = json.loads(request.content) if request.content else None
    except (ValueError, RecursionError, httpx.RequestNotRead):
        body = None
    if isinstance(body, dict):
        for field in _SENT_SECRET_FIELDS:
            value = body.get(field)
            # Very short values are left alone: replacing them would garble the message.
            if isinstance(value, str) and len(value) >= _MIN_REDACTED:
                values.append(value)
    return values


def read_error(response: httpx.Response, redact: Iterable[str] = ()) -> StatusResponse:
    """The details of an error answer whose body was read; never fails on an odd body."""
    content = response.content
    headers = response.headers
    message: object = None
    code: object = None
    if len(content) <= _MAX_ERROR_BODY:
        ctype = headers.get("content-type", "").lower()
        if "json" in ctype or content.lstrip()[:1] == b"{":
            try:
                data = json.loads(content)
            except (ValueError, RecursionError):
                data = None
            if isinstance(data, dict):
                code = data.get("error")
                for key in ("message", "detail", "error"):
                    value = data.get(key)
                    if isinstance(value, str) and value.strip():
                        message = value
                        break
        elif ctype.startswith("text/plain"):
            message = content[:1000].decode("utf-8", "replace")
    redact = tuple(redact)
    return StatusResponse(
        response.status_code,
        message=clean_text(message, redact=redact),
        error_code=clean_text(code, 64, redact),
        request_id=clean_text(
            headers.get("x-request-id") or headers.get("request-id"), 100, redact
        ),
        retry_after=headers.get("retry-after"),
    )


class RequestFlow(httpx.Auth):
    """Per request: the call's timeout, the bearer token, one replay after a 401, status check."""

    requires_request_body = False
    requires_response_body = False

    def __init__(self, tokens: TokenManager | FixedToken, token_path: bytes) -> None:
        self._tokens = tokens
        self._token_path = token_path

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        raise RuntimeError("memoram_async sends requests with httpx.AsyncClient only")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        timeout = _CALL_TIMEOUT.get()
        if timeout is not None:
            request.extensions["timeout"] = timeout
        if request.url.raw_path == self._token_path:
            response = yield request
        else:
            tokens = self._tokens
            header = tokens.header()
            if header is None:
                token = await tokens.get()
                header = "Bearer " + token.reveal()
            request.headers["Authorization"] = header
            response = yield request
            if response.status_code == 401 and tokens.refreshable:
                # Read (and so release the connection) before waiting for the new token: a
                # burst of 401s must not hold the whole pool while /auth/token needs a slot.
                await response.aread()
                token = await tokens.refresh(header)
                request.headers["Authorization"] = "Bearer " + token.reveal()
                response = yield request
        status = response.status_code
        if status != 200 and status != 201:
            await response.aread()
            raise read_error(response, sent_secrets(request))
        _ANSWERED.set(status)


class ClientTransport(httpx.AsyncBaseTransport):
    """Sends through a user's ``httpx.AsyncClient`` (its pool, proxies, TLS); never closes it."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._client.send(request, stream=True, follow_redirects=False)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=response.stream,
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        """The user's client stays open: it is theirs to close."""


@attrs.frozen
class Options:
    """Per-client (or per-with_options copy) call settings."""

    max_retries: int
    # httpx's extension form of a timeout, or None for the client's own default.
    timeout: dict[str, float | None] | None = None


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "(non-standard status)"


class Session:
    """What a client and its ``with_options`` copies share: the connection pool, the token
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
    ) -> None:
        self.base_url = base_url
        # The token call retries freely, as often as the client's own calls may.
        self.token_retries = token_retries
        self.timeout = timeout
        self.idempotent_creates = idempotent_creates
        self.closed = False
        self.tokens: TokenManager | FixedToken = (
            FixedToken(token) if token is not None else TokenManager(self._fetch_token)
        )
        self._api_key = api_key
        self._transport = transport
        self._http_client = http_client
        self._http: httpx.AsyncClient | None = None
        self._api: AuthenticatedClient | None = None
        # Private seams: tests make retries instant and deterministic through these.
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self.random: Callable[[], float] = random.random
        self.clock: Callable[[], float] = time.monotonic
        self.retries = 0

    # -- state -------------------------------------------------------------------------------

    def _open(self) -> AuthenticatedClient:
        if self.closed:
            raise ClientClosedError(
                "This MemoramClient was closed; create a new one (or use 'async with')."
            )
        transport = self._transport
        if transport is None and self._http_client is not None:
            transport = ClientTransport(self._http_client)
        http = httpx.AsyncClient(
            base_url=self.base_url,
            auth=RequestFlow(self.tokens, httpx.URL(self.base_url + "/auth/token").raw_path),
            timeout=self.timeout,
            transport=transport,
            limits=DEFAULT_CONNECTION_LIMITS,
            follow_redirects=False,
            headers={"User-Agent": "memoram-async"},
        )
        # The placeholder token is never sent: the generated client only adds its header to an
        # httpx client it builds itself, and this one is ours.
        api = AuthenticatedClient(base_url=self.base_url, token="", raise_on_unexpected_status=True)
        api.set_async_httpx_client(http)
        self._http, self._api = http, api
        return api

    async def aclose(self) -> None:
        """Close the pool (never a user's own http_client); later calls raise ClientClosedError."""
        if self.closed:
            return
        self.closed = True
        self.tokens.close()
        http, self._http, self._api = self._http, None, None
        if http is not None:
            await http.aclose()

    # -- the retry loop ----------------------------------------------------------------------

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
        api = self._api or self._open()
        path = path or op.path
        safe = not op.create or self.idempotent_creates
        # Set even when None: a token fetch this call starts runs in a copy of its context and
        # must not inherit the timeout of some with_options() caller further up.
        reset = _CALL_TIMEOUT.set(options.timeout)
        retries = 0
        maybe_processed = False
        try:
            while True:
                started = time.perf_counter()
                status: int | None = None
                failure: BaseException
                _ANSWERED.set(0)
                try:
                    result = parse(await fn(client=api, **kwargs))
                except StatusResponse as exc:
                    status, failure = exc.status, exc
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
                    raise self._shape_error(op, path, exc, maybe_processed) from exc
                except _SHAPE_ERRORS as exc:
                    if not _ANSWERED.get() and not isinstance(exc, UnexpectedStatus):
                        # Raised before any answer: a broken transport, not a broken body.
                        raise self._connection_error(
                            op, path, exc, op.create or maybe_processed
                        ) from exc
                    raise self._shape_error(op, path, exc, maybe_processed) from exc
                except RuntimeError as exc:
                    if self.closed:
                        raise self._closed_error(op, maybe_processed) from exc
                    # httpx refuses to send on a closed client: the user closed their http_client.
                    raise self._connection_error(
                        op, path, exc, op.create and maybe_processed
                    ) from exc
                else:
                    if logger.isEnabledFor(logging.DEBUG):
                        _log_attempt(op, path, str(op.success), retries, started)
                    return result
                if logger.isEnabledFor(logging.DEBUG):
                    what = str(status) if status is not None else type(failure).__name__
                    _log_attempt(op, path, what, retries, started)
                if self.closed:
                    raise self._closed_error(op, maybe_processed) from failure
                maybe_processed = maybe_processed or may_have_been_processed(status, failure)
                retry_after = (
                    parse_retry_after(failure.retry_after)
                    if isinstance(failure, StatusResponse)
                    else None
                )
                delay = None
                if is_retryable(status, None if status is not None else failure, safe=safe):
                    delay = retry_delay(retries, options.max_retries, retry_after, self.random)
                if status == 404 and op.method == "DELETE" and retries and maybe_processed:
                    # An earlier attempt whose answer was lost did delete it: done, not an error.
                    return cast(T, None)
                if delay is None:
                    unknown = op.create and maybe_processed
                    if isinstance(failure, StatusResponse):
                        raise self._status_error(op, path, failure, retry_after, unknown) from None
                    raise self._connection_error(op, path, failure, unknown) from failure
                if logger.isEnabledFor(logging.DEBUG):
                    logger.debug(
                        "retrying %s %s in %.2f s (retry %d of %d) after %s",
                        op.method,
                        path,
                        delay,
                        retries + 1,
                        options.max_retries,
                        status if status is not None else type(failure).__name__,
                    )
                self.retries += 1
                retries += 1
                await self.sleep(delay)
                if self.closed:
                    raise self._closed_error(op, maybe_processed) from failure
                api = self._api or self._open()
        finally:
            _CALL_TIMEOUT.reset(reset)

    # -- errors ------------------------------------------------------------------------------

    @staticmethod
    def _closed_error(op: Operation, maybe_processed: bool) -> ClientClosedError:
        return ClientClosedError(
            "The MemoramClient was closed during the call.",
            outcome_unknown=op.create and maybe_processed,
        )

    def _status_error(
        self,
        op: Operation,
        path: str,
        failure: StatusResponse,
        retry_after: float | None,
        outcome_unknown: bool,
    ) -> APIStatusError:
        status = failure.status
        cls = error_class_for_status(status)
        text = f"{op.method} {path} failed with {status} {_reason_phrase(status)}"
        if failure.message:
            text += f" ({failure.message})"
        text += f". {self._hint(op, status, cls)}"
        if failure.request_id:
            text += f" Request id: {failure.request_id}."
        common: dict[str, Any] = {
            "method": op.method,
            "path": path,
            "status_code": status,
            "request_id": failure.request_id,
            "error_code": failure.error_code,
            "outcome_unknown": outcome_unknown,
        }
        if cls is RateLimitError:
            return RateLimitError(text, retry_after=retry_after, **common)
        return cls(text, **common)

    def _hint(self, op: Operation, status: int, cls: type[APIStatusError]) -> str:
        if status == 401:
            if op is CREATE_TOKEN:
                return (
                    f"The API key was not accepted: check {API_KEY_ENV} (or the api_key "
                    "argument); the key may have been revoked."
                )
            if isinstance(self.tokens, FixedToken):
                return (
                    "The token given as token= was not accepted (it may have expired); pass a "
                    f"fresh one, or an API key ({API_KEY_ENV}) to have tokens refreshed."
                )
            return f"The developer token was refused even after a refresh; check {API_KEY_ENV}."
        if 300 <= status < 400:
            return "Redirects are not followed; check base_url (e.g. http:// vs https://)."
        if cls is APIStatusError:
            return "The API does not document this status for the operation."
        return cls.default_hint

    @staticmethod
    def _connection_error(
        op: Operation, path: str, exc: BaseException, outcome_unknown: bool
    ) -> APIConnectionError:
        redact: list[str] = []
        if isinstance(exc, httpx.RequestError):
            with contextlib.suppress(RuntimeError):  # raised without a request attached
                redact = sent_secrets(exc.request)
        detail = clean_text(str(exc), 120, redact)
        kind = type(exc).__name__ + (f": {detail}" if detail else "")
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(
                f"{op.method} {path} timed out ({kind}). Try again, or raise the timeout.",
                method=op.method,
                path=path,
                outcome_unknown=outcome_unknown,
            )
        return APIConnectionError(
            f"{op.method} {path} got no answer ({kind}). Check the network and base_url.",
            method=op.method,
            path=path,
            outcome_unknown=outcome_unknown,
        )

    @staticmethod
    def _shape_error(
        op: Operation, path: str, exc: BaseException, outcome_unknown: bool
    ) -> APIResponseValidationError:
        status = exc.status_code if isinstance(exc, UnexpectedStatus) else _ANSWERED.get()
        if isinstance(exc, UnexpectedStatus):
            what, shape = "an undocumented status", None
        else:
            # The broken field, the type expected and the type received (never a value).
            shape = locate_shape_error(exc, op.operation_id)
            what = str(shape)
        return APIResponseValidationError(
            what,
            method=op.method,
            path=path,
            status_code=status,
            # A create answered with a broken body did reach the server and may have run.
            outcome_unknown=op.create or outcome_unknown,
            field=shape.field if shape else None,
            expected=shape.expected if shape else None,
            received=shape.received if shape else None,
        )

    # -- tokens ------------------------------------------------------------------------------

    async def _fetch_token(self) -> TokenGrant:
        if self._api_key is None:  # pragma: no cover - FixedToken is used then
            raise RuntimeError("no API key")
        body = AuthTokenRequest(api_key=self._api_key.reveal(), expires_in=TOKEN_REQUESTED_LIFETIME)
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
        raise ResponseShapeError("the token is not a non-empty string")
    if not isinstance(parsed.expires_at, datetime):
        raise ResponseShapeError("expires_at is not a date-time")
    return TokenGrant(
        Secret(token), parsed.expires_at, parse_http_date(response.headers.get("date"))
    )


def _log_attempt(op: Operation, path: str, outcome: str, retries: int, started: float) -> None:
    logger.debug(
        "%s %s -> %s (attempt %d, %.1f ms)",
        op.method,
        path,
        outcome,
        retries + 1,
        (time.perf_counter() - started) * 1000,
    )
