"""The public value objects: frozen, typed, secret-free reprs; Credentials checks and rotation."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import attrs
import pytest

from memoram_async import Credentials, Memory, Secret, ValidationError
from tests.support.fake_api import ENCRYPTION_KEY, MEMORY_KEY, USER_ID, credentials

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


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            {}, {"user_id": "00000000-0000-0000-0000-000000000001"}, "same user", id="other-user"
        ),
        pytest.param({}, {"encryption_key": OTHER_KEY}, "two different keys", id="one-version"),
        pytest.param(
            {"key_version": 2, "encryption_key": OTHER_KEY}, {}, "newer credentials", id="swapped"
        ),
    ],
)
def test_rotated_to_refuses(old: dict[str, Any], new: dict[str, Any], message: str) -> None:
    """Another user's credentials, one version with two keys, or old and new swapped (which
    would move memories back to the old key) are refused."""
    with pytest.raises(ValidationError, match=message):
        credentials(**old).rotated_to(credentials(**new))


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
