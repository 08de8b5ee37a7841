"""Server text made safe to show: secrets the request sent, and anything secret-like, removed.

Pure functions, no I/O: a server may echo what it was sent (the API key, a memory key, content,
the bearer token) into an error message, and an app's event hook may quote the request in its
exception; none of that may reach an exception or a log line.

An echo is found however it was mangled on the way: text is compared with control and format
characters (NUL, ESC, newlines, zero-width and bidi characters) removed, with terminal escape
sequences removed too, and case folded, so ``mK_\\u200bSECRET\\x00`` still matches the memory
key ``mk_secret``. What is found is replaced in the original text, hidden characters and all;
what is left is shown by :func:`printable`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Final

import httpx

from ._printable import printable

# What a server might echo back that must never reach a message: JWTs, envelopes, API keys,
# and any long run of hex or base64.
_SECRETISH: Final = re.compile(
    r"eyJ[\w-]+\.[\w-]+(?:\.[\w-]*)?|mrm1\.[\w-]+|mem_[0-9a-fA-F]{16,}|[A-Za-z0-9_+/=]{32,}"
)
# Request body fields whose values a server must not be able to echo into an error message.
_SENT_SECRET_FIELDS: Final = ("api_key", "memoryKey", "memory_key", "content")
# Very short values are left alone: replacing them would garble the message.
_MIN_REDACTED: Final = 6
_REDACTED: Final = "[redacted]"
# Control and format characters: removed before comparing.
_HIDDEN: Final = frozenset({"Cc", "Cf"})
# Terminal escape sequences (CSI such as ESC [ 0 m, and OSC): a terminal shows none of their
# characters. Text is compared both with them removed whole and with only their control
# character removed: a sequence may swallow the first character of a secret ("ESC [" + "mk_").
_TERMINAL_ESCAPE: Final = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
)
_ESCAPE_STARTS: Final = re.compile(r"[\x1b\x9b\x9d]")


def _is_hidden(char: str) -> bool:
    return unicodedata.category(char) in _HIDDEN


def _plain(text: str) -> bool:
    """Whether ``text`` has nothing to remove and folds like ASCII (one C pass each)."""
    return text.isascii() and text.isprintable()


def fold(text: str) -> str:
    """``text`` as redaction compares it: without control and format characters, case folded."""
    if _plain(text):
        return text.lower()
    hidden = {ord(char): None for char in set(text) if _is_hidden(char)}
    return text.translate(hidden).casefold()


def _views(
    text: str, *, without_sequences: bool = False
) -> tuple[str, str, Sequence[int], Sequence[int]]:
    """``text`` without hidden characters (and terminal escape sequences, if asked), the same
    case folded, and for each character of either the index in ``text`` it came from."""
    if _plain(text):
        every = range(len(text))
        return text, text.lower(), every, every
    visible: list[str] = []
    folded: list[str] = []
    visible_from: list[int] = []
    folded_from: list[int] = []
    escaped = (
        {i for found in _TERMINAL_ESCAPE.finditer(text) for i in range(*found.span())}
        if without_sequences
        else set()
    )
    for index, char in enumerate(text):
        if index in escaped or _is_hidden(char):
            continue
        visible.append(char)
        visible_from.append(index)
        lower = char.casefold()  # may be longer: "ß" folds to "ss"
        folded.append(lower)
        folded_from.extend([index] * len(lower))
    return "".join(visible), "".join(folded), visible_from, folded_from


def _echo_spans(folded: str, secret: str) -> Iterable[tuple[int, int]]:
    """Where ``secret`` (folded) occurs in ``folded``, and a start of it that ends the text
    (an echo cut short), as (start, end) in ``folded``."""
    start = folded.find(secret)
    while start != -1:
        yield start, start + len(secret)
        start = folded.find(secret, start + len(secret))
    for size in range(min(len(secret) - 1, len(folded)), _MIN_REDACTED - 1, -1):
        if folded.endswith(secret[:size]):
            yield len(folded) - size, len(folded)
            return


def remove_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every echo of ``secrets`` and every secret-like run replaced by
    ``[redacted]``, found with control and format characters removed and case folded."""
    folded_secrets = {fold(value) for value in secrets}
    spans: list[tuple[int, int]] = []
    for without_sequences in (False, True) if _ESCAPE_STARTS.search(text) else (False,):
        visible, folded, visible_from, folded_from = _views(
            text, without_sequences=without_sequences
        )
        for secret in folded_secrets:
            if len(secret) >= _MIN_REDACTED:
                spans += [
                    (folded_from[start], folded_from[end - 1] + 1)
                    for start, end in _echo_spans(folded, secret)
                ]
        for found in _SECRETISH.finditer(visible):
            spans.append((visible_from[found.start()], visible_from[found.end() - 1] + 1))
    if not spans:
        return text
    pieces: list[str] = []
    shown_to = 0
    for start, end in sorted(spans):
        if end <= shown_to:
            continue
        if start >= shown_to:
            pieces += [text[shown_to:start], _REDACTED]
        shown_to = end
    pieces.append(text[shown_to:])
    return "".join(pieces)


def clean_text(text: object, limit: int = 200, redact: Iterable[str] = ()) -> str | None:
    """Server text made safe for a message: the ``redact`` values (the secrets this request
    sent, which a server may echo) and secret-like runs removed, then one printable line of at
    most ``limit`` characters (see :func:`printable`); None when nothing is left."""
    if not isinstance(text, str):
        return None
    # Cut generously first: whatever can be shown is well inside; an echo cut here is still
    # found, by its start at the end of the text.
    text = remove_secrets(text[: limit * 4 + 1024], redact).strip()
    return printable(text, limit) or None


def sent_secrets(request: httpx.Request) -> list[str]:
    """The secrets a request carries (bearer token, API key, memory key, content), to be
    redacted from whatever the server says back."""
    values = []
    _scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if token:
        values.append(token)
    try:
        body = json.loads(request.content) if request.content else None
    except (ValueError, RecursionError, httpx.RequestNotRead):
        body = None
    if isinstance(body, dict):
        for field in _SENT_SECRET_FIELDS:
            value = body.get(field)
            if isinstance(value, str) and len(value) >= _MIN_REDACTED:
                values.append(value)
    return values
