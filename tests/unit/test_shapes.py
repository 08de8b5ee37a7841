"""The tolerant reader's table matches openapi.yaml, and shape errors name fields, not values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from memoram_async._operations import OPERATIONS
from memoram_async._shapes import (
    RESPONSE_SHAPES,
    Field,
    ResponseShapeError,
    first_problem,
    json_type,
    locate_shape_error,
)

SPEC: dict[str, Any] = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "openapi.yaml").read_text()
)
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
# Read by the SDK although the spec leaves them optional: a memory without an id cannot be
# addressed (docs/tolerant-reader.md).
STRICTER_THAN_SPEC = {("MemoryBlobResponse", "id"), ("MemoryBlob", "id")}


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def spec_schema(name: str) -> tuple[dict[str, Any], set[str]]:
    """A schema's properties and required names, with allOf merged."""
    schema = SCHEMAS[name]
    properties: dict[str, Any] = {}
    required: set[str] = set()
    for part in schema.get("allOf", [schema]):
        part = SCHEMAS[_ref_name(part["$ref"])] if "$ref" in part else part
        properties.update(part.get("properties", {}))
        required.update(part.get("required", []))
    return properties, required


def spec_kind(prop: dict[str, Any]) -> str:
    """The table's kind for a spec property."""
    if "$ref" in prop:
        return _ref_name(prop["$ref"])
    if "anyOf" in prop:  # an open enum: any string
        assert {"type": "string"} in prop["anyOf"]
        return "string"
    if prop.get("type") == "string":
        return {"date-time": "date-time", "uuid": "uuid"}.get(prop.get("format", ""), "string")
    return str(prop["type"])


@pytest.mark.parametrize("schema", RESPONSE_SHAPES, ids=list(RESPONSE_SHAPES))
def test_the_table_matches_the_spec(schema: str) -> None:
    """Every field the SDK reads is in the spec with the same type and nullability, and every
    field the spec requires is one the SDK reads (unread fields are not required)."""
    properties, required = spec_schema(schema)
    table = RESPONSE_SHAPES[schema]
    for name, rule in table.items():
        prop = properties[name]
        kind = "string" if rule.kind in ("id", "token") else rule.kind
        assert kind == spec_kind(prop), name
        assert rule.nullable == bool(prop.get("nullable")), name
        if rule.kind == "array":
            assert rule.items == spec_kind(prop["items"]), name
        assert rule.required == (name in required or (schema, name) in STRICTER_THAN_SPEC), name
    assert required <= set(table), required - set(table)


def test_every_operation_has_its_success_schema() -> None:
    """Each operation's model is the schema of its documented success answer, in the table."""
    for path, methods in SPEC["paths"].items():
        for method, operation in methods.items():
            answers = operation["responses"]
            success = next(answers[code] for code in answers if code.startswith("2"))
            ref = success["content"]["application/json"]["schema"]["$ref"]
            op = OPERATIONS[operation["operationId"]]
            assert op.schema == _ref_name(ref), (method, path)
            assert op.schema in RESPONSE_SHAPES, op.schema


BLOB = {"id": "m1", "content": "c", "importance": 0.5, "tags": ["a"]}
PROBLEMS = {
    "fine": ({"memoryBlobs": [BLOB], "next_cursor": None}, None),
    "unknown fields ignored": (
        {"memoryBlobs": [{**BLOB, "x": {}}], "next_cursor": None, "y": 1},
        None,
    ),
    "body not an object": ([BLOB], ("", "an object", "an array")),
    "required missing": (
        {"memoryBlobs": []},
        ("next_cursor", "a non-empty string or null", "missing"),
    ),
    "required null": (
        {"memoryBlobs": None, "next_cursor": None},
        ("memoryBlobs", "an array", "null"),
    ),
    "nested wrong type": (
        {"memoryBlobs": [BLOB, {**BLOB, "importance": "secret"}], "next_cursor": None},
        ("memoryBlobs[1].importance", "a number or null", "a string"),
    ),
    "item of a string list": (
        {"memoryBlobs": [{**BLOB, "tags": ["a", 3]}], "next_cursor": None},
        ("memoryBlobs[0].tags[1]", "a string", "an integer"),
    ),
    "empty cursor": (
        {"memoryBlobs": [], "next_cursor": ""},
        ("next_cursor", "a non-empty string or null", "an empty string"),
    ),
    "empty id": (
        {"memoryBlobs": [{**BLOB, "id": ""}], "next_cursor": None},
        ("memoryBlobs[0].id", "a non-empty string", "an empty string"),
    ),
    "bad date": (
        {"memoryBlobs": [{**BLOB, "created_at": "secret"}], "next_cursor": None},
        (
            "memoryBlobs[0].created_at",
            "a date-time string or null",
            "a string that is not a date-time",
        ),
    ),
    "bad uuid": (
        {"memoryBlobs": [{**BLOB, "user_id": "secret"}], "next_cursor": None},
        ("memoryBlobs[0].user_id", "a UUID string or null", "a string that is not a UUID"),
    ),
    "bool is not a number": (
        {"memoryBlobs": [{**BLOB, "importance": True}], "next_cursor": None},
        ("memoryBlobs[0].importance", "a number or null", "a boolean"),
    ),
}


