"""What this SDK reads from each answer, field by field, and where a broken answer went wrong.

``RESPONSE_SHAPES`` is the tolerant reader's table (``docs/tolerant-reader.md`` explains each
decision): for every response schema, the fields the SDK reads, their JSON type, whether they
must be present, and whether null is accepted. Everything else in an answer is ignored, at every
level. Which schema an operation's answer has comes from its generated model
(``_operations.Operation.schema``); ``tests/unit/test_shapes.py`` checks both against
``openapi.yaml``.

When an answer cannot be read, :func:`locate_shape_error` walks its raw JSON against the table
and names the first field that breaks it (``memoryBlobs[3].importance``), what was expected and
the JSON type received, never the value: values may be secrets or the user's words.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Final, cast
from uuid import UUID

import attrs
import httpx

from ._operations import OPERATIONS


class ResponseShapeError(ValueError):
    """A response body that does not match what the SDK reads (internal).

    Attributes:
        field: The path of the broken field (``memoryBlobs[3].importance``; ``""`` for the body
            itself), or None when it could not be told.
        expected: What the field should be (``"a number"``).
        received: The JSON type found instead (``"a string"``, ``"missing"``), never a value.
        operation: The operation's ``operationId``, where known.
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        expected: str | None = None,
        received: str | None = None,
        operation: str | None = None,
    ) -> None:
        self.field = field
        self.expected = expected
        self.received = received
        self.operation = operation
        self._message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.field is not None:
            where = self.field or "the body"
            text = f"{where} should be {self.expected} but is {self.received}"
        else:
            text = self._message or "it does not match the API description"
        return f"{text} ({self.operation})" if self.operation else text

    def at(self, operation: str) -> ResponseShapeError:
        """The same error, naming the operation."""
        return ResponseShapeError(
            self._message,
            field=self.field,
            expected=self.expected,
            received=self.received,
            operation=operation,
        )


@attrs.frozen
class Field:
    """One field the SDK reads.

    Attributes:
        kind: ``string``, ``id`` (a non-empty string), ``token`` (a non-empty string without
            whitespace), ``date-time``, ``uuid``, ``integer``,
            ``number``, ``boolean``, ``array`` or the name of another schema of the table.
        required: Whether an answer without it is refused.
        nullable: Whether null is read as "not set".
        items: The kind of an array's items.
    """

    kind: str
    required: bool = False
    nullable: bool = False
    items: str | None = None


def _req(kind: str) -> Field:
    """A field that must be present and not null."""
    return Field(kind, required=True)


def _opt(kind: str) -> Field:
    """A field that may be missing or null (both read as "not set")."""
    return Field(kind, nullable=True)


# What generated parsing (``from_dict``) or our conversion raises on a body or an item that is
# not as documented: each becomes a shape error, never an untyped one.
SHAPE_ERRORS: Final = (
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
    IndexError,
    ArithmeticError,
    RecursionError,
)
_BLOB_FIELDS: Final = {
    "id": _req("id"),
    "user_id": _opt("uuid"),
    "created_at": _opt("date-time"),
    "updated_at": _opt("date-time"),
    "source": _opt("string"),
    "title": _opt("string"),
    "summary": _opt("string"),
    "importance": _opt("number"),
    "confidence": _opt("number"),
    "tags": Field("array", nullable=True, items="string"),
    "tag_ids": Field("array", nullable=True, items="string"),
}

RESPONSE_SHAPES: Final[Mapping[str, Mapping[str, Field]]] = {
    # token_type is not read: the token is always sent as a bearer token.
    "AuthTokenResponse": {
        "token": _req("token"),
        "expires_at": _req("date-time"),
    },
    # status is an open enum: any string is kept (see AccessRequest.status).
    "AccessRequest": {
        "id": _req("string"),
        "status": _req("string"),
        "reason": _req("string"),
        "memoryKey": _req("string"),
        "user_id": _opt("uuid"),
        "aiConnectorId": _req("string"),
        "createdAt": _req("date-time"),
        "updatedAt": _req("date-time"),
    },
    # total is not read: the list's length says it.
    "AccessRequestList": {"items": Field("array", required=True, items="AccessRequest")},
    "AccessCredentials": {
        "user_id": _req("uuid"),
        "memory_key": _req("string"),
        "encryption_key": _req("string"),
        "key_version": _req("integer"),
    },
    "MemoryBlobResponse": _BLOB_FIELDS,
    "MemoryBlob": {**_BLOB_FIELDS, "content": _req("string")},
    # next_cursor is required: without it the SDK could not tell the last page from a lost
    # cursor, and would end a listing early without saying so.
    "MemoryBlobList": {
        "memoryBlobs": Field("array", required=True, items="MemoryBlob"),
        "next_cursor": Field("id", required=True, nullable=True),
    },
    # Nothing is read: the success status says the memory was deleted.
    "DeleteMemoryResponse": {},
    "Tag": {
        "id": _req("string"),
        "name": _req("string"),
        "description": _opt("string"),
        "color": _req("string"),
        "is_enabled": _req("boolean"),
        "created_at": _req("date-time"),
        "updated_at": _req("date-time"),
    },
    "TagList": {"items": Field("array", required=True, items="Tag")},
}

_EXPECTED: Final = {
    "string": "a string",
    "id": "a non-empty string",
    "token": "a non-empty string without whitespace",
    "date-time": "a date-time string",
    "uuid": "a UUID string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "array": "an array",
}


