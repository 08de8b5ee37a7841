"""Conversion from generated models: strict types, tolerant reading, shape errors naming fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from memoram_api import models as api

from memoram_async import AccessRequestStatus
from memoram_async._convert import (
    access_request_from_api,
    credentials_from_api,
    memory_from_api,
    tag_from_api,
)
from memoram_async._shapes import ResponseShapeError
from tests.support.fake_api import ENCRYPTION_KEY, MEMORY_KEY, USER_ID


def blob(**fields: Any) -> api.MemoryBlob:
    """A generated MemoryBlob from a wire dict."""
    return api.MemoryBlob.from_dict({"id": "mem_1", "content": "c", **fields})


def test_memory_from_api_converts_types() -> None:
    """Lists become tuples, ints become floats, naive timestamps become UTC."""
    memory = memory_from_api(
        blob(tags=["a"], importance=3, created_at="2026-01-01T00:00:00", user_id=USER_ID),
        user_id=UUID(USER_ID),
        content="plain",
    )
    assert memory.tags == ("a",)
    assert memory.importance == 3.0
    assert memory.created_at == datetime(2026, 1, 1, tzinfo=UTC)
    assert memory.content == "plain"
    assert memory.title is None


@pytest.mark.parametrize(
    "fields",
    [
        {"tags": "a"},
        {"tags": [1]},
        {"importance": "high"},
        {"importance": True},
        {"title": 5},
        {"id": 7},
        {"id": ""},
        {"user_id": "00000000-0000-0000-0000-000000000001"},
    ],
)
def test_memory_from_api_refuses_wrong_types(fields: dict[str, Any]) -> None:
    """A field of the wrong type, no id, or another user's memory is a shape error naming it."""
    with pytest.raises(ResponseShapeError) as info:
        memory_from_api(blob(**fields), user_id=UUID(USER_ID), content="c")
    assert info.value.field is not None
    assert info.value.field.split("[")[0] == next(iter(fields))


def test_null_optional_memory_fields_read_as_not_set() -> None:
    """null for an optional field (user_id, dates, scores, tags) is the same as leaving it out."""
    nulls = dict.fromkeys(
        ("user_id", "created_at", "title", "importance", "tags", "tag_ids", "source"), None
    )
    wire = api.MemoryBlobResponse.from_dict({"id": "mem_1", **nulls})
    memory = memory_from_api(wire, user_id=UUID(USER_ID), content="c")
    assert (memory.title, memory.importance, memory.tags, memory.created_at) == (
        None,
        None,
        (),
        None,
    )


ACCESS = {
    "id": "cm1",
    "status": "pending",
    "reason": "r",
    "memoryKey": MEMORY_KEY,
    "aiConnectorId": "conn",
    "createdAt": "2026-01-01T00:00:00Z",
    "updatedAt": "2026-01-01T00:00:00Z",
}


def test_access_request_conversion_and_repr() -> None:
    """Status is an enum equal to its string; the memory key is a hidden Secret."""
    request = access_request_from_api(api.AccessRequest.from_dict(ACCESS))
    assert request.status == "pending"
    assert request.status is AccessRequestStatus.PENDING
    assert request.user_id is None
    assert not request.is_decided
    assert MEMORY_KEY not in repr(request)
    assert request.memory_key.reveal() == MEMORY_KEY


def test_access_request_with_wrong_types_is_a_shape_error() -> None:
    """A non-string reason or status is refused, naming the field and the type received."""
    for field, value in (("reason", 5), ("status", 5), ("status", None)):
        with pytest.raises(ResponseShapeError) as info:
            access_request_from_api(api.AccessRequest.from_dict({**ACCESS, field: value}))
        assert (info.value.field, info.value.expected) == (field, "a string")


def test_an_unknown_status_is_kept_as_its_string() -> None:
    """A status a newer API added stays a plain str: equal to its text, never to a member."""
    request = access_request_from_api(api.AccessRequest.from_dict({**ACCESS, "status": "expired"}))
    assert request.status == "expired"
    assert type(request.status) is str
    assert all(request.status != member for member in AccessRequestStatus)
    assert request.is_decided
    known = access_request_from_api(api.AccessRequest.from_dict({**ACCESS, "status": "revoked"}))
    assert known.status is AccessRequestStatus.REVOKED


CREDENTIALS_BODY = {
    "user_id": USER_ID,
    "memory_key": "mk",
    "encryption_key": ENCRYPTION_KEY,
    "key_version": 1,
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("encryption_key", "xyz"),
        ("encryption_key", "ab" * 5),
        ("encryption_key", ""),
        ("memory_key", "m k"),
        ("memory_key", 5),
        ("memory_key", "k" * 257),
        ("key_version", "1"),
        ("key_version", -1),
        ("key_version", 2**40),
    ],
)
def test_credentials_from_api_with_a_bad_field_names_it(field: str, value: object) -> None:
    """A server-sent credential of the wrong form is a shape error naming the field, never
    its value (it may be a key)."""
    wire = api.AccessCredentials.from_dict({**CREDENTIALS_BODY, field: value})
    with pytest.raises(ResponseShapeError) as info:
        credentials_from_api(wire)
    assert info.value.field == field
    if len(str(value)) > 2:
        assert str(value) not in str(info.value).replace(field, "")


def test_tag_conversion() -> None:
    """Tags convert; the repr shows the name, not the description; is_enabled must be a bool."""
    wire = {
        "id": "tag_1",
        "name": "grief",
        "description": "private words",
        "color": "#112233",
        "is_enabled": True,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    tag = tag_from_api(api.Tag.from_dict(wire))
    assert tag.name == "grief"
    assert "id='tag_1', name='grief'" in repr(tag)
    assert "private words" not in repr(tag)
    with pytest.raises(ResponseShapeError):
        tag_from_api(api.Tag.from_dict({**wire, "is_enabled": "yes"}))
