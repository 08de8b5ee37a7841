"""Errors the local server answers with, each carrying its HTTP status and `Error` body code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from starlette.responses import JSONResponse


class ApiError(Exception):
    """A failure answered as `{"error": code, "message": message}` with `status`."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = dict(headers or {})

    def response(self) -> JSONResponse:
        """The JSON response for this error."""
        return error_response(self.status, self.code, self.message, self.headers)


class BadRequest(ApiError):
    status = 400
    code = "invalid_request"


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer realm="memoram-local"'})


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class MisdirectedRequest(ApiError):
    status = 421
    code = "misdirected_request"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"


# Codes for statuses that Starlette itself raises (unknown route, wrong method).
STATUS_CODES: Mapping[int, str] = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    421: "misdirected_request",
    413: "payload_too_large",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """An `Error` body response."""
    body: dict[str, Any] = {"error": code, "message": message}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))
