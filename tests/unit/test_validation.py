"""The validation helpers and the configuration errors that need more than the one table.

The table of bad inputs for every public method and setting is
``tests/support/chaos/bad_input.py``, run by ``test_bad_input.py``.
"""

from __future__ import annotations

import pytest

from memoram_async import (
    ClientClosedError,
    MemoramClient,
    ValidationError,
)
from memoram_async._validation import (
    check_base_url,
    check_id,
    check_memory_key,
    check_page_size,
    check_score,
    check_tags,
    check_timeout,
)
from tests.support.fake_api import BASE_URL, FakeAPI, credentials


def test_missing_api_key_names_the_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """No key and no token: the error says to set MEMORAM_API_KEY."""
    monkeypatch.delenv("MEMORAM_API_KEY", raising=False)
    with pytest.raises(ValidationError, match="MEMORAM_API_KEY"):
        MemoramClient(base_url=BASE_URL)


def test_plain_http_needs_an_explicit_opt_in() -> None:
    """http:// to a remote IP is refused unless allow_insecure_http=True names the risk; a name
    is left to the check by address before the first request (tests/unit/test_loopback.py)."""
    with pytest.raises(ValidationError, match="allow_insecure_http"):
        check_base_url("http://192.0.2.10/api/v1", allow_insecure_http=False)
    assert check_base_url("http://192.0.2.10/api/v1/", allow_insecure_http=True) == (
        "http://192.0.2.10/api/v1"
    )
    assert check_base_url("http://api.memoram.app/api/v1", allow_insecure_http=False) == (
        "http://api.memoram.app/api/v1"
    )


def test_typed_errors_are_the_builtin_classes_users_catch() -> None:
    """A ValidationError is a ValueError and a ClientClosedError a RuntimeError."""
    assert issubclass(ValidationError, ValueError)
    assert issubclass(ClientClosedError, RuntimeError)


@pytest.mark.parametrize("dots", [".", ".."])
def test_dot_segments_are_not_ids(dots: str) -> None:
    """'.' and '..' would be resolved by the URL into another endpoint: the error says why."""
    with pytest.raises(ValidationError, match=r"memory_id must not be '\.' or '\.\.'"):
        check_id(dots, "memory_id")


def test_helpers_return_normalised_values() -> None:
    """The checks return what is sent: tuples of tags, floats, timeouts, ids."""
    assert check_tags(["a", "b"]) == ("a", "b")
    assert check_score(1, "importance") == 1.0
    assert check_page_size(100) == 100
    assert check_id("mem_1", "memory_id") == "mem_1"
    assert check_timeout(5).read == 5.0


@pytest.mark.parametrize(
    ("tags", "words"),
    [
        ([f"t{i}" for i in range(101)], "tags has 101 items; at most 100"),
        (["a", "b" * 101], "each of tags must be at most 100 characters long (one has 101)"),
    ],
)
def test_tag_bounds_are_refused_naming_tags(tags: list[str], words: str) -> None:
    """More than 100 tags, or a tag over 100 characters, is a ValidationError naming tags."""
    with pytest.raises(ValidationError) as caught:
        check_tags(tags)
    assert words in str(caught.value)
    assert check_tags(tags[:100] if len(tags) > 100 else ["a", "b" * 100])


async def test_the_tags_filter_names_at_most_100_tags() -> None:
    """list_memories(tags=...) with 101 names is refused before any request."""
    api = FakeAPI()
    async with api.client() as client:
        with pytest.raises(ValidationError, match="tags has 101 items"):
            await anext(
                aiter(client.user(credentials()).list_memories(tags=[str(i) for i in range(101)]))
            )
    assert not api.requests


def test_memory_key_is_at_most_256_characters_and_never_echoed() -> None:
    """A memory key of 256 characters passes; 257 is refused naming the argument, not the key."""
    assert check_memory_key("k" * 256).reveal() == "k" * 256
    key = "s3cr3t-" * 37  # 259 characters
    with pytest.raises(ValidationError) as info:
        check_memory_key(key)
    assert "memory_key" in str(info.value)
    assert "259 characters" in str(info.value)
    assert "s3cr3t" not in str(info.value)
