"""Public value objects: frozen, typed, secret-free reprs, and strict conversion from the wire."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import attrs
import pytest
from memoram_api import models as api

from memoram_async import AccessRequestStatus, Credentials, Memory, Secret, ValidationError
from memoram_async._models import (
    ResponseShapeError,
    access_request_from_api,
    credentials_from_api,
    memory_from_api,
    tag_from_api,
)
from tests.scenarios.fake_api import ENCRYPTION_KEY, MEMORY_KEY, USER_ID, credentials

OTHER_KEY = "22" * 32


def test_credentials_convert_plain_values() -> None:
    """user_id text becomes a UUID; keys become Secrets; the object is frozen."""
    creds = credentials()
    assert creds.user_id == UUID(USER_ID)
    assert isinstance(creds.memory_key, Secret)
    assert creds.encryption_key.reveal() == ENCRYPTION_KEY
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        creds.key_version = 2  # type: ignore[misc]


def test_credentials_repr_has_no_secret() -> None:
    """Neither the memory key nor any encryption key appears in repr or str."""
    creds = credentials(key_version=2, previous_keys={1: OTHER_KEY})
    for text in (repr(creds), str(creds)):
        assert MEMORY_KEY not in text
        assert ENCRYPTION_KEY not in text
        assert OTHER_KEY not in text
        assert USER_ID in text


def test_credentials_round_trip_through_to_dict() -> None:
    """from_dict(to_dict()) rebuilds equal credentials, with JSON-ready types."""
    creds = credentials(key_version=3, previous_keys={1: OTHER_KEY, 2: "33" * 16})
    data = creds.to_dict()
    assert data["previous_keys"] == {"1": OTHER_KEY, "2": "33" * 16}
    assert data["memory_key"] == MEMORY_KEY
    assert Credentials.from_dict(data) == creds


def test_credentials_from_api_shaped_dict() -> None:
    """The API's credentials body (without previous_keys) is accepted as is."""
    creds = Credentials.from_dict(
        {"user_id": USER_ID, "memory_key": "mk", "encryption_key": ENCRYPTION_KEY, "key_version": 1}
    )
    assert creds.previous_keys == {}
    with pytest.raises(ValidationError, match="key_version"):
        Credentials.from_dict({"user_id": USER_ID, "memory_key": "mk", "encryption_key": "11"})


def test_rotated_to_keeps_old_keys() -> None:
    """Merging after a rotation keeps every older key and takes the new current key."""
    old = credentials(key_version=1)
    new = credentials(key_version=2, encryption_key=OTHER_KEY)
    merged = old.rotated_to(new)
    assert merged.key_version == 2
    assert merged.encryption_key.reveal() == OTHER_KEY
    assert {v: k.reveal() for v, k in merged.previous_keys.items()} == {1: ENCRYPTION_KEY}
    third = credentials(key_version=3, encryption_key="44" * 32)
    assert sorted(merged.rotated_to(third).previous_keys) == [1, 2]


def test_rotated_to_refuses_other_users_and_conflicting_keys() -> None:
    """Another user's credentials, or one version with two keys, are refused."""
    old = credentials()
    with pytest.raises(ValidationError, match="same user"):
        old.rotated_to(credentials(user_id="00000000-0000-0000-0000-000000000001"))
    with pytest.raises(ValidationError, match="two different keys"):
        old.rotated_to(credentials(key_version=1, encryption_key=OTHER_KEY))


def test_current_version_cannot_also_be_a_previous_key() -> None:
    """previous_keys must not hold the current version."""
    with pytest.raises(ValidationError):
        credentials(key_version=1, previous_keys={1: OTHER_KEY})


def test_memory_repr_hides_content_and_summary_and_shows_labels() -> None:
    """Content and summary never appear in a Memory's repr; id, title and tag names do."""
    memory = Memory(
        id="mem_1",
        user_id=UUID(USER_ID),
        content="my secret diary",
        title="diary title",
        summary="diary summary",
        tags=("health",),
        tag_ids=("tag_123",),
    )
    for text in (repr(memory), str(memory)):
        assert "my secret diary" not in text
        assert "diary summary" not in text
        assert "tag_123" not in text
        assert "id='mem_1'" in text
        assert "title='diary title'" in text
        assert "tags=('health',)" in text


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
