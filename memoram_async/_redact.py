"""Server text made safe to show: secrets the request sent, and anything secret-like, removed.

Pure functions, no I/O: a server may echo what it was sent (the API key, a memory key, content,
the bearer token) into an error message, and none of that may reach an exception or a log line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Final

import httpx

# What a server might echo back that must never reach a message: JWTs, envelopes, API keys,
# and any long run of hex or base64.
_SECRETISH: Final = re.compile(
    r"eyJ[\w-]+\.[\w-]+(?:\.[\w-]*)?|mrm1\.[\w-]+|mem_[0-9a-fA-F]{16,}|[A-Za-z0-9_+/=]{32,}"
)
# Request body fields whose values a server must not be able to echo into an error message.
_SENT_SECRET_FIELDS: Final = ("api_key", "memoryKey", "memory_key", "content")
# Very short values are left alone: replacing them would garble the message.
_MIN_REDACTED: Final = 6


def clean_text(text: object, limit: int = 200, redact: Iterable[str] = ()) -> str | None:
    """Server text made safe for a message: one line, printable, secret-like runs and the
    ``redact`` values (the secrets this request sent, which a server may echo) removed."""
    if not isinstance(text, str):
        return None
    # Cut generously first, so that no secret is split at the final cut before it is removed.
    text = text[: limit * 4 + 1024]
    for value in redact:
        text = text.replace(value, "[redacted]")
    text = " ".join(text[: limit * 4].split())
    text = "".join(c for c in text if c.isprintable())
    text = _SECRETISH.sub("[redacted]", text)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text or None


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