def json_type(value: object) -> str:
    """The JSON type of a value, with its article (``"a string"``): never the value itself."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, datetime):
        return "a date-time"
    if isinstance(value, UUID):
        return "a UUID"
    return f"a {type(value).__name__}"


def expected_of(kind: str, *, nullable: bool = False) -> str:
    """The words for what a field of ``kind`` should be."""
    words = _EXPECTED.get(kind, "an object")
    return f"{words} or null" if nullable else words


def _text_problem(value: object, kind: str) -> str | None:
    """What is wrong with ``value`` as a text kind (``string``, ``id``, ``token``,
    ``date-time``, ``uuid``), or None."""
    if not isinstance(value, str):
        return json_type(value)
    if kind in ("id", "token") and not value:
        return "an empty string"
    if kind == "token" and any(c.isspace() for c in value):
        return "a string with whitespace"
    parse, words = _TEXT_FORMATS.get(kind, (None, ""))
    if parse is not None:
        try:
            parse(value)
        except ValueError:
            return words
    return None


# Text kinds with a format, how it is parsed, and what a string that fails it is called.
_TEXT_FORMATS: Final[Mapping[str, tuple[Callable[[str], object], str]]] = {
    "date-time": (datetime.fromisoformat, "a string that is not a date-time"),
    "uuid": (UUID, "a string that is not a UUID"),
}
_TEXT_KINDS: Final = frozenset({"string", "id", "token", "date-time", "uuid"})
# The other kinds: whether a value is one.
_IS_KIND: Final[Mapping[str, Callable[[object], bool]]] = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
}


def _kind_problem(value: object, kind: str) -> str | None:
    """What is wrong with ``value`` as a ``kind`` (the received words), or None."""
    if kind in _TEXT_KINDS:
        return _text_problem(value, kind)
    is_kind = _IS_KIND.get(kind, _is_object)
    return None if is_kind(value) else json_type(value)


def _is_object(value: object) -> bool:
    return isinstance(value, dict)


def first_problem(body: object, schema: str, path: str = "") -> ResponseShapeError | None:
    """The first field of ``body`` (document order) that breaks ``schema``, or None."""
    if not isinstance(body, dict):
        return ResponseShapeError(field=path, expected="an object", received=json_type(body))
    for name, spec in RESPONSE_SHAPES[schema].items():
        where = f"{path}.{name}" if path else name
        if name not in body:
            if spec.required:
                expected = expected_of(spec.kind, nullable=spec.nullable)
                return ResponseShapeError(field=where, expected=expected, received="missing")
            continue
        problem = _field_problem(body[name], spec, where)
        if problem is not None:
            return problem
    return None


def _field_problem(value: object, spec: Field, where: str) -> ResponseShapeError | None:
    """The first problem of one present field (and what it holds), or None."""
    if value is None and spec.nullable:
        return None
    received = _kind_problem(value, spec.kind)
    if received is not None:
        expected = expected_of(spec.kind, nullable=spec.nullable)
        return ResponseShapeError(field=where, expected=expected, received=received)
    if spec.kind in RESPONSE_SHAPES:
        return first_problem(value, spec.kind, where)
    if spec.kind == "array" and spec.items is not None:
        return _items_problem(cast(list[object], value), spec.items, where)
    return None


def _items_problem(items: list[object], kind: str, where: str) -> ResponseShapeError | None:
    """The first item of an array that is not a ``kind``, or None."""
    for index, item in enumerate(items):
        item_path = f"{where}[{index}]"
        if kind in RESPONSE_SHAPES:
            problem = first_problem(item, kind, item_path)
            if problem is not None:
                return problem
        elif (received := _kind_problem(item, kind)) is not None:
            return ResponseShapeError(
                field=item_path, expected=expected_of(kind), received=received
            )
    return None


def locate_shape_error(
    exc: BaseException, operation_id: str | None = None, body: bytes | None = None
) -> ResponseShapeError:
    """Where a body that could not be read went wrong, as a :class:`ResponseShapeError`.

    Args:
        exc: What reading the body raised (generated parsing or our conversion).
        operation_id: The operation whose answer it was (``"listMemories"``).
        body: The answer's raw body, when it was read.

    Returns:
        The first broken field of the raw body (when the body can be found and the operation
        is known), else ``exc`` itself when it is a ResponseShapeError, else an error naming
        only the exception's type. Its ``str()`` never holds a value of the body.
    """
    op = OPERATIONS.get(operation_id or "")
    schema = None if op is None else op.schema
    located: ResponseShapeError | None = None
    if isinstance(exc, httpx.DecodingError):
        located = ResponseShapeError(
            field="",
            expected="encoded as its Content-Encoding header says",
            received="not decodable",
        )
    elif body is not None and schema is not None:
        try:
            data = json.loads(body) if body else None
        except RecursionError:
            located = ResponseShapeError(field="", expected="JSON", received="nested too deeply")
        except ValueError:
            located = ResponseShapeError(field="", expected="JSON", received="not valid JSON")
        else:
            located = first_problem(data, schema)
    if located is None:
        located = (
            exc if isinstance(exc, ResponseShapeError) else ResponseShapeError(type(exc).__name__)
        )
    return located.at(operation_id) if operation_id else located
