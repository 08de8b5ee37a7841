"""Checks of user input, run before anything is sent: each returns the value to use or raises.

Every function raises :class:`~memoram_async.ValidationError` (a ``ValueError``) with a message
that names the argument and never repeats a secret or memory content.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import urlsplit
from uuid import UUID

import httpx

from ._constants import (
    API_KEY_ENV,
    MAX_MEMORY_KEY_LENGTH,
    MAX_PAGE_SIZE,
    MAX_RESPONSE_BYTES_LIMIT,
    MAX_RETRIES_LIMIT,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    MAX_TIMEOUT,
    MIN_RESPONSE_BYTES,
    REASON_MAX_LENGTH,
)
from ._errors import ValidationError
from ._loopback import literal_verdict
from ._secret import Secret, conceal, type_name

# Compiled once: ids and keys are checked on every call.
_SPACE: Final = re.compile(r"\s")
_SLASH_OR_SPACE: Final = re.compile(r"[\s/]")
# Path segments a URL resolves (RFC 3986, 5.2.4): no id may be one, whoever sent it.
DOT_SEGMENTS: Final = frozenset({".", ".."})


def _type_name(value: object) -> str:
    return type_name(value)


def check_encodable(value: str, name: str) -> str:
    """``value`` if UTF-8 can encode it: a lone surrogate (from a bad decode or a JSON ``\\ud800``)
    would fail only while the request is written, after the call had started."""
    if value.isascii():  # O(1) in CPython: the common case costs nothing
        return value
    position = _unencodable_at(value)
    if position is None:
        return value
    del value  # this frame is on the error's traceback: it must not hold the text
    raise ValidationError(_surrogate_message(name, position))


def _unencodable_at(value: str) -> int | None:
    """Where UTF-8 fails on ``value``, or None. Returns rather than raises, so the
    ``UnicodeEncodeError`` (whose repr repeats the whole text) is gone before any error is."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def _surrogate_message(name: str, position: int) -> str:
    return (
        f"{name} cannot be sent: character {position} is a lone surrogate, which UTF-8 "
        "cannot encode (was the text decoded with errors='surrogateescape'?)"
    )


def check_uuid(value: object, name: str) -> UUID:
    """A UUID, or its text in any form ``uuid.UUID`` accepts."""
    if isinstance(value, UUID):
        return value
    if isinstance(value, str):
        try:
            return UUID(value)
        except ValueError:
            pass
        raise ValidationError(
            f"{name} must be a UUID (e.g. '123e4567-e89b-12d3-a456-426614174000')"
        )
    raise ValidationError(f"{name} must be a UUID or its text, not {_type_name(value)}")


def check_id(value: object, name: str) -> str:
    """A server id: a non-empty str without '/' or whitespace, at most 255 characters."""
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a str, not {_type_name(value)}")
    if not value:
        raise ValidationError(f"{name} must not be empty")
    if len(value) > 255:
        raise ValidationError(f"{name} is too long ({len(value)} characters, at most 255)")
    if not value.isprintable() or _SLASH_OR_SPACE.search(value):
        raise ValidationError(f"{name} must not contain '/', whitespace or control characters")
    if value in DOT_SEGMENTS:
        # A URL would resolve them: delete_memory("..") must never reach another endpoint.
        raise ValidationError(f"{name} must not be '.' or '..'")
    return value


def check_secret_text(value: object, name: str) -> Secret:
    """A non-empty secret string without whitespace (API key, memory key), as a Secret.

    Callers pass ``value`` through :func:`conceal` first: this frame is on the traceback of the
    errors below, and holds only redacting values then.
    """
    if isinstance(value, Secret):
        text = value.reveal_redacted()
    elif isinstance(value, str):
        text = conceal(value)
    else:
        raise ValidationError(f"{name} must be a str, not {_type_name(value)}")
    if not text:
        raise ValidationError(f"{name} must not be empty")
    check_encodable(text, name)
    if not text.isprintable() or _SPACE.search(text):
        raise ValidationError(f"{name} must not contain whitespace or control characters")
    return value if isinstance(value, Secret) else Secret(text)


def check_memory_key(value: object, name: str = "memory_key") -> Secret:
    """A memory key: secret text of at most 256 characters (the API's bound), as a Secret.

    Callers pass ``value`` through :func:`conceal` first, as for :func:`check_secret_text`.
    """
    key = check_secret_text(value, name)
    length = len(key.reveal_redacted())
    if length > MAX_MEMORY_KEY_LENGTH:
        raise ValidationError(
            f"{name} is too long ({length} characters, at most {MAX_MEMORY_KEY_LENGTH}); "
            "check that the whole memory key, and nothing else, was passed"
        )
    return key


def check_api_key(value: object) -> Secret:
    """The developer API key."""
    try:
        return check_secret_text(value, "api_key")
    except ValidationError as exc:
        raise ValidationError(f"{exc.message} (the key comes from {API_KEY_ENV})") from None


def check_reason(value: object) -> str:
    """The reason shown to the user: 1 to 255 characters, not only whitespace."""
    if not isinstance(value, str):
        raise ValidationError(f"reason must be a str, not {_type_name(value)}")
    if not value.strip():
        raise ValidationError("reason must not be empty: the user sees it when deciding")
    if len(value) > REASON_MAX_LENGTH:
        raise ValidationError(
            f"reason is {len(value)} characters long; at most {REASON_MAX_LENGTH} are allowed"
        )
    return check_encodable(value, "reason")


