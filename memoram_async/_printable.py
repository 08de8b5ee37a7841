"""Text a server controls, made safe to show in an exception message or a log line. Pure.

Ids, error codes, messages and request ids come from the server (or whatever answers in its
place). Shown raw, a newline forges a log line, ESC drives the reader's terminal, and a bidi
control (U+202E) or a zero-width character makes text read other than it is. Here every
character that is not printable (``str.isprintable``: controls, format characters, line and
paragraph separators, unassigned and private code points, non-ASCII spaces) is written as its
Python escape (``\\n``, ``\\x1b``, ``\\u202e``, ``\\u200b``), so what is shown is one printable
line that still says what was there, and the length shown is bounded.

:func:`printable` leaves backslashes alone, so applying it twice changes nothing; :func:`quoted`,
for ids, is repr-like: in quotes, with backslashes and quotes escaped too, so an id cannot pass
for the text around it.
"""

from __future__ import annotations

from typing import Final

_ELLIPSIS: Final = "..."
_SHORT_ESCAPES: Final = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_QUOTED_ESCAPES: Final = {**_SHORT_ESCAPES, "\\": "\\\\", "'": "\\'"}


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _shown(text: str, limit: int, escapes: dict[str, str]) -> str:
    """``text`` with ``escapes`` applied and every other non-printable character escaped, at most
    ``limit`` characters long (cut between two escapes, ending in "...")."""
    # Only limit + 1 characters can matter: each is shown as at least one character.
    pieces = [
        escapes.get(char) or (char if char.isprintable() else _escape(char))
        for char in text[: limit + 1]
    ]
    whole = "".join(pieces)
    if len(text) <= limit and len(whole) <= limit:
        return whole
    kept: list[str] = []
    size = 0
    room = max(limit - len(_ELLIPSIS), 0)
    for piece in pieces:
        if size + len(piece) > room:
            break
        kept.append(piece)
        size += len(piece)
    return "".join(kept) + _ELLIPSIS


def printable(text: str, limit: int = 200) -> str:
    """``text`` as one printable line of at most ``limit`` characters: every character that is
    not printable escaped (``\\n``, ``\\x1b``, ``\\u200b``), the rest cut off with "..."."""
    if len(text) <= limit and text.isprintable():  # the common case, in one C pass
        return text
    return _shown(text, limit, _SHORT_ESCAPES)


def quoted(text: str, limit: int = 100) -> str:
    """An id the server sent, shown repr-like: in single quotes, printable, backslashes and
    quotes escaped, at most ``limit`` characters between the quotes."""
    return "'" + _shown(text, limit, _QUOTED_ESCAPES) + "'"
