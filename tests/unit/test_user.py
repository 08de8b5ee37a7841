"""A user's memories: encrypted writes, decrypted reads, partial updates, pages, key rotation."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

import httpx
import pytest

from memoram_async import (
    APIResponseValidationError,
    Credentials,
    DecryptionError,
    Memory,
    NotFoundError,
)
from memoram_async._crypto import Keyring
from memoram_async._envelope import envelope_key_version
from tests.support.fake_api import ENCRYPTION_KEY, MEMORY_KEY, USER_ID, FakeAPI, credentials

KEYRING = Keyring.from_hex(ENCRYPTION_KEY, 1)
NEW_KEY = "22" * 32


def sent_body(fake: FakeAPI, method: str) -> dict[str, Any]:
    """The JSON body of the last request with this method."""
    request = [r for r in fake.requests if r.method == method][-1]
    return dict(json.loads(request.content))


async def test_create_encrypts_and_returns_the_plaintext_memory() -> None:
    """Content travels as an envelope; the Memory returned holds the caller's content."""
    fake = FakeAPI()
    async with fake.client() as client:
        memory = await client.user(credentials()).create_memory(
            "likes tea",
            title="drinks",
            summary="s",
            tags=["food", "home"],
            importance=4,
            confidence=0.9,
            source="app",
        )
    body = sent_body(fake, "POST")
    assert body["content"].startswith("mrm1.")
    assert KEYRING.decrypt(body["content"], USER_ID) == "likes tea"
    assert body["memoryKey"] == MEMORY_KEY
    assert body["tags"] == ["food", "home"]
    assert (body["importance"], body["confidence"], body["title"]) == (4.0, 0.9, "drinks")
    assert isinstance(memory, Memory)
    assert memory.content == "likes tea"
    assert memory.tags == ("food", "home")


async def test_create_omits_fields_not_given() -> None:
    """Optional fields left at None are not sent at all."""
    fake = FakeAPI()
    async with fake.client() as client:
        await client.user(credentials()).create_memory("x")
    assert set(sent_body(fake, "POST")) == {"user_id", "memoryKey", "content"}


async def test_get_decrypts() -> None:
    """get_memory returns the plaintext of a stored envelope."""
    fake = FakeAPI()
    memory_id = fake.add_memory(KEYRING.encrypt("hello", USER_ID), title="t")
    async with fake.client() as client:
        memory = await client.user(credentials()).get_memory(memory_id)
    assert (memory.id, memory.content, memory.title) == (memory_id, "hello", "t")


async def test_plaintext_content_is_a_decryption_error_when_encryption_is_on() -> None:
    """With encryption on, stored text that is not an envelope is refused, naming the memory."""
    fake = FakeAPI()
    memory_id = fake.add_memory("my private diary")
    async with fake.client() as client:
        with pytest.raises(DecryptionError) as info:
            await client.user(credentials()).get_memory(memory_id)
    assert info.value.memory_id == memory_id
    assert "private diary" not in str(info.value)


async def test_encryption_off_sends_and_reads_plaintext() -> None:
    """encryption=False is an explicit plaintext mode."""
    fake = FakeAPI()
    async with fake.client(encryption=False) as client:
        user = client.user(credentials())
        memory = await user.create_memory("plain words")
        assert sent_body(fake, "POST")["content"] == "plain words"
        assert (await user.get_memory(memory.id)).content == "plain words"


async def test_update_sends_only_given_fields() -> None:
    """update_memory sends user_id, memoryKey and exactly the fields given."""
    fake = FakeAPI()
    memory_id = fake.add_memory(KEYRING.encrypt("old", USER_ID))
    async with fake.client() as client:
        user = client.user(credentials())
        updated = await user.update_memory(memory_id, tags=[], importance=0)
        assert set(sent_body(fake, "PATCH")) == {"user_id", "memoryKey", "tags", "importance"}
        assert sent_body(fake, "PATCH")["tags"] == []
        assert updated.content is None
        updated = await user.update_memory(memory_id, content="new", title="")
        body = sent_body(fake, "PATCH")
        assert set(body) == {"user_id", "memoryKey", "content", "title"}
        assert KEYRING.decrypt(body["content"], USER_ID) == "new"
        assert updated.content == "new"
        assert (await user.get_memory(memory_id)).content == "new"


async def test_delete_and_then_not_found() -> None:
    """A deleted memory is gone: get_memory then raises NotFoundError."""
    fake = FakeAPI()
    memory_id = fake.add_memory(KEYRING.encrypt("x", USER_ID))
    async with fake.client() as client:
        user = client.user(credentials())
        assert await user.delete_memory(memory_id) is None
        assert memory_id not in fake.memories
        with pytest.raises(NotFoundError):
            await user.get_memory(memory_id)