@pytest.mark.parametrize("case", PROBLEMS.values(), ids=PROBLEMS.keys())
def test_first_problem_names_path_expected_and_received(
    case: tuple[Any, tuple[str, str, str] | None],
) -> None:
    """The walk finds the first broken field of a list page, or nothing in a readable one."""
    body, expected = case
    problem = first_problem(body, "MemoryBlobList")
    if expected is None:
        assert problem is None
    else:
        assert problem is not None
        assert (problem.field, problem.expected, problem.received) == expected
        assert "secret" not in str(problem)


def test_locate_walks_the_raw_body_to_the_broken_field() -> None:
    """A bare TypeError from a parser becomes the broken field of the raw body it was reading."""
    body = json.dumps({"memoryBlobs": [BLOB, {**BLOB, "importance": "hush"}], "next_cursor": None})
    with pytest.raises(TypeError) as info:
        json.loads(body)["memoryBlobs"][1]["importance"] + 1
    located = locate_shape_error(info.value, "listMemories", body.encode())
    assert located.field == "memoryBlobs[1].importance"
    assert str(located) == (
        "memoryBlobs[1].importance should be a number or null but is a string (listMemories)"
    )
    assert "hush" not in str(located)


@pytest.mark.parametrize(
    ("content", "raised", "received"),
    [
        (b'{"memoryBlobs": [', json.JSONDecodeError, "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, RecursionError, "nested too deeply"),
    ],
)
def test_locate_names_a_body_that_is_not_json(
    content: bytes, raised: type[Exception], received: str
) -> None:
    """Unreadable JSON is reported on the body as a whole."""
    with pytest.raises(raised) as info:
        json.loads(content)
    located = locate_shape_error(info.value, "listMemories", content)
    assert (located.field, located.received) == ("", received)
    assert str(located).startswith("the body should be JSON but is ")


def test_locate_without_a_body_keeps_what_it_knows() -> None:
    """Without a body: a ResponseShapeError keeps its own field; anything else names its type."""
    own = ResponseShapeError(field="id", expected="a non-empty string", received="missing")
    assert locate_shape_error(own, "createMemory").field == "id"
    assert str(locate_shape_error(own, "createMemory")).endswith("(createMemory)")
    assert str(locate_shape_error(KeyError("token"))) == "KeyError"
    assert str(ResponseShapeError("the token is not a non-empty string")) == (
        "the token is not a non-empty string"
    )


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (None, "null"),
        (True, "a boolean"),
        (1, "an integer"),
        (1.5, "a number"),
        ("s", "a string"),
        ([1], "an array"),
        ({"a": 1}, "an object"),
        (b"x", "a bytes"),
    ],
)
def test_json_type_gives_the_type_never_the_value(value: object, words: str) -> None:
    """The received words name the JSON type only."""
    assert json_type(value) == words


def test_field_defaults_are_optional_and_not_nullable() -> None:
    """A bare Field is optional and refuses null."""
    assert Field("string") == Field("string", required=False, nullable=False, items=None)


@pytest.mark.parametrize(
    ("token", "received"), [("", "an empty string"), ("a b", "a string with whitespace")]
)
def test_a_token_must_be_one_word(token: str, received: str) -> None:
    """A token the SDK could not send as a bearer token is named as broken."""
    problem = first_problem(
        {"token": token, "expires_at": "2026-01-01T00:00:00Z"}, "AuthTokenResponse"
    )
    assert problem is not None
    assert (problem.field, problem.received) == ("token", received)
