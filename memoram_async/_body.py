"""Reading an answer's body: at most so many bytes, and JSON with exactly one meaning.

An answer is read against a cap (``max_response_bytes``): a declared ``Content-Length`` over it
is refused before anything is read, and the decoded bytes are counted while streaming, so
neither a huge body nor a small compressed one that inflates is ever held whole.

JSON is parsed strictly. Python's ``json`` module, like most parsers, takes the last of two
equal keys and reads ``NaN``, ``Infinity`` and ``1e999`` as floats; an answer that means
different things to different readers (a proxy, a log, this SDK) or a number no JSON writer
should produce is refused as a :class:`ResponseShapeError` naming the field. Server text shown
in a field path (a key) is reduced to printable characters and bounded.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import AsyncIterator
from typing import Any, Final

from ._printable import quoted
from ._shapes import ResponseShapeError

# Keys longer than this are cut in a field path.
_SHOWN: Final = 40
_PLAIN: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)


class BodyTooLarge(Exception):
    """An answer body over the cap (internal; the request layer makes it a typed error).

    Attributes:
        limit: The cap, in bytes.
        size: At least this many bytes: the declared ``Content-Length``, or the decoded bytes
            counted before the reading stopped.
        declared: Whether ``size`` is the declared ``Content-Length``.
    """

    def __init__(self, limit: int, size: int, *, declared: bool) -> None:
        super().__init__(f"the body is {'declared as ' if declared else 'at least '}{size} bytes")
        self.limit = limit
        self.size = size
        self.declared = declared


def declared_length(value: str | None) -> int | None:
    """The ``Content-Length`` header as an int, or None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() else None


async def read_capped(chunks: AsyncIterator[bytes], limit: int, declared: int | None) -> bytes:
    """The body from ``chunks`` (decoded bytes), refused as soon as it is over ``limit``.

    Args:
        chunks: The body as it streams (``response.aiter_bytes()``: after Content-Encoding).
        limit: The most bytes accepted.
        declared: The answer's ``Content-Length``, when it sent one.

    Raises:
        BodyTooLarge: Over ``limit``, declared or counted; the rest is never read.
        httpx.DecodingError, httpx.TransportError: From the stream itself.
    """
    if declared is not None and declared > limit:
        raise BodyTooLarge(limit, declared, declared=True)
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit, size, declared=False)
        parts.append(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def shown(key: str) -> str:
    """A key the server sent, fit for a field path: as is when it is a plain name, else quoted
    (printable, bounded)."""
    if len(key) <= _SHOWN and _PLAIN.fullmatch(key):
        return key
    return quoted(key, _SHOWN)


class _Repeated(dict[str, Any]):
    """An object of the body with a key given twice (the first such key is kept)."""

    repeated: str = ""


class _NonFinite:
    """Stands in for a non-finite number until the body is refused."""


_NON_FINITE: Final = _NonFinite()


class _Scan:
    """The parser's hooks: they mark what must be refused, found afterwards with its path."""

    def __init__(self) -> None:
        self.flagged = False

    def pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        self.flagged = True
        repeated = _Repeated(obj)
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                repeated.repeated = key
                break
            seen.add(key)
        return repeated

    def constant(self, name: str) -> object:
        # NaN, Infinity, -Infinity: not JSON, though Python's json reads them.
        self.flagged = True
        return _NON_FINITE

    def number(self, text: str) -> object:
        value = float(text)
        if math.isfinite(value):
            return value
        self.flagged = True  # e.g. 1e999, which a float cannot hold
        return _NON_FINITE


def parse_json(content: bytes) -> Any:
    """The JSON value of an answer body, refusing what has more than one reading.

    Raises:
        ResponseShapeError: Not JSON, nested too deeply, a key given twice in one object, or a
            number that is not finite; named by field path (``memoryBlobs[0].confidence``).
    """
    data, marked = parse_json_marked(content)
    if marked:
        problem = refused_in(data)
        if problem is not None:
            raise problem
    return data


def parse_json_marked(content: bytes) -> tuple[Any, bool]:
    """The JSON value of an answer body, with what :func:`parse_json` refuses left marked in
    place, and whether there is any: a caller that reads a list item by item refuses the item
    that holds a mark (:func:`refused_in`), not the whole list.

    Raises:
        ResponseShapeError: Not JSON, or nested too deeply.
    """
    scan = _Scan()
    try:
        data = json.loads(
            content,
            object_pairs_hook=scan.pairs,
            parse_constant=scan.constant,
            parse_float=scan.number,
        )
    except RecursionError:
        raise ResponseShapeError(field="", expected="JSON", received="nested too deeply") from None
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, an int of too many digits
        raise ResponseShapeError(field="", expected="JSON", received="not valid JSON") from None
    return data, scan.flagged


def refused_in(value: Any, path: str = "", *, skip: str | None = None) -> ResponseShapeError | None:
    """The first (outermost, then in document order) key given twice or non-finite number in a
    value from :func:`parse_json_marked`, named from ``path``; the key ``skip`` of ``value``
    itself is not looked into (a list read item by item)."""
    # Iterative: the body may be nested as deeply as the parser allows.
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if item is _NON_FINITE:
            return ResponseShapeError(
                field=where, expected="a finite number", received="a non-finite number"
            )
        if isinstance(item, dict):
            if isinstance(item, _Repeated):
                return ResponseShapeError(
                    field=_child(where, item.repeated),
                    expected="a key given once",
                    received="a key given twice",
                )
            children = [
                (_child(where, k), v) for k, v in item.items() if not (item is value and k == skip)
            ]
        elif isinstance(item, list):
            children = [(f"{where}[{i}]", v) for i, v in enumerate(item)]
        else:
            continue
        stack.extend(reversed(children))
    return None


def _child(path: str, key: str) -> str:
    return f"{path}.{shown(key)}" if path else shown(key)