def check_content(value: object) -> str:
    """Memory content: any str (it may be empty).

    Refused content is not left in this frame, which is on the error's traceback.
    """
    if isinstance(value, str):
        if value.isascii():
            return value
        position = _unencodable_at(value)
        if position is None:
            return value
        del value
        raise ValidationError(_surrogate_message("content", position))
    message = f"content must be a str, not {_type_name(value)}"
    del value
    raise ValidationError(message)


def check_optional_text(value: object, name: str) -> str | None:
    """An optional text field (title, summary, source, search): a str or None."""
    if value is None:
        return value
    if isinstance(value, str):
        return check_encodable(value, name)
    raise ValidationError(f"{name} must be a str or None, not {_type_name(value)}")


def check_score(value: object, name: str, *, unit: bool = False) -> float | None:
    """An optional finite number (importance, confidence); ``unit`` limits it to 0..1."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{name} must be a number, not {_type_name(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise ValidationError(f"{name} must be a finite number, not {number}")
    if unit and not 0.0 <= number <= 1.0:
        raise ValidationError(f"{name} must be between 0 and 1, not {number}")
    return number


def check_tag(value: object, name: str = "tag") -> str:
    """One tag name: a non-empty str of at most 100 characters, without commas (the list filter
    joins tags with commas) and without spaces around it (a filter strips them, so such a tag
    could never be found)."""
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a str, not {_type_name(value)}")
    if not value.strip():
        raise ValidationError(f"{name} must not be empty")
    if len(value) > MAX_TAG_LENGTH:
        raise ValidationError(
            f"{name} must be at most {MAX_TAG_LENGTH} characters long (one has {len(value)})"
        )
    if "," in value:
        raise ValidationError(f"{name} must not contain a comma")
    if value != value.strip():
        raise ValidationError(f"{name} must not start or end with whitespace")
    return check_encodable(value, name)


def check_tags(value: object, name: str = "tags") -> tuple[str, ...]:
    """A collection of at most 100 tag names (a list, tuple or set; a bare str is refused)."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError(
            f"{name} must be a list or tuple of str, not {_type_name(value)}"
            + (" (wrap a single tag in a list)" if isinstance(value, str) else "")
        )
    tags = tuple(check_tag(tag, f"each of {name}") for tag in value)
    if len(tags) > MAX_TAGS:
        raise ValidationError(f"{name} has {len(tags)} items; at most {MAX_TAGS} are allowed")
    return tags


def check_page_size(value: object) -> int:
    """A page size: an int from 1 to 100."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"page_size must be an int, not {_type_name(value)}")
    if not 1 <= value <= MAX_PAGE_SIZE:
        raise ValidationError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {value}")
    return value


def check_seconds(
    value: object, name: str, *, allow_zero: bool = False, maximum: float = MAX_TIMEOUT
) -> float:
    """A positive (or zero, if allowed), finite number of seconds up to ``maximum``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{name} must be a number of seconds, not {_type_name(value)}")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
        raise ValidationError(f"{name} must be a positive number of seconds, not {value}")
    if seconds > maximum:
        raise ValidationError(f"{name} must be at most {maximum:g} seconds, not {value}")
    return seconds


def check_timeout(value: object) -> httpx.Timeout:
    """A timeout: seconds (for every phase) or an ``httpx.Timeout`` whose phases are all set."""
    if isinstance(value, httpx.Timeout):
        for phase, seconds in value.as_dict().items():
            if seconds is None:
                raise ValidationError(
                    f"timeout.{phase} is None: an unbounded wait can hang a call forever; "
                    "give every phase a number of seconds"
                )
            check_seconds(seconds, f"timeout.{phase}")
        return value
    return httpx.Timeout(check_seconds(value, "timeout"))


def check_max_retries(value: object) -> int:
    """A retry count from 0 to 20."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"max_retries must be an int, not {_type_name(value)}")
    if not 0 <= value <= MAX_RETRIES_LIMIT:
        raise ValidationError(f"max_retries must be between 0 and {MAX_RETRIES_LIMIT}, not {value}")
    return value


def check_max_response_bytes(value: object) -> int:
    """The largest answer body read: an int of bytes from 1 KiB to 4 GiB."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"max_response_bytes must be an int, not {_type_name(value)}")
    if not MIN_RESPONSE_BYTES <= value <= MAX_RESPONSE_BYTES_LIMIT:
        raise ValidationError(
            f"max_response_bytes must be between {MIN_RESPONSE_BYTES} and "
            f"{MAX_RESPONSE_BYTES_LIMIT}, not {value}"
        )
    return value


def check_base_url(value: object, *, allow_insecure_http: bool) -> str:
    """An absolute http(s) URL without query or fragment, returned without a trailing slash.

    ``http://`` is accepted for loopback hosts only, unless ``allow_insecure_http`` is set:
    the API key, tokens and memory keys would cross the network in clear text. An IP literal is
    decided here; a name other than ``localhost`` before the first request, by the addresses it
    resolves to (``_loopback.py``).
    """
    if not isinstance(value, str):
        raise ValidationError(f"base_url must be a str, not {_type_name(value)}")
    try:
        parts = urlsplit(value.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise ValidationError("base_url is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ValidationError(
            "base_url must be an absolute http(s) URL such as 'https://api.memoram.app/api/v1'"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValidationError("base_url must not contain a query, a fragment or credentials")
    if parts.scheme == "http" and not allow_insecure_http and literal_verdict(host) is False:
        raise ValidationError(
            f"base_url uses plain http:// to {host}, which is not a loopback address (this "
            "machine), so the API key and tokens would cross the network unencrypted. "
            "If you meant this machine, write localhost or "
            "127.0.0.1 (a typo in the host?); for a remote server use https://; to send in "
            "clear anyway, pass allow_insecure_http=True."
        )
    return value.strip().rstrip("/")
