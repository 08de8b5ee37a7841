"""Reading a page of memories item by item, and refusing an answer about another object."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from memoram_api import models as api

from memoram_async import DecryptionError, Memory
from memoram_async._body import parse_json_marked
from memoram_async._convert import memory_from_api, same_id
from memoram_async._memory_wire import read_page
from memoram_async._pagination import BrokenItem
from memoram_async._shapes import ResponseShapeError

USER = uuid.UUID("123e4567-e89b-12d3-a456-426614174000")
OTHER_USER = "00000000-0000-4000-8000-000000000000"
NOW = "2026-01-01T00:00:00Z"


def blob(memory_id: object = "m1", **fields: Any) -> dict[str, Any]:
    """A listed memory as JSON."""
    return {"id": memory_id, "content": "stored", "created_at": NOW, **fields}


def read(generated: api.MemoryBlob) -> Memory:
    """Reads a memory as the SDK does; content "undecryptable" fails decryption."""
    content = generated.content
    if content == "undecryptable":
        raise DecryptionError("bad tag", memory_id=str(generated.id))
    return memory_from_api(generated, user_id=USER, content=str(content))


def summary(items: list[Any]) -> list[str]:
    """Each item as "id" (a memory), "!id" (undecryptable) or "field/received" (broken)."""
    out = []
    for item in items:
        if isinstance(item, Memory):
            out.append(item.id)
        elif isinstance(item, DecryptionError):
            out.append(f"!{item.memory_id}")
        else:
            assert isinstance(item, BrokenItem)
            out.append(f"{item.item_id}:{item.shape.field}/{item.shape.received}")
    return out


def test_a_page_reads_every_good_item_around_the_broken_ones() -> None:
    """Each item is read on its own: broken ones are BrokenItems naming their field, the
    undecryptable one is its DecryptionError, the rest are memories, in order."""
    page = {
        "memoryBlobs": [
            blob("m1"),
            blob(7),
            {"id": "m3", "created_at": NOW},
            blob("m4", importance="high"),
            "not an object",
            blob("m6", content="undecryptable"),
            blob("m7", user_id=OTHER_USER),
            blob("m8", created_at="yesterday"),
            blob("m9"),
        ],
        "next_cursor": "c2",
    }
    items, cursor = read_page(page, read)
    assert cursor == "c2"
    assert summary(items) == [
        "m1",
        "None:memoryBlobs[1].id/an integer",
        "m3:memoryBlobs[2].content/missing",
        "m4:memoryBlobs[3].importance/a string",
        "None:memoryBlobs[4]/a string",
        "!m6",
        "m7:memoryBlobs[6].user_id/another user's id",
        "m8:memoryBlobs[7].created_at/a string that is not a date-time",
        "m9",
    ]


@pytest.mark.parametrize(
    ("page", "field", "received"),
    [
        ([], "", "an array"),
        ({"next_cursor": None}, "memoryBlobs", "missing"),
        ({"memoryBlobs": {}, "next_cursor": None}, "memoryBlobs", "an object"),
        ({"memoryBlobs": []}, "next_cursor", "missing"),
        ({"memoryBlobs": [], "next_cursor": ""}, "next_cursor", "an empty string"),
        ({"memoryBlobs": [], "next_cursor": 3}, "next_cursor", "an integer"),
    ],
)
def test_a_broken_page_is_refused_whole(page: object, field: str, received: str) -> None:
    """Without a readable list or cursor nothing on the page can be trusted."""
    with pytest.raises(ResponseShapeError) as info:
        read_page(page, read)
    assert (info.value.field, info.value.received) == (field, received)


def test_the_last_page_has_a_null_cursor() -> None:
    """next_cursor null ends the listing."""
    assert read_page({"memoryBlobs": [blob()], "next_cursor": None}, read)[1] is None


def test_same_id_names_both_ids() -> None:
    """An answer about another id is refused with both ids in the message."""
    same_id("mem_1", "mem_1")
    with pytest.raises(ResponseShapeError) as info:
        same_id("mem_1", "mem_9")
    assert info.value.field == "id"
    assert "mem_1" in str(info.value)
    assert "mem_9" in str(info.value)


def test_same_id_shows_a_hostile_id_escaped() -> None:
    """A server id with control characters is shown escaped and bounded."""
    with pytest.raises(ResponseShapeError) as info:
        same_id("mem_1", "\x1b]0;pwned\x07" + "x" * 100)
    text = str(info.value)
    assert "\x1b" not in text
    assert "\x07" not in text
    assert text.isprintable()
    assert len(text) < 200


def test_an_item_with_a_non_finite_number_or_a_repeated_key_is_broken_alone() -> None:
    """Strict JSON is refused item by item in a page: NaN in one item, a key twice in another
    (its id then untrusted); the other items are read."""
    body = (
        b'{"memoryBlobs": [{"id": "m1", "content": "a"}, '
        b'{"id": "m2", "content": "b", "confidence": NaN}, '
        b'{"id": "m3", "id": "m9", "content": "c"}, '
        b'{"id": "m4", "content": "d", "tags": [1e999]}], "next_cursor": null}'
    )
    data, marked = parse_json_marked(body)
    items, _ = read_page(data, read, marked=marked)
    assert summary(items) == [
        "m1",
        "m2:memoryBlobs[1].confidence/a non-finite number",
        "None:memoryBlobs[2].id/a key given twice",
        "m4:memoryBlobs[3].tags[0]/a non-finite number",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"memoryBlobs": [], "next_cursor": null, "next_cursor": "c"}', "next_cursor"),
        (b'{"memoryBlobs": [], "memoryBlobs": [], "next_cursor": null}', "memoryBlobs"),
        (b'{"memoryBlobs": [], "next_cursor": null, "total": Infinity}', "total"),
    ],
)
def test_strict_json_outside_the_items_breaks_the_page(body: bytes, field: str) -> None:
    """A repeated key or a non-finite number in the page itself refuses the whole page."""
    data, marked = parse_json_marked(body)
    with pytest.raises(ResponseShapeError) as info:
        read_page(data, read, marked=marked)
    assert info.value.field == field
