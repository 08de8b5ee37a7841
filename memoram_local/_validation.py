"""Request validation: JSON bodies and query parameters, strictly as openapi.yaml types them.

Every failure is a `BadRequest` naming the field, so that a client sees a 400 it can act on.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, NoReturn

from ._errors import BadRequest

MAX_BODY_BYTES = 1024 * 1024
# A memory's tags, as openapi.yaml bounds them (maxItems / maxLength): each tag is a row and a
# lookup in one transaction, so an unbounded list would hold the database for seconds.
MAX_TAGS = 100
MAX_TAG_LENGTH = 100
REASON_MAX_LENGTH = 255
# A memory key is stored with every access request and echoed in every listing: a bound keeps a
# listing of many requests small (openapi.yaml declares the same maxLength).
MEMORY_KEY_MAX_LENGTH = 256
IDEMPOTENCY_KEY_MAX_LENGTH = 255
MIN_LIMIT, MAX_LIMIT, DEFAULT_LIMIT = 1, 100, 10

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")


def _reject_constant(name: str) -> NoReturn:
    raise BadRequest(f"The body is not valid JSON: {name} is not a JSON number.")


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object; anything else is a 400."""
    if not raw.strip():
        raise BadRequest("A JSON object body is required.")
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        # ValueError covers invalid UTF-8, malformed JSON and integers over Python's digit
        # limit (4,300 digits), which json.loads refuses with a plain ValueError.
        raise BadRequest(
            "The body is not valid JSON (or holds a number too long to read)."
        ) from exc
    if not isinstance(value, dict):
        raise BadRequest("The body must be a JSON object.")
    return value


def _check_text(value: str, name: str) -> str:
    # Lone surrogates survive json.loads but cannot be stored or echoed as UTF-8.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadRequest(f"`{name}` is not valid Unicode text.") from exc
    return value


def required_str(body: Mapping[str, Any], name: str, *, max_length: int | None = None) -> str:
    """A required string field."""
    if name not in body:
        raise BadRequest(f"`{name}` is required.")
    value = optional_str(body, name, max_length=max_length)
    assert value is not None
    return value


def optional_str(
    body: Mapping[str, Any], name: str, *, max_length: int | None = None
) -> str | None:
    """An optional string field (absent -> None; null is a type error)."""
    if name not in body:
        return None
    value = body[name]
    if not isinstance(value, str):
        raise BadRequest(f"`{name}` must be a string.")
    if max_length is not None and len(value) > max_length:
        raise BadRequest(f"`{name}` must be at most {max_length} characters.")
    return _check_text(value, name)


def required_uuid(body: Mapping[str, Any], name: str) -> str:
    """A required string field holding a UUID, normalised to lower case."""
    return parse_uuid(required_str(body, name), name)


def optional_number(body: Mapping[str, Any], name: str) -> float | None:
    """An optional finite JSON number (booleans are not numbers)."""
    if name not in body:
        return None
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRequest(f"`{name}` must be a number.")
    try:
        number = float(value)
    except OverflowError as exc:
        raise BadRequest(f"`{name}` is out of range.") from exc
    if not math.isfinite(number):
        raise BadRequest(f"`{name}` must be a finite number.")
    return number


def optional_int(body: Mapping[str, Any], name: str) -> int | None:
    """An optional JSON integer (booleans and floats are not integers)."""
    if name not in body:
        return None
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"`{name}` must be an integer.")
    return value


def optional_str_list(
    body: Mapping[str, Any], name: str, *, max_items: int, max_length: int
) -> list[str] | None:
    """An optional array of at most `max_items` strings of at most `max_length` characters,
    de-duplicated in order."""
    if name not in body:
        return None
    value = body[name]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadRequest(f"`{name}` must be an array of strings.")
    if len(value) > max_items:
        raise BadRequest(f"`{name}` must have at most {max_items} items.")
    if any(len(item) > max_length for item in value):
        raise BadRequest(f"Each of `{name}` must be at most {max_length} characters.")
    return list(dict.fromkeys(_check_text(item, name) for item in value))


def parse_uuid(value: str, name: str) -> str:
    """A UUID in its canonical 8-4-4-4-12 form, lower-cased."""
    if not _UUID.match(value):
        raise BadRequest(f"`{name}` must be a UUID.")
    return value.lower()


def query_uuid(query: Mapping[str, str], name: str) -> str:
    """A required UUID query parameter."""
    value = query.get(name)
    if value is None:
        raise BadRequest(f"The query parameter `{name}` is required.")
    return parse_uuid(value, name)


def query_cursor(query: Mapping[str, str]) -> str | None:
    """`cursor`: absent or empty asks for the first page (None)."""
    return query.get("cursor") or None


def query_limit(query: Mapping[str, str]) -> int:
    """`limit`: an integer in 1..100, 10 when absent."""
    raw = query.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not _INTEGER.match(raw.strip()) or not MIN_LIMIT <= int(raw) <= MAX_LIMIT:
        raise BadRequest(f"`limit` must be an integer from {MIN_LIMIT} to {MAX_LIMIT}.")
    return int(raw)


def query_number(query: Mapping[str, str], name: str) -> float | None:
    """An optional finite number query parameter."""
    raw = query.get(name)
    if raw is None:
        return None
    try:
        number = float(raw)
    except ValueError as exc:
        raise BadRequest(f"`{name}` must be a number.") from exc
    if not math.isfinite(number):
        raise BadRequest(f"`{name}` must be a finite number.")
    return number


def query_tags(query: Mapping[str, str]) -> list[str]:
    """`tags`: comma-separated names, blanks around and between commas ignored."""
    raw = query.get("tags")
    if raw is None:
        return []
    names = list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    # Each name is one more subquery per row: as many as a memory can carry, no more.
    if len(names) > MAX_TAGS:
        raise BadRequest(f"`tags` must name at most {MAX_TAGS} tags.")
    return names


def idempotency_key(headers: Mapping[str, str]) -> str | None:
    """The `Idempotency-Key` header; an empty one counts as absent."""
    value = headers.get("idempotency-key")
    if not value:
        return None
    if len(value) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise BadRequest(
            f"`Idempotency-Key` must be at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters."
        )
    return value
