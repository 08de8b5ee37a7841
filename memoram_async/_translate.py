"""Error translation: what a failed attempt becomes for the caller. Pure, no I/O.

An error answer is read once into an :class:`ErrorAnswer` (the server's short message, code,
request id, ``Retry-After`` and ``Date``), with every secret the request sent redacted. The
functions below turn it, a transport failure, or a body that does not match the API into the
typed :class:`MemoramError` the caller sees, with a message that says what to do next.
"""

from __future__ import annotations

import contextlib
import json
import re
from http import HTTPStatus
from typing import Any, Final

import httpx

from ._constants import API_KEY_ENV, DEFAULT_BASE_URL, MAX_ERROR_BODY
from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    InternalServerError,
    RateLimitError,
    RequestTooLargeError,
    error_class_for_status,
)
from ._operations import CREATE_TOKEN, Operation
from ._printable import quoted
from ._redact import clean_text, sent_secrets
from ._retry import AttemptTimedOut
from ._shapes import ResponseShapeError

# The limit a 413's message states: a byte count after "limit", "at most" or "max"
# ("over this server's limit of 1048576 bytes"); units such as "1 MiB" are not parsed.
_BYTE_LIMIT: Final = re.compile(
    r"(?:limit|at most|max(?:imum)?)\D{0,20}?(\d{1,15})\s*bytes", re.IGNORECASE
)


class ErrorAnswer(Exception):
    """An answer with an error status, read leniently (internal; never reaches the caller).

    Attributes:
        status: The HTTP status.
        message: The server's short message, cleaned and redacted.
        error_code: The body's ``error`` code, cleaned.
        request_id: The ``x-request-id`` header, cleaned.
        retry_after: The raw ``Retry-After`` header.
        server_date: The raw ``Date`` header (the server's clock, for an HTTP-date Retry-After).
        sent_bytes: The size of the request body that was sent.
        limit_bytes: The largest body the server says it accepts (a 413's message).
    """

    def __init__(
        self,
        status: int,
        *,
        message: str | None = None,
        error_code: str | None = None,
        request_id: str | None = None,
        retry_after: str | None = None,
        server_date: str | None = None,
        sent_bytes: int = 0,
        limit_bytes: int | None = None,
    ) -> None:
        super().__init__(status)
        self.status = status
        self.message = message
        self.error_code = error_code
        self.request_id = request_id
        self.retry_after = retry_after
        self.server_date = server_date
        self.sent_bytes = sent_bytes
        self.limit_bytes = limit_bytes