async def test_pagination_follows_cursors_lazily() -> None:
    """Pages are fetched one at a time, only when the previous one is used up."""
    fake = FakeAPI()
    for i in range(7):
        fake.add_memory(KEYRING.encrypt(f"m{i}", USER_ID))
    async with fake.client() as client:
        iterator = client.user(credentials()).list_memories(page_size=3)
        contents: list[str | None] = []
        requests_when: list[int] = []
        async for memory in iterator:
            contents.append(memory.content)
            requests_when.append(fake.count("GET", "/memory-blobs"))
    assert contents == [f"m{i}" for i in range(7)]
    assert requests_when == [1, 1, 1, 2, 2, 2, 3]
    assert iterator.pages == 3
    cursors = [
        r.url.params.get("cursor") for r in fake.requests if r.url.path.endswith("/memory-blobs")
    ]
    assert cursors == [None, "3", "6"]


async def test_list_filters_are_sent() -> None:
    """tags, search and min_importance reach the query as tags, searchQuery and importance."""
    fake = FakeAPI()
    async with fake.client() as client:
        async for _ in client.user(credentials()).list_memories(
            tags=["a", "b"], search="trip", min_importance=0.5, page_size=10
        ):
            pass
    params = fake.requests[-1].url.params
    assert params["tags"] == "a,b"
    assert params["searchQuery"] == "trip"
    assert params["importance"] == "0.5"
    assert params["limit"] == "10"


async def test_undecryptable_memory_does_not_hide_the_others() -> None:
    """strict: every readable memory is yielded, then a DecryptionError names the failed id."""
    fake = FakeAPI()
    good = [fake.add_memory(KEYRING.encrypt(f"m{i}", USER_ID)) for i in range(2)]
    bad = fake.add_memory(Keyring.from_hex(NEW_KEY, 1).encrypt("other key", USER_ID))
    good.append(fake.add_memory(KEYRING.encrypt("m2", USER_ID)))
    async with fake.client() as client:
        iterator = client.user(credentials()).list_memories(page_size=2)
        seen: list[str] = []

        async def consume() -> None:
            async for memory in iterator:
                seen.append(memory.id)

        with pytest.raises(DecryptionError) as info:
            await consume()
    assert seen == good
    assert bad in str(info.value)
    assert iterator.failed_ids == (bad,)


async def test_non_strict_listing_collects_failures() -> None:
    """strict=False ends normally; .failures holds the errors with memory ids."""
    fake = FakeAPI()
    fake.add_memory(KEYRING.encrypt("ok", USER_ID))
    bad = fake.add_memory("plaintext")
    async with fake.client() as client:
        iterator = client.user(credentials()).list_memories(strict=False)
        contents = [m.content async for m in iterator]
    assert contents == ["ok"]
    assert [f.memory_id for f in iterator.failures] == [bad]


async def test_repeated_cursor_is_refused() -> None:
    """A server sending the same cursor again cannot make the listing loop forever: the first
    page is yielded once, then the error, and iterating again yields nothing more."""
    fake = FakeAPI()
    first = fake.add_memory(KEYRING.encrypt("x", USER_ID))
    blob = {**fake.memories[first]}
    page = httpx.Response(200, json={"memoryBlobs": [blob], "next_cursor": "same"})
    fake.fail("GET", "/memory-blobs", page, page)
    async with fake.client() as client:
        iterator = client.user(credentials()).list_memories()
        seen = []

        async def drain() -> None:
            async for memory in iterator:
                seen.append(memory.id)

        with pytest.raises(APIResponseValidationError, match="cursor"):
            await drain()
        leftovers = [memory.id async for memory in iterator]
    assert seen == [first]
    assert leftovers == []


@pytest.mark.parametrize(
    ("page", "field", "received"),
    [
        ({"memoryBlobs": [{"id": "m"}]}, "next_cursor", "missing"),
        ({"memoryBlobs": [{"id": "m"}], "next_cursor": 3}, "next_cursor", "an integer"),
        ({"memoryBlobs": "m", "next_cursor": None}, "memoryBlobs", "a string"),
    ],
)
async def test_a_broken_page_is_a_response_error_naming_the_page_field(
    page: dict[str, Any], field: str, received: str
) -> None:
    """Without its list or its cursor a page cannot be trusted: the listing raises, naming the
    page's field even when an item on it is broken too, and yields nothing from it."""
    fake = FakeAPI()
    fake.fail("GET", "/memory-blobs", httpx.Response(200, json=page))
    async with fake.client() as client:
        iterator = client.user(credentials()).list_memories(strict=False)
        with pytest.raises(APIResponseValidationError) as info:
            async for _ in iterator:
                pass
    assert (info.value.field, info.value.received) == (field, received)
    assert info.value.status_code == 200
    assert "listMemories" in str(info.value)


