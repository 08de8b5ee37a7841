"""What the memory and tag operations send, and how their plain answers read.

Pure functions, no I/O: a bad argument is a ValidationError before anything is sent. Content is
encrypted and decrypted by the caller (it holds the keys); the other fields a memory call sends,
and the tag answers, are handled here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import attrs
from memoram_api import models as api
from memoram_api.types import UNSET, Unset

from ._convert import (
    blob_id,
    expect,
    list_of,
    memory_from_api,
    stored_content,
    tag_from_api,
)
from ._crypto import Keyring
from ._deprecation import warn_deprecated
from ._errors import DecryptionError, ValidationError
from ._models import Memory, Tag
from ._options import NOT_GIVEN, NotGiven
from ._pagination import Page
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
        ValueError: Anything else (a broken answer).
    """
    if value is not None and (not isinstance(value, str) or not value):
        raise ValueError("next_cursor is not a non-empty string or null")
    return value


def parse_tags(tag_list: api.TagList) -> list[Tag]:
    """The tags of a ``listTags`` answer."""
    return [tag_from_api(expect(t, api.Tag, "a tag")) for t in list_of(tag_list.items, "items")]


def read_memory(
    blob: api.MemoryBlob, keyring: Keyring | None, user_text: str, user_id: UUID
) -> Memory:
    """A stored memory, its content decrypted with ``keyring`` (None: stored as plain text).

    Raises:
        DecryptionError: The content is not an envelope these keys open.
    """
    memory_id = blob_id(blob)
    stored = stored_content(blob)
    content = stored if keyring is None else keyring.decrypt(stored, user_text, memory_id=memory_id)
    return memory_from_api(blob, user_id=user_id, content=content)


def parse_page(page: api.MemoryBlobList, read: Callable[[api.MemoryBlob], Memory]) -> Page:
    """A ``listMemories`` page: each memory read (or its DecryptionError), and the next cursor."""
    items: list[Memory | DecryptionError] = []
    for blob in list_of(page.memory_blobs, "memoryBlobs"):
        try:
            items.append(read(expect(blob, api.MemoryBlob, "a memory")))
        except DecryptionError as exc:
            items.append(exc)
    return items, next_cursor_of(page.next_cursor)


def parse_deleted(result: api.DeleteMemoryResponse) -> None:
    """A ``deleteMemory`` answer: the success status says it is done; nothing is read."""
