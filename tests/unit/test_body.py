"""Reading an answer's body: the size cap while streaming, and JSON with exactly one meaning."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from memoram_async._body import BodyTooLarge, declared_length, parse_json, read_capped, shown
from memoram_async._shapes import ResponseShapeError


def refusal(body: bytes) -> ResponseShapeError:
    """What parse_json raises for ``body``."""
    with pytest.raises(ResponseShapeError) as info:
        parse_json(body)
    return info.value


def test_plain_json_reads_as_json_does() -> None:
    """A well-formed body gives what json.loads gives, numbers and nesting included."""
    body = b'{"memoryBlobs": [{"id": "m1", "importance": 0.5, "n": 3, "x": null}], "c": "\\u00e9"}'
    assert parse_json(body) == json.loads(body)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"id": "m1", "id": "m9"}', "id"),
        (
            b'{"memoryBlobs": [{"id": "a"}, {"id": "m1", "content": "x", "id": "m9"}]}',
            "memoryBlobs[1].id",
        ),
        (b'{"a": {"b": {"c": 1, "c": 1}}}', "a.b.c"),
    ],
)
def test_a_key_given_twice_is_refused_with_its_path(body: bytes, field: str) -> None:
    """Two equal keys in one object (even with equal values) are refused, naming the key's path."""
    error = refusal(body)
    assert (error.field, error.expected, error.received) == (
        field,
        "a key given once",
        "a key given twice",
    )
    assert field in str(error)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"confidence": NaN}', "confidence"),
        (b'{"memoryBlobs": [{"importance": Infinity}]}', "memoryBlobs[0].importance"),
        (b'{"a": [1, 2, -Infinity]}', "a[2]"),
        (b'{"memoryBlobs": [{"confidence": 1e999}]}', "memoryBlobs[0].confidence"),
        (b'{"x": -1E400}', "x"),
    ],
)
def test_non_finite_numbers_are_refused_naming_the_field(body: bytes, field: str) -> None:
    """NaN, Infinity, -Infinity and numbers too large for a float are refused by field path."""
    error = refusal(body)
    assert (error.field, error.expected, error.received) == (
        field,
        "a finite number",
        "a non-finite number",
    )


def test_tiny_and_large_finite_numbers_are_kept() -> None:
    """Underflow to 0 and the largest finite floats are numbers like any other."""
    assert parse_json(b"[1e-999, 1.7e308, -1.7e308]") == [0.0, 1.7e308, -1.7e308]


def test_the_first_problem_in_document_order_is_named() -> None:
    """With several problems, the one met first is reported."""
    error = refusal(b'{"a": [{"ok": 1}, {"n": NaN}], "b": {"k": 1, "k": 2}}')
    assert error.field == "a[1].n"


@pytest.mark.parametrize(
    ("body", "received"),
    [
        (b"", "not valid JSON"),
        (b"{", "not valid JSON"),
        (b"\xff\xfe\x00", "not valid JSON"),
        (b"[" + b"1" * 5000 + b"]", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_bodies_that_are_not_json(body: bytes, received: str) -> None:
    """Not JSON, an integer of too many digits, or nesting deeper than the parser goes."""
    error = refusal(body)
    assert (error.field, error.received) == ("", received)


def test_a_hostile_key_is_shown_printable_and_bounded() -> None:
    """A key with control or bidi characters appears escaped and cut, never raw, in the path."""
    key = "\x1b[31mred\u202e" + "k" * 200
    quoted = json.dumps(key, ensure_ascii=False)
    error = refusal(f'{{"outer": {{{quoted}: 1, {quoted}: 2}}}}'.encode())
    assert error.field is not None
    assert error.field.startswith("outer.")
    assert error.field.isprintable()
    assert error.field.isascii()
    assert "\x1b" not in str(error)
    assert "\u202e" not in str(error)
    assert len(error.field) < 80


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("memoryBlobs", "memoryBlobs"),
        ("next_cursor", "next_cursor"),
        ("x-new", "'x-new'"),
        ("a b", "'a b'"),
        ("\x07", "'\\x07'"),
        ("\u202e", "'\\u202e'"),
        ("x" * 50, "'" + "x" * 37 + "...'"),
    ],
)
def test_shown_keeps_plain_keys_and_quotes_the_rest(key: str, expected: str) -> None:
    """Plain keys appear as they are in a field path; anything else quoted, escaped, bounded."""
    assert shown(key) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (" 7 ", 7), (None, None), ("", None), ("-1", None), ("1e3", None), ("٣", None)],
)
def test_declared_length(value: str | None, expected: int | None) -> None:
    """Content-Length is read when it is plain ASCII digits, and ignored otherwise."""
    assert declared_length(value) == expected


class Chunks:
    """An async stream of chunks that counts how many were pulled."""

    def __init__(self, *chunks: bytes, endless: bytes | None = None) -> None:
        self.chunks = list(chunks)
        self.endless = endless
        self.pulled = 0

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.pulled += 1
            yield chunk
        while self.endless is not None:
            self.pulled += 1
            yield self.endless


async def test_a_body_within_the_cap_is_read_whole() -> None:
    """Chunks up to the cap (exactly the cap included) are joined."""
    assert await read_capped(aiter(Chunks(b"ab", b"cd")), 4, None) == b"abcd"
    assert await read_capped(aiter(Chunks(b"abcd")), 4, 4) == b"abcd"
    assert await read_capped(aiter(Chunks()), 4, 0) == b""


async def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    """A Content-Length over the cap is refused without pulling a single chunk."""
    stream = Chunks(b"x")
    with pytest.raises(BodyTooLarge) as info:
        await read_capped(aiter(stream), 10, 50_000_000)
    assert (info.value.size, info.value.limit, info.value.declared) == (50_000_000, 10, True)
    assert stream.pulled == 0


async def test_an_endless_body_is_refused_once_past_the_cap() -> None:
    """Without (or despite) a Content-Length, reading stops at the first chunk over the cap."""
    stream = Chunks(endless=b"x" * 1000)
    with pytest.raises(BodyTooLarge) as info:
        await read_capped(aiter(stream), 10_000, 5)
    assert info.value.declared is False
    assert info.value.size == 11_000
    assert stream.pulled == 11