async def test_tags() -> None:
    """list_tags and get_tag return Tag objects."""
    fake = FakeAPI()
    fake.tags["tag_1"] = {
        "id": "tag_1",
        "name": "work",
        "color": "#4F46E5",
        "is_enabled": True,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    async with fake.client() as client:
        user = client.user(credentials())
        tags = await user.list_tags()
        tag = await user.get_tag("tag_1")
    assert [t.name for t in tags] == ["work"]
    assert tag.color == "#4F46E5"


async def test_reencrypt_moves_old_memories_to_the_current_key() -> None:
    """After a rotation, reencrypt_memories rewrites old-version memories, and only those."""
    fake = FakeAPI()
    old_ids = [fake.add_memory(KEYRING.encrypt(f"old{i}", USER_ID)) for i in range(5)]
    new_ring = Keyring.from_hex(NEW_KEY, 2)
    fresh_id = fake.add_memory(new_ring.encrypt("fresh", USER_ID))
    broken_id = fake.add_memory("plaintext")
    merged = credentials().rotated_to(credentials(encryption_key=NEW_KEY, key_version=2))
    async with fake.client() as client:
        user = client.user(merged)
        result = await user.reencrypt_memories(concurrency=2)
        assert (result.scanned, result.reencrypted, result.failed_ids) == (7, 5, (broken_id,))
        for memory_id in old_ids:
            assert envelope_key_version(fake.memories[memory_id]["content"]) == 2
        new_only = client.user(credentials(encryption_key=NEW_KEY, key_version=2))
        assert (await new_only.get_memory(old_ids[0])).content == "old0"
        assert (await user.reencrypt_memories()).reencrypted == 0
    assert envelope_key_version(fake.memories[fresh_id]["content"]) == 2


async def test_reencryption_skips_a_memory_changed_since_the_listing() -> None:
    """Content written by someone else between listing and rewriting is not overwritten."""
    fake = FakeAPI()
    old_ring = Keyring.from_hex(ENCRYPTION_KEY, 1)
    stale = fake.add_memory(old_ring.encrypt("old text", USER_ID))
    untouched = fake.add_memory(old_ring.encrypt("other", USER_ID))
    new = Credentials(
        user_id=USER_ID, memory_key=MEMORY_KEY, encryption_key="cd" * 32, key_version=2
    )
    merged = credentials().rotated_to(new)
    newer_text = merged._keyring.encrypt("written after the listing", USER_ID)
    path = f"/memory-blobs/{stale}"

    def changed_meanwhile(request: httpx.Request) -> httpx.Response:
        fake.memories[stale]["content"] = newer_text
        return fake._route(request, path)

    fake.fail("GET", path, changed_meanwhile)
    async with fake.client() as client:
        result = await client.user(merged).reencrypt_memories()
    assert result.skipped_ids == (stale,)
    assert result.reencrypted == 1
    assert fake.memories[stale]["content"] == newer_text
    assert merged._keyring.decrypt(fake.memories[untouched]["content"], USER_ID) == "other"
    assert not merged._keyring.needs_reencryption(fake.memories[untouched]["content"])


async def test_get_memory_answered_with_another_memory_is_refused() -> None:
    """get_memory("mem_0001") answered with mem_0009's body is an APIResponseValidationError
    naming both ids; nothing of the other memory is returned."""
    fake = FakeAPI()
    asked = fake.add_memory(KEYRING.encrypt("mine", USER_ID))
    other = {**fake.memories[asked], "id": "mem_0009"}
    fake.fail("GET", f"/memory-blobs/{asked}", httpx.Response(200, json=other))
    async with fake.client() as client:
        with pytest.raises(APIResponseValidationError) as info:
            await client.user(credentials()).get_memory(asked)
    assert (info.value.field, info.value.status_code) == ("id", 200)
    assert "mem_0001" in str(info.value)
    assert "mem_0009" in str(info.value)


async def test_update_answered_about_another_memory_is_refused() -> None:
    """An update whose answer carries another id is refused naming both."""
    fake = FakeAPI()
    asked = fake.add_memory(KEYRING.encrypt("mine", USER_ID))
    other = {k: v for k, v in fake.memories[asked].items() if k != "content"} | {"id": "mem_0009"}
    fake.fail("PATCH", f"/memory-blobs/{asked}", httpx.Response(200, json=other))
    async with fake.client() as client:
        with pytest.raises(APIResponseValidationError) as info:
            await client.user(credentials()).update_memory(asked, title="t")
    assert "mem_0009" in str(info.value)


async def test_get_tag_answered_with_another_tag_is_refused() -> None:
    """get_tag("tag_1") answered with tag_9 is refused naming both."""
    fake = FakeAPI()
    tag = {
        "id": "tag_9",
        "name": "work",
        "color": "#4F46E5",
        "is_enabled": True,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    fake.fail("GET", "/tags/tag_1", httpx.Response(200, json=tag))
    async with fake.client() as client:
        with pytest.raises(APIResponseValidationError) as info:
            await client.user(credentials()).get_tag("tag_1")
    assert "tag_1" in str(info.value)
    assert "tag_9" in str(info.value)


BROKEN_ITEMS: Final[dict[str, tuple[Callable[[dict[str, Any]], object], str, str, bool]]] = {
    # name: (how the second item is broken, its field, what it is, whether its id is kept)
    "integer id": (lambda item: {**item, "id": 7}, "memoryBlobs[1].id", "an integer", False),
    "no content": (
        lambda item: {k: v for k, v in item.items() if k != "content"},
        "memoryBlobs[1].content",
        "missing",
        True,
    ),
    "no id": (
        lambda item: {k: v for k, v in item.items() if k != "id"},
        "memoryBlobs[1].id",
        "missing",
        False,
    ),
    "tags not a list": (
        lambda item: {**item, "tags": "a,b"},
        "memoryBlobs[1].tags",
        "a string",
        True,
    ),
    "not an object": (lambda item: "m1", "memoryBlobs[1]", "a string", False),
}


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("broken", list(BROKEN_ITEMS))
async def test_an_unreadable_listed_item_hides_no_other(strict: bool, broken: str) -> None:
    """One item the generated model or our conversion refuses: the other memories of its page
    and the later pages all come; strict=False records it on failures (with its id when it has
    a readable one), strict=True raises it after them."""
    breaks, field, received, keeps_id = BROKEN_ITEMS[broken]
    fake = FakeAPI()
    ids = [fake.add_memory(KEYRING.encrypt(f"m{i}", USER_ID)) for i in range(4)]
    first = [fake.memories[ids[0]], breaks(dict(fake.memories[ids[1]]))]
    fake.fail(
        "GET",
        "/memory-blobs",
        httpx.Response(200, json={"memoryBlobs": first, "next_cursor": "c2"}),
        httpx.Response(
            200, json={"memoryBlobs": [fake.memories[i] for i in ids[2:]], "next_cursor": None}
        ),
    )
    async with fake.client() as client:
        iterator = client.user(credentials()).list_memories(strict=strict)
        seen: list[str] = []
        raised: APIResponseValidationError | None = None
        try:
            async for found in iterator:
                seen.append(found.id)
        except APIResponseValidationError as exc:
            raised = exc
        ended = [m async for m in iterator]
    assert seen == [ids[0], ids[2], ids[3]]
    assert (raised is not None) is strict
    assert ended == []
    [failure] = iterator.failures
    assert isinstance(failure, APIResponseValidationError)
    assert (failure.field, failure.received) == (field, received)
    assert iterator.failed_ids == (ids[1] if keeps_id else "?",)
    if raised is not None:
        assert raised.field == field


@pytest.mark.parametrize("dot", [".", ".."])
async def test_a_listed_dot_segment_id_is_skipped_and_stops_a_rotation_unsent(dot: str) -> None:
    """A server that lists a memory with id '..': the listing skips it into failures, and a key
    rotation stops with the error before any request to that id (a request to '..' would reach
    /memory-blobs itself, or another endpoint)."""
    fake = FakeAPI()
    good = fake.add_memory(KEYRING.encrypt("kept", USER_ID))
    listed = [fake.memories[good], {**fake.memories[good], "id": dot}]
    page = httpx.Response(200, json={"memoryBlobs": listed, "next_cursor": None})
    fake.fail("GET", "/memory-blobs", page, page)
    merged = credentials().rotated_to(credentials(encryption_key=NEW_KEY, key_version=2))
    async with fake.client() as client:
        iterator = client.user(credentials()).list_memories(strict=False)
        assert [memory.id async for memory in iterator] == [good]
        [failure] = iterator.failures
        assert isinstance(failure, APIResponseValidationError)
        assert (failure.field, failure.received) == ("memoryBlobs[1].id", "a dot segment")
        with pytest.raises(APIResponseValidationError, match="dot segment"):
            await client.user(merged).reencrypt_memories()
    paths = [request.url.path for request in fake.requests]
    assert not any(
        path.rstrip("/").endswith(("/memory-blobs/.", "/memory-blobs/..")) for path in paths
    )
    assert [request.method for request in fake.requests if request.method == "PATCH"] == []
    assert envelope_key_version(fake.memories[good]["content"]) == 1
