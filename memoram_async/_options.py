"""Per-call settings shared by MemoramClient and UserMemories: options, NOT_GIVEN, and the
Idempotency-Key a create keeps across its retries."""

from __future__ import annotations

import enum
import os
from typing import Final, Literal

import attrs
import httpx

from ._constants import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TOTAL_TIMEOUT
from ._validation import (
    check_max_response_bytes,
    check_max_retries,
    check_seconds,
    check_timeout,
)


class _NotGiven(enum.Enum):
    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = _NotGiven.NOT_GIVEN
NotGiven = Literal[_NotGiven.NOT_GIVEN]


@attrs.frozen
class Options:
    """Per-client (or per-with_options copy) call settings.

    Attributes:
        max_retries: Retries after a transient failure.
        timeout: Each attempt's timeout, or None for the client's default.
        total_timeout: Seconds for a call as a whole: token, attempts, bodies and waits.
        max_response_bytes: The largest success body read (decoded bytes).
    """

    max_retries: int
    timeout: httpx.Timeout | None = None
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES


def check_total_timeout(value: object) -> float:
    """A call's total budget: a positive number of seconds (up to an hour)."""
    return check_seconds(value, "total_timeout")


def updated_options(
    options: Options,
    timeout: float | httpx.Timeout | NotGiven,
    max_retries: int | NotGiven,
    total_timeout: float | NotGiven = NOT_GIVEN,
    max_response_bytes: int | NotGiven = NOT_GIVEN,
) -> Options:
    """``options`` with the given settings replaced (checked)."""
    return Options(
        max_retries=options.max_retries
        if max_retries is NOT_GIVEN
        else check_max_retries(max_retries),
        timeout=options.timeout if timeout is NOT_GIVEN else check_timeout(timeout),
        total_timeout=options.total_timeout
        if total_timeout is NOT_GIVEN
        else check_total_timeout(total_timeout),
        max_response_bytes=options.max_response_bytes
        if max_response_bytes is NOT_GIVEN
        else check_max_response_bytes(max_response_bytes),
    )


def idempotency_key() -> str:
    """A fresh random (version 4) UUID as text: one per create, kept across its retries.

    The same value ``str(uuid.uuid4())`` gives, from the same 16 random bytes, without building
    a UUID object (this runs once per create).
    """
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
