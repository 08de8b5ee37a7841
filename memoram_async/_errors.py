"""The exceptions of memoram_async, all rooted at MemoramError.

    MemoramError
    ├── ValidationError (also ValueError)        bad input, found before anything is sent
    │   └── InvalidKeyError                      an encryption key that is not 16/24/32 bytes of hex
    ├── ClientClosedError (also RuntimeError)    the client was used after aclose()
    ├── EventLoopError (also RuntimeError)       the client was used from another event loop
    ├── DecryptionError                          content that is not a valid envelope for this user
    ├── AccessDeniedError                        the user rejected or revoked the access request
    ├── ApprovalTimeoutError (also TimeoutError) wait_for_approval() ran out of time
    ├── UnknownAccessStatusError                 wait_for_approval() met a status it does not know
    ├── APIResponseValidationError               a response that does not match openapi.yaml
    │   └── ResponseTooLargeError                an answer body over max_response_bytes
    ├── APIConnectionError                       no answer: refused, reset, dropped
    │   └── APITimeoutError
    └── APIStatusError                           an answer with a 4xx/5xx status
        ├── BadRequestError                      400
        ├── AuthenticationError                  401
        ├── PermissionDeniedError                403
        │   └── ApprovalPendingError             403 for credentials of a pending request
        ├── NotFoundError                        404
        ├── ConflictError                        409
        ├── RequestTooLargeError                 413
        ├── UnprocessableEntityError             422
        ├── RateLimitError                       429
        └── InternalServerError                  5xx

AccessDeniedError, ApprovalTimeoutError and UnknownAccessStatusError end the wait for a user's
decision and live with it, in ``_approval.py``. Every APIStatusError has ``retry_after``: the
seconds the server asked to wait (its ``Retry-After``), or None.

Messages say what to do next and never hold a secret or memory content: they are built from
status codes, paths, ids and the server's short error text only, and whatever the server sent is
shown printable and bounded (``_printable.py``), ids in quotes.
"""

from __future__ import annotations

from typing import ClassVar

from ._printable import quoted

OUTCOME_UNKNOWN_HINT = (
    "The request may or may not have been processed by the server; check (for example by "
    "listing) before sending it again, or use idempotent_creates=True."
)


class MemoramError(Exception):
    """The root of every error this SDK raises.

    Attributes:
        outcome_unknown: True when the failed call may still have taken effect on the server
            (a create whose answer was lost), so the caller must check before repeating it.
    """

    outcome_unknown: bool = False

    def __init__(self, message: str, *, outcome_unknown: bool = False) -> None:
        if outcome_unknown:
            message = f"{message} {OUTCOME_UNKNOWN_HINT}"
        super().__init__(message)
        self.message = message
        self.outcome_unknown = outcome_unknown

    def __str__(self) -> str:
        return self.message


class ValidationError(MemoramError, ValueError):
    """An argument was refused before any request was sent."""


class InvalidKeyError(ValidationError):
    """An encryption key is not hex, or not 16, 24 or 32 bytes long."""


class ClientClosedError(MemoramError, RuntimeError):
    """The client was used after it was closed."""


class EventLoopError(MemoramError, RuntimeError):
    """The client was used from an event loop other than the one it first ran on.

    Its connections and token fetches belong to that first loop (for example an earlier
    ``asyncio.run()``); use one client per event loop, or ``async with MemoramClient()`` inside
    each ``asyncio.run()``.
    """


class DecryptionError(MemoramError):
    """Memory content could not be decrypted or is not an envelope of this SDK.

    Attributes:
        memory_id: The id of the memory whose content failed, where known.
        reason: A short description of what was wrong (never key bytes or plaintext).
    """

    def __init__(self, reason: str, *, memory_id: str | None = None) -> None:
        where = f" of memory {quoted(memory_id)}" if memory_id else ""
        super().__init__(f"Cannot decrypt the content{where}: {reason}.")
        self.reason = reason
        self.memory_id = memory_id


class APIError(MemoramError):
    """An error in a request to the Memoram API.

    Attributes:
        method: The HTTP method, e.g. ``"POST"``.
        path: The request path, without the query string.
    """

    def __init__(
        self, message: str, *, method: str, path: str, outcome_unknown: bool = False
    ) -> None:
        super().__init__(message, outcome_unknown=outcome_unknown)
        self.method = method
        self.path = path


