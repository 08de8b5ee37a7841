"""schemathesis hooks for ``make schemathesis`` (named by the config file it writes).

A generated create that carries an ``Idempotency-Key`` gets a fresh one. openapi.yaml says a
server that honours the header answers a repeated key with the first response and creates
nothing; schemathesis draws keys from a small space, so its stateful phase would see a replayed
create point at a memory it had deleted since and report "created resource not found". A key
longer than the spec's 255 characters is left as generated: that negative case must still be
refused.
"""

from __future__ import annotations

import uuid
from typing import Any

import schemathesis

MAX_KEY_LENGTH = 255


@schemathesis.hook
def map_headers(context: Any, headers: dict[str, Any] | None) -> dict[str, Any] | None:
    """A new Idempotency-Key for each generated create that has a valid one."""
    key = (headers or {}).get("Idempotency-Key")
    if headers is None or not isinstance(key, str) or len(key) > MAX_KEY_LENGTH:
        return headers
    return {**headers, "Idempotency-Key": uuid.uuid4().hex}
