"""The request fields whose values redaction removes are the spec's own wire names."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from memoram_async._redact import _SENT_SECRET_FIELDS

SPEC: dict[str, Any] = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "openapi.yaml").read_text()
)
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
# What a secret's wire name looks like: a key, a token, a password, or the memory's content.
SECRETISH_NAME = re.compile(r"key|token|secret|password|^content$", re.IGNORECASE)


def _request_schemas() -> set[str]:
    names = set()
    for methods in SPEC["paths"].values():
        for operation in methods.values():
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                names.add(media["schema"]["$ref"].rsplit("/", 1)[-1])
    return names


def test_every_redacted_field_is_a_wire_name_of_the_spec() -> None:
    """Each field redaction knows is a property of a schema in openapi.yaml (a renamed field
    fails here instead of silently leaking)."""
    properties = {name for schema in SCHEMAS.values() for name in schema.get("properties", {})}
    assert set(_SENT_SECRET_FIELDS) <= properties, set(_SENT_SECRET_FIELDS) - properties


def test_every_secret_a_request_body_carries_is_redacted() -> None:
    """Every property of a request body whose name says it is secret is redacted from what the
    server says back."""
    carried = {
        name
        for schema in _request_schemas()
        for name in SCHEMAS[schema].get("properties", {})
        if SECRETISH_NAME.search(name)
    }
    assert carried == {"api_key", "memoryKey", "content"}
    assert carried <= set(_SENT_SECRET_FIELDS)