class APIResponseValidationError(APIError):
    """The server answered with a body that does not match the API description.

    Attributes:
        status_code: The HTTP status of the answer.
        field: The path of the broken field, e.g. ``memoryBlobs[3].importance`` (``""`` for the
            body as a whole), or None when it could not be told.
        expected: What the field should be, e.g. ``"a number"``.
        received: The JSON type found instead, e.g. ``"a string"`` or ``"missing"`` (never
            the value: it may be a secret).
        item_id: The id of the listed item that could not be read, when that much could be
            read (a memory skipped by ``list_memories``), else None.
        detail: What was wrong, without the method, path and status.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status_code: int,
        outcome_unknown: bool = False,
        field: str | None = None,
        expected: str | None = None,
        received: str | None = None,
        item_id: str | None = None,
    ) -> None:
        super().__init__(
            f"{method} {path} answered {status_code} with an unexpected body: {message}.",
            method=method,
            path=path,
            outcome_unknown=outcome_unknown,
        )
        self.status_code = status_code
        self.field = field
        self.expected = expected
        self.received = received
        self.item_id = item_id
        self.detail = message


class ResponseTooLargeError(APIResponseValidationError):
    """An answer's body is larger than the client's ``max_response_bytes``; it was not read
    further.

    Attributes:
        limit_bytes: The client's ``max_response_bytes``.
        received_bytes: At least this many bytes: the ``Content-Length`` the server declared,
            or the bytes read (decoded) before the reading stopped.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status_code: int,
        limit_bytes: int,
        received_bytes: int,
        outcome_unknown: bool = False,
    ) -> None:
        super().__init__(
            message,
            method=method,
            path=path,
            status_code=status_code,
            outcome_unknown=outcome_unknown,
            field="",
            expected=f"at most {limit_bytes} bytes",
            received=f"at least {received_bytes} bytes",
        )
        self.limit_bytes = limit_bytes
        self.received_bytes = received_bytes


class APIConnectionError(APIError):
    """No answer was received: the connection was refused, reset or dropped."""


class APITimeoutError(APIConnectionError):
    """No answer arrived within the timeout."""


class APIStatusError(APIError):
    """The server answered with an error status.

    Attributes:
        status_code: The HTTP status.
        request_id: The server's request id (``x-request-id``), where it sent one.
        error_code: The short code of the error body (``error``), where there was one.
        retry_after: Seconds the server asked to wait before trying again (its
            ``Retry-After``, e.g. on a 429 or a 503), where it said; else None.
    """

    default_hint: ClassVar[str] = ""

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status_code: int,
        request_id: str | None = None,
        error_code: str | None = None,
        outcome_unknown: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, method=method, path=path, outcome_unknown=outcome_unknown)
        self.status_code = status_code
        self.request_id = request_id
        self.error_code = error_code
        self.retry_after = retry_after


class BadRequestError(APIStatusError):
    """400: the server refused the request's parameters or body."""

    default_hint = "Check the arguments against the API documentation."


class AuthenticationError(APIStatusError):
    """401: the API key or the developer token was not accepted."""

    default_hint = "Check MEMORAM_API_KEY (or the api_key argument)."


class PermissionDeniedError(APIStatusError):
    """403: the developer has no approved access to this user, or the memory key is wrong."""

    default_hint = "Check that the user approved the access request and that it was not revoked."


class ApprovalPendingError(PermissionDeniedError):
    """403 for the credentials of an access request the user has not decided on yet."""

    default_hint = "Approval is pending: wait with wait_for_approval() and ask again."


class NotFoundError(APIStatusError):
    """404: no such access request, memory or tag for this developer and user."""

    default_hint = "Check the id."


class ConflictError(APIStatusError):
    """409: the Idempotency-Key was used before with a different request body."""

    default_hint = "Use a fresh idempotency key for a different request."


class RequestTooLargeError(APIStatusError):
    """413: the request body is larger than the server accepts; nothing was stored.

    Attributes:
        sent_bytes: The size of the request body that was sent, in bytes.
        limit_bytes: The largest body the server accepts, when it said (else None).
    """

    default_hint = "Send less content (or split it into several memories)."

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status_code: int = 413,
        request_id: str | None = None,
        error_code: str | None = None,
        outcome_unknown: bool = False,
        sent_bytes: int | None = None,
        limit_bytes: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message,
            method=method,
            path=path,
            status_code=status_code,
            request_id=request_id,
            error_code=error_code,
            outcome_unknown=outcome_unknown,
            retry_after=retry_after,
        )
        self.sent_bytes = sent_bytes
        self.limit_bytes = limit_bytes


class UnprocessableEntityError(APIStatusError):
    """422: the server understood the request but cannot process it."""

    default_hint = "Check the arguments against the API documentation."


class RateLimitError(APIStatusError):
    """429: too many requests; the request was not processed.

    ``retry_after`` (seconds the server asked to wait, where it said) is on every
    :class:`APIStatusError`.
    """

    default_hint = "Slow down and try again later."

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status_code: int = 429,
        request_id: str | None = None,
        error_code: str | None = None,
        outcome_unknown: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message,
            method=method,
            path=path,
            status_code=status_code,
            request_id=request_id,
            error_code=error_code,
            outcome_unknown=outcome_unknown,
            retry_after=retry_after,
        )


class InternalServerError(APIStatusError):
    """5xx: the server failed; retried automatically, raised when retries ran out.

    ``retry_after`` (a 503's ``Retry-After``, where it said) is on every :class:`APIStatusError`.
    """

    default_hint = "The server had a problem; try again later."

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status_code: int = 500,
        request_id: str | None = None,
        error_code: str | None = None,
        outcome_unknown: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message,
            method=method,
            path=path,
            status_code=status_code,
            request_id=request_id,
            error_code=error_code,
            outcome_unknown=outcome_unknown,
            retry_after=retry_after,
        )


STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_class_for_status(status_code: int) -> type[APIStatusError]:
    """The exception class for an HTTP error status (any 5xx is InternalServerError)."""
    if status_code >= 500:
        return InternalServerError
    return STATUS_ERRORS.get(status_code, APIStatusError)
