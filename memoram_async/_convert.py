"""Conversion of generated models into the public value objects (here only).

Every conversion checks types strictly: the generated ``from_dict`` trusts the wire (``cast``
instead of checks), so a hostile or broken body is caught here as :class:`ResponseShapeError`
(naming the field, the type expected and the type received) and turned into
``APIResponseValidationError`` by the request layer. Nothing generated, and no ``UNSET``, is
ever reachable from the objects made here.

Reading is tolerant (the table is in ``_shapes.py`` and ``docs/tolerant-reader.md``): unknown
fields are ignored, an access-request status this SDK does not know is kept as its string, and
fields the SDK does not read are not required.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final, TypeVar
from uuid import UUID

from memoram_api import models as api
from memoram_api.types import UNSET, Unset

from ._constants import MAX_MEMORY_KEY_LENGTH
from ._errors import ValidationError
from ._models import AccessRequest, AccessRequestStatus, Credentials, Memory, Tag
from ._printable import quoted
from ._secret import Secret
from ._shapes import ResponseShapeError, json_type
from ._validation import DOT_SEGMENTS

T = TypeVar("T")

# The generated classes are typed, but their from_dict only casts, so every field is checked
# again here.


def _bad(field: str, expected: str, value: object) -> ResponseShapeError:
    return ResponseShapeError(field=field, expected=expected, received=json_type(value))


def expect(parsed: object, cls: type[T], what: str) -> T:
    """``parsed`` if it is a ``cls`` (``what`` names it, e.g. ``"a memory"``)."""
    if not isinstance(parsed, cls):
        received = "not parsed" if parsed is None else json_type(parsed)
        raise ResponseShapeError(field="", expected=what, received=received)
    return parsed


def _str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise _bad(what, "a string", value)
    return value


def _opt_str(value: object, what: str) -> str | None:
    if value is None or isinstance(value, Unset):
        return None
    if not isinstance(value, str):
        raise _bad(what, "a string or null", value)
    return value


def _opt_float(value: object, what: str) -> float | None:
    if value is None or isinstance(value, Unset):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(what, "a number or null", value)
    return float(value)


def _str_tuple(value: object, what: str) -> tuple[str, ...]:
    if value is UNSET or value is None:
        return ()
    if type(value) is not list:
        raise _bad(what, "an array or null", value)
    for index, item in enumerate(value):
        if type(item) is not str:
            raise _bad(f"{what}[{index}]", "a string", item)
    return tuple(value)


def _when(value: object, what: str) -> datetime:
    if not isinstance(value, datetime):
        # The generated parser leaves a string it could not read as a date-time as it was.
        received = "a string that is not a date-time" if isinstance(value, str) else None
        raise ResponseShapeError(
            field=what, expected="a date-time string", received=received or json_type(value)
        )
    # A timestamp without an offset is read as UTC, the API's zone.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _opt_when(value: object, what: str) -> datetime | None:
    if value is None or isinstance(value, Unset):
        return None
    return _when(value, what)


def _opt_uuid(value: object, what: str) -> UUID | None:
    if value is None or isinstance(value, Unset):
        return None
    if isinstance(value, UUID):
        return value
    received = "a string that is not a UUID" if isinstance(value, str) else json_type(value)
    raise ResponseShapeError(field=what, expected="a UUID string", received=received)


def memory_from_api(
    blob: api.MemoryBlob | api.MemoryBlobResponse, *, user_id: UUID, content: str | None
) -> Memory:
    """A Memory from a generated blob; ``content`` is the plaintext the caller has."""
    memory_id = blob_id(blob)
    owner = blob.user_id
    if owner is not UNSET and owner is not None and owner != user_id:
        # A wrong type compares unequal too, and is as wrong as another user's memory.
        raise ResponseShapeError(
            field="user_id",
            expected="this user's id",
            received="another user's id" if isinstance(owner, UUID) else json_type(owner),
        )
    # Fields a create or update answer usually lacks are skipped cheaply (this is a hot path).
    return Memory(
        id=memory_id,
        user_id=user_id,
        content=content,
        title=None if blob.title is UNSET else _opt_str(blob.title, "title"),
        summary=None if blob.summary is UNSET else _opt_str(blob.summary, "summary"),
        tags=_str_tuple(blob.tags, "tags"),
        tag_ids=_str_tuple(blob.tag_ids, "tag_ids"),
        importance=None if blob.importance is UNSET else _opt_float(blob.importance, "importance"),
        confidence=None if blob.confidence is UNSET else _opt_float(blob.confidence, "confidence"),
        source=None if blob.source is UNSET else _opt_str(blob.source, "source"),
        created_at=_opt_when(blob.created_at, "created_at"),
        updated_at=_opt_when(blob.updated_at, "updated_at"),
    )


def stored_content(blob: api.MemoryBlob) -> str:
    """The content of a listed or fetched blob, as stored (an envelope when encrypted)."""
    return _str(blob.content, "content")


def blob_id(blob: api.MemoryBlob | api.MemoryBlobResponse) -> str:
    """The id of a blob, checked: one that get_memory() and the key rotation can put in a
    request path. The generated request builders percent-encode an id, but ``.`` and ``..``
    stay dot segments, which a URL resolves: a request to such an id would reach another
    endpoint, so it is refused like a broken field (in a listing: that item alone)."""
    memory_id = blob.id
    if type(memory_id) is not str or not memory_id:
        received = "an empty string" if memory_id == "" else json_type(memory_id)
        if isinstance(memory_id, Unset):
            received = "missing"
        raise ResponseShapeError(field="id", expected="a non-empty string", received=received)
    if memory_id in DOT_SEGMENTS:
        raise ResponseShapeError(
            field="id", expected="an id a request path can carry", received="a dot segment"
        )
    return memory_id


def access_request_from_api(raw: api.AccessRequest) -> AccessRequest:
    """An AccessRequest from the generated model."""
    raw_status = _str(raw.status, "status")
    # An open enum: a status this SDK does not know stays a plain str.
    status = _KNOWN_STATUSES.get(raw_status, raw_status)
    user_id = raw.user_id
    return AccessRequest(
        id=_str(raw.id, "id"),
        status=status,
        reason=_str(raw.reason, "reason"),
        memory_key=Secret(_str(raw.memory_key, "memoryKey")),
        user_id=None if isinstance(user_id, Unset) else _opt_uuid(user_id, "user_id"),
        ai_connector_id=_str(raw.ai_connector_id, "aiConnectorId"),
        created_at=_when(raw.created_at, "createdAt"),
        updated_at=_when(raw.updated_at, "updatedAt"),
    )


_KNOWN_STATUSES: Final = {member.value: member for member in AccessRequestStatus}


def _key_text(value: object, field: str) -> str:
    """A server-sent key: a non-empty str without whitespace or control characters."""
    text = _str(value, field)
    if not text or not text.isprintable() or any(c.isspace() for c in text):
        received = "an empty string" if not text else "a string with whitespace or controls"
        raise ResponseShapeError(
            field=field, expected="a non-empty string without whitespace", received=received
        )
    return text


def credentials_from_api(raw: api.AccessCredentials) -> Credentials:
    """Credentials from the generated model."""
    version = raw.key_version
    if isinstance(version, bool) or not isinstance(version, int):
        raise _bad("key_version", "an integer", version)
    if not 0 <= version < 2**32:
        raise ResponseShapeError(
            field="key_version", expected="an integer from 0 to 2**32 - 1", received="one outside"
        )
    user_id = _opt_uuid(raw.user_id, "user_id")
    if user_id is None:
        raise ResponseShapeError(field="user_id", expected="a UUID string", received="null")
    memory_key = _key_text(raw.memory_key, "memory_key")
    if len(memory_key) > MAX_MEMORY_KEY_LENGTH:
        raise ResponseShapeError(
            field="memory_key",
            expected=f"at most {MAX_MEMORY_KEY_LENGTH} characters",
            received="a longer string",
        )
    encryption_key = _key_text(raw.encryption_key, "encryption_key")
    try:
        return Credentials(
            user_id=user_id,
            memory_key=memory_key,
            encryption_key=encryption_key,
            key_version=version,
        )
    except ValidationError:  # only the key's form is left to refuse (InvalidKeyError)
        raise ResponseShapeError(
            field="encryption_key",
            expected="16, 24 or 32 bytes of hex",
            received="a string that is not such a key",
        ) from None


def tag_from_api(raw: api.Tag) -> Tag:
    """A Tag from the generated model."""
    if not isinstance(raw.is_enabled, bool):
        raise _bad("is_enabled", "a boolean", raw.is_enabled)
    return Tag(
        id=_str(raw.id, "id"),
        name=_str(raw.name, "name"),
        description=_opt_str(raw.description, "description"),
        color=_str(raw.color, "color"),
        is_enabled=raw.is_enabled,
        created_at=_when(raw.created_at, "created_at"),
        updated_at=_when(raw.updated_at, "updated_at"),
    )


def list_of(value: object, what: str) -> list[Any]:
    """A list field of a generated model (``what`` is its name, e.g. ``"items"``)."""
    if not isinstance(value, list):
        raise _bad(what, "an array", value)
    return value


def same_id(asked: str, answered: str, field: str = "id") -> None:
    """Refuses an answer about another object than the one asked for.

    Raises:
        ResponseShapeError: ``answered`` is not ``asked``; the message names both.
    """
    if answered != asked:
        raise ResponseShapeError(
            field=field,
            expected=f"the id asked for ({quoted(asked)})",
            received=f"another id ({quoted(answered)})",
        )