def _body_text(response: httpx.Response) -> tuple[object, object]:
    """The message and code of an error body, or (None, None) when it cannot be read."""
    try:
        content = response.content
    except (httpx.ResponseNotRead, httpx.StreamError):
        # A response hook raised before the body was read: the status alone must do.
        return None, None
    if len(content) > MAX_ERROR_BODY:
        return None, None
    ctype = response.headers.get("content-type", "").lower()
    if "json" in ctype or content.lstrip()[:1] == b"{":
        try:
            data = json.loads(content)
        except (ValueError, RecursionError):
            return None, None
        if not isinstance(data, dict):
            return None, None
        for key in ("message", "detail", "error"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return value, data.get("error")
        return None, data.get("error")
    if ctype.startswith("text/plain"):
        return content[:1000].decode("utf-8", "replace"), None
    return None, None


def read_error(response: httpx.Response, request: httpx.Request) -> ErrorAnswer:
    """The details of an error answer to ``request``, with every secret it sent redacted;
    never fails on an odd (or unread) body."""
    message, code = _body_text(response)
    secrets = tuple(sent_secrets(request))
    headers = response.headers
    limit = None
    if response.status_code == 413 and isinstance(message, str):
        found = _BYTE_LIMIT.search(message)
        limit = int(found.group(1)) if found else None
    try:
        sent = len(request.content)
    except httpx.RequestNotRead:
        sent = 0
    return ErrorAnswer(
        response.status_code,
        message=clean_text(message, redact=secrets),
        error_code=clean_text(code, 64, secrets),
        request_id=clean_text(
            headers.get("x-request-id") or headers.get("request-id"), 100, secrets
        ),
        retry_after=headers.get("retry-after"),
        server_date=headers.get("date"),
        sent_bytes=sent,
        limit_bytes=limit,
    )


def reason_phrase(status: int) -> str:
    """The standard reason phrase of ``status``, or a note that it has none."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "(non-standard status)"


def status_hint(op: Operation[Any], status: int, *, fixed_token: bool) -> str:
    """What the caller should do about an error status of ``op``."""
    cls = error_class_for_status(status)
    if op is CREATE_TOKEN and status == 404:
        return (
            "The token route was not found: the base URL is probably missing '/api/v1' "
            f"(e.g. {DEFAULT_BASE_URL})."
        )
    if status == 401:
        if op is CREATE_TOKEN:
            return (
                f"The API key was not accepted: check {API_KEY_ENV} (or the api_key "
                "argument); the key may have been revoked."
            )
        if fixed_token:
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


def status_error(
    op: Operation[Any],
    path: str,
    answer: ErrorAnswer,
    *,
    retry_after: float | None,
    outcome_unknown: bool,
    fixed_token: bool,
    budget: str | None = None,
) -> APIStatusError:
    """The typed error for an error answer; ``budget`` says why it was not retried (its wait
    would outlast the call's total_timeout)."""
    status = answer.status
    cls = error_class_for_status(status)
    text = f"{op.method} {path} failed with {status} {reason_phrase(status)}"
    if answer.message:
        text += f" ({answer.message})"
    text += "."
    if cls is RequestTooLargeError:
        text += f" The request body was {answer.sent_bytes} bytes"
        if answer.limit_bytes is not None:
            text += f"; the server accepts at most {answer.limit_bytes} bytes"
        text += "."
    if budget is not None:
        text += f" Not retried: {budget}."
    text += f" {status_hint(op, status, fixed_token=fixed_token)}"
    if answer.request_id:
        text += f" Request id: {quoted(answer.request_id)}."
    common: dict[str, Any] = {
        "method": op.method,
        "path": path,
        "status_code": status,
        "request_id": answer.request_id,
        "error_code": answer.error_code,
        "outcome_unknown": outcome_unknown,
    }
    if cls is RateLimitError:
        return RateLimitError(text, retry_after=retry_after, **common)
    if cls is InternalServerError:
        return InternalServerError(text, retry_after=retry_after, **common)
    if cls is RequestTooLargeError:
        return RequestTooLargeError(
            text, sent_bytes=answer.sent_bytes, limit_bytes=answer.limit_bytes, **common
        )
    return cls(text, **common)


def connection_error(
    op: Operation[Any],
    path: str,
    exc: BaseException,
    outcome_unknown: bool,
    budget: str | None = None,
) -> APIConnectionError:
    """The typed error for an attempt that got no answer; ``budget`` names the timeout that
    ran out, with its value."""
    redact: list[str] = []
    if isinstance(exc, httpx.RequestError):
        with contextlib.suppress(RuntimeError):  # raised without a request attached
            redact = sent_secrets(exc.request)
    detail = None if isinstance(exc, AttemptTimedOut) else clean_text(str(exc), 120, redact)
    kind = type(exc).__name__ + (f": {detail}" if detail else "")
    if isinstance(exc, httpx.TimeoutException | AttemptTimedOut):
        what = (
            "the whole answer did not arrive in time" if isinstance(exc, AttemptTimedOut) else kind
        )
        ran_out = f": {budget} ran out" if budget else ""
        return APITimeoutError(
            f"{op.method} {path} timed out ({what}){ran_out}. Try again, or raise the timeout.",
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


def client_failure_error(
    op: Operation[Any], path: str, exc: BaseException, outcome_unknown: bool
) -> APIConnectionError:
    """The typed error for an httpx client that raised a non-httpx exception while sending."""
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    # The app's exception may quote the request (a hook logging its body): redact what it sent.
    request = getattr(exc, "request", None)
    redact = sent_secrets(request) if isinstance(request, httpx.Request) else []
    detail = clean_text(str(cause), 120, redact)
    kind = type(cause).__name__ + (f": {detail}" if detail else "")
    return APIConnectionError(
        f"{op.method} {path} failed inside the httpx client ({kind}); check the event hooks, "
        "auth and transport of the http_client given to MemoramClient.",
        method=op.method,
        path=path,
        outcome_unknown=outcome_unknown,
    )


def shape_error(
    op: Operation[Any],
    path: str,
    what: str,
    status: int,
    outcome_unknown: bool,
    shape: ResponseShapeError | None = None,
) -> APIResponseValidationError:
    """The typed error for an answer whose body does not match the API.

    ``shape`` names the broken field, the type expected and the type received (never a value).
    """
    return APIResponseValidationError(
        str(shape) if shape is not None else what,
        method=op.method,
        path=path,
        status_code=status,
        # A create answered with a broken body did reach the server and may have run.
        outcome_unknown=op.create or outcome_unknown,
        field=shape.field if shape is not None else None,
        expected=shape.expected if shape is not None else None,
        received=shape.received if shape is not None else None,
    )


def closed_error(op: Operation[Any], maybe_processed: bool) -> ClientClosedError:
    """The error for a call whose client was closed under it."""
    return ClientClosedError(
        "The MemoramClient was closed during the call.",
        outcome_unknown=op.create and maybe_processed,
    )
