"""What the memory and tag operations send, and how their plain answers read.

Pure functions, no I/O: a bad argument is a ValidationError before anything is sent. Content is
encrypted and decrypted by the caller (it holds the keys); the other fields a memory call sends,
and the tag answers, are handled here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final
from uuid import UUID

import attrs
import httpx
from memoram_api import models as api
from memoram_api.types import UNSET, Unset

from ._body import parse_json_marked, refused_in
from ._convert import (
    blob_id,
    expect,
    list_of,
    memory_from_api,
    same_id,
    stored_content,
    tag_from_api,
)
from ._crypto import Keyring
from ._deprecation import warn_deprecated
from ._errors import DecryptionError, ValidationError
from ._models import Memory, Tag
from ._operations import LIST_MEMORIES
from ._options import NOT_GIVEN, NotGiven
from ._pagination import BrokenItem, Item, Page
from ._shapes import SHAPE_ERRORS, ResponseShapeError, first_problem, json_type
from ._validation import (
    check_encodable,
    check_optional_text,
    check_page_size,
    check_score,
    check_tags,
)


def create_fields(
    *,
    title: str | None,
    summary: str | None,
    tags: tuple[str, ...] | list[str],
    importance: float | None,
    confidence: float | None,
    source: str | None,
) -> dict[str, Any]:
    """The optional fields of a create, checked; those not given are left out."""
    fields: dict[str, Any] = {}
    for name, text in (("title", title), ("summary", summary), ("source", source)):
        if text is not None:
            checked = check_optional_text(text, name)
            if checked is not None:
                fields[name] = checked
    if tags:
        fields["tags"] = list(check_tags(tags))
    if importance is not None:
        score = check_score(importance, "importance")
        if score is not None:
            fields["importance"] = score
    if confidence is not None:
        score = check_score(confidence, "confidence", unit=True)
        if score is not None:
            fields["confidence"] = score
    warn_deprecated("UserMemories.create_memory", ("content", *fields))
    return fields


def update_fields(
    *,
    content: str | NotGiven,
    title: str | NotGiven,
    summary: str | NotGiven,
    tags: tuple[str, ...] | list[str] | NotGiven,
    importance: float | NotGiven,
    confidence: float | NotGiven,
    source: str | NotGiven,
) -> dict[str, Any]:
    """The fields an update changes, checked; ``content`` is what to send (an envelope).

    Raises:
        ValidationError: A bad field, or no field at all.
    """
    fields: dict[str, Any] = {}
    if content is not NOT_GIVEN:
        fields["content"] = content
    for name, value in (("title", title), ("summary", summary), ("source", source)):
        if value is not NOT_GIVEN:
            if not isinstance(value, str):
                raise ValidationError(f"{name} must be a str (use '' to clear it)")
            fields[name] = check_encodable(value, name)
    if tags is not NOT_GIVEN:
        fields["tags"] = list(check_tags(tags))
    if importance is not NOT_GIVEN:
        fields["importance"] = required_score(importance, "importance")
    if confidence is not NOT_GIVEN:
        fields["confidence"] = required_score(confidence, "confidence", unit=True)
    if not fields:
        raise ValidationError("update_memory() needs at least one field to change")
    warn_deprecated("UserMemories.update_memory", fields)
    return fields


@attrs.frozen
class ListQuery:
    """The query of a memory listing (without the cursor), as ``listMemories`` takes it."""

    user_id: UUID
    limit: int
    tags: str | Unset = UNSET
    search_query: str | Unset = UNSET
    importance: float | Unset = UNSET


def list_query(
    user_id: UUID,
    *,
    tags: tuple[str, ...] | list[str] | None,
    search: str | None,
    min_importance: float | None,
    page_size: int,
) -> ListQuery:
    """The query of a memory listing (without the cursor), checked."""
    given = {"tags": tags, "search": search, "min_importance": min_importance}
    names = [name for name, value in given.items() if value is not None]
    warn_deprecated("UserMemories.list_memories", [*names, "page_size"])
    text = None if search is None else check_optional_text(search, "search")
    score = None if min_importance is None else check_score(min_importance, "min_importance")
    return ListQuery(
        user_id=user_id,
        limit=check_page_size(page_size),
        tags=UNSET if tags is None else ",".join(check_tags(tags)),
        search_query=UNSET if text is None else text,
        importance=UNSET if score is None else score,
    )


def required_score(value: object, name: str, *, unit: bool = False) -> float:
    """A number that must be given (an update's importance or confidence)."""
    checked = check_score(value, name, unit=unit)
    if checked is None:
        raise ValidationError(f"{name} must be a number")
    return checked


def next_cursor_of(value: object) -> str | None:
    """A page's ``next_cursor``: a non-empty str, or None on the last page.

    Raises:
        ResponseShapeError: Anything else (a broken answer).
    """
    if value is not None and (not isinstance(value, str) or not value):
        received = "an empty string" if value == "" else json_type(value)
        raise ResponseShapeError(
            field="next_cursor", expected="a non-empty string or null", received=received
        )
    return value


def parse_tags(tag_list: api.TagList) -> list[Tag]:
    """The tags of a ``listTags`` answer."""
    return [tag_from_api(expect(t, api.Tag, "a tag")) for t in list_of(tag_list.items, "items")]


def parse_tag(tag: api.Tag, asked: str) -> Tag:
    """The tag of a ``getTag`` answer for tag ``asked``."""
    checked = tag_from_api(tag)
    same_id(asked, checked.id)
    return checked


def read_memory(
    blob: api.MemoryBlob,
    keyring: Keyring | None,
    user_text: str,
    user_id: UUID,
    asked: str | None = None,
) -> Memory:
    """A stored memory, its content decrypted with ``keyring`` (None: stored as plain text);
    ``asked`` is the id it must have (the one a get asked for).

    Raises:
        DecryptionError: The content is not an envelope these keys open.
        ResponseShapeError: Not a memory, or not the one asked for.
    """
    memory_id = blob_id(blob)
    if asked is not None:
        same_id(asked, memory_id)
    stored = stored_content(blob)
    content = stored if keyring is None else keyring.decrypt(stored, user_text, memory_id=memory_id)
    return memory_from_api(blob, user_id=user_id, content=content)


def read_page_answer(response: httpx.Response, read: Callable[[api.MemoryBlob], Memory]) -> Page:
    """A ``listMemories`` answer read item by item (:func:`read_page`), its body as strict JSON
    whose refusals (a key given twice, a non-finite number) break only the item holding them."""
    data, marked = parse_json_marked(response.content)
    return read_page(data, read, marked=marked)


def read_page(data: Any, read: Callable[[api.MemoryBlob], Memory], *, marked: bool = False) -> Page:
    """A ``listMemories`` page from its JSON: the page read with the generated
    ``MemoryBlobList`` and each item with the generated ``MemoryBlob`` on its own, so that one
    item that cannot be read (a :class:`BrokenItem`) or decrypted (its DecryptionError) hides
    no other.

    Args:
        data: The page's JSON.
        read: Reads (and decrypts) one memory.
        marked: Whether ``data`` holds marks of what strict JSON refuses
            (:func:`parse_json_marked`): the item holding one is broken, a mark elsewhere
            breaks the page.

    Raises:
        ResponseShapeError: The page itself is broken (not an object, no ``memoryBlobs``
            array, a bad ``next_cursor``): nothing on it can be trusted. It names the field
            from the body's root.
    """
    blobs, cursor = _envelope(data, marked)
    items: list[Item] = []
    for index, raw in enumerate(blobs):
        try:
            if not isinstance(raw, dict):
                raise ResponseShapeError(field="", expected="an object", received=json_type(raw))
            if marked and (problem := refused_in(raw, f"memoryBlobs[{index}]")) is not None:
                items.append(BrokenItem(_raw_id(raw), problem))
                continue
            items.append(read(api.MemoryBlob.from_dict(raw)))
        except DecryptionError as exc:
            items.append(exc)
        except SHAPE_ERRORS as exc:
            items.append(BrokenItem(_raw_id(raw), _item_problem(exc, raw, index)))
    return items, cursor


def _envelope(data: Any, marked: bool) -> tuple[list[Any], str | None]:
    """A page's items, still JSON, and its cursor (the page without its items read with the
    generated model).

    Raises:
        ResponseShapeError: The page is broken, named from the body's root and the operation.
    """
    try:
        if not isinstance(data, dict):
            raise ResponseShapeError(field="", expected="an object", received=json_type(data))
        if marked and (problem := refused_in(data, skip="memoryBlobs")) is not None:
            raise problem
        blobs = data.get("memoryBlobs", _MISSING)
        if not isinstance(blobs, list):
            received = "missing" if blobs is _MISSING else json_type(blobs)
            raise ResponseShapeError(field="memoryBlobs", expected="an array", received=received)
        if "next_cursor" not in data:
            raise ResponseShapeError(
                field="next_cursor", expected="a non-empty string or null", received="missing"
            )
        page = api.MemoryBlobList.from_dict({**data, "memoryBlobs": []})
        return blobs, next_cursor_of(page.next_cursor)
    except ResponseShapeError as exc:
        raise exc.at(LIST_MEMORIES.operation_id) from None


_MISSING: Final = object()


def _raw_id(raw: object) -> str | None:
    """The id of a raw listed item, when it is a non-empty string (and no key of the item was
    given twice: then even its id cannot be trusted)."""
    memory_id = raw.get("id") if type(raw) is dict else None
    return memory_id if isinstance(memory_id, str) and memory_id else None


def _item_problem(exc: Exception, raw: object, index: int) -> ResponseShapeError:
    """What is wrong with listed item ``index``, its field named from the page."""
    where = f"memoryBlobs[{index}]"
    located = first_problem(raw, "MemoryBlob", where)
    if located is not None:
        return located
    if isinstance(exc, ResponseShapeError) and exc.field is not None:
        return ResponseShapeError(
            field=f"{where}.{exc.field}" if exc.field else where,
            expected=exc.expected,
            received=exc.received,
        )
    return ResponseShapeError(
        field=where, expected="a memory", received=f"one that cannot be read ({type(exc).__name__})"
    )


def updated_memory(
    blob: api.MemoryBlobResponse, user_id: UUID, content: str | None, asked: str
) -> Memory:
    """The memory an update answered with, which must be the one updated."""
    memory = memory_from_api(blob, user_id=user_id, content=content)
    same_id(asked, memory.id)
    return memory


def parse_deleted(result: api.DeleteMemoryResponse) -> None:
    """A ``deleteMemory`` answer: the success status says it is done; nothing is read."""
