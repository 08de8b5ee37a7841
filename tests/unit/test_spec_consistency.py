"""openapi.yaml and the public SDK agree: enums, numeric bounds and types, and every property.

Everything expected here is read from openapi.yaml itself, so a change to the spec that the SDK
does not follow fails with a message naming the spec element and the SDK place to change. The
SDK side is probed through the public API (requests go to an ``httpx.MockTransport``), so these
tests notice what users would notice. ``make check-spec`` runs this file; so does ``make test``.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import math
import os
import typing
import warnings
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import attrs
import httpx
import pytest
import yaml

import memoram_async
from memoram_async import (
    AccessDeniedError,
    AccessRequestStatus,
    ApprovalTimeoutError,
    Credentials,
    MemoramClient,
    UserMemories,
    ValidationError,
    _deprecation,
)
from memoram_async._operations import OPERATIONS

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = Path(os.environ.get("MEMORAM_SPEC", ROOT / "openapi.yaml"))
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
BASE_URL = "http://127.0.0.1:9/api/v1"


def require(condition: object, message: str) -> None:
    """Fail with ``message`` alone (it names the spec element and the SDK place to change)."""
    if not condition:
        pytest.fail(message, pytrace=False)


# -- reading the spec ---------------------------------------------------------------------------


def resolve(node: Any) -> Any:
    """Follow a local ``$ref`` (repeatedly) to the node it names."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def enum_values(schema: Any) -> set[str]:
    """Every enum value a schema allows, through ``$ref``, ``anyOf``, ``oneOf`` and ``allOf``.

    An open enum written as ``anyOf: [{$ref: TheEnum}, {type: string}]`` yields TheEnum's values.
    """
    schema = resolve(schema)
    if not isinstance(schema, dict):
        return set()
    values = {str(value) for value in schema.get("enum", ())}
    for key in ("anyOf", "oneOf", "allOf"):
        for part in schema.get(key, ()):
            values |= enum_values(part)
    return values


def object_properties(name: str) -> dict[str, Any]:
    """A component schema's own properties, with those of its inline ``allOf`` parts (a
    ``$ref`` part is another component, checked under its own name)."""
    schema = resolve(SCHEMAS[name])
    props: dict[str, Any] = dict(schema.get("properties", {}))
    for part in schema.get("allOf", ()):
        if "$ref" not in part:
            props.update(part.get("properties", {}))
    return props


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) for every operation of the spec."""
    for path, item in SPEC["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield method, path, item[method]


def spec_properties() -> dict[str, Any]:
    """``Schema.property`` -> property schema, for every property of every object schema."""
    return {
        f"{name}.{prop}": schema
        for name in SCHEMAS
        for prop, schema in object_properties(name).items()
    }


def spec_parameters() -> dict[str, Any]:
    """``operationId.parameter`` -> parameter schema, for every parameter of every operation."""
    found: dict[str, Any] = {}
    for _, _, operation in operations():
        for parameter in operation.get("parameters", ()):
            parameter = resolve(parameter)
            found[f"{operation['operationId']}.{parameter['name']}"] = parameter.get("schema", {})
    return found


def spec_element(location: str) -> str:
    """Where a ``Schema.prop`` or ``operationId.param`` location lives in openapi.yaml."""
    head, _, tail = location.partition(".")
    if head in SCHEMAS:
        return f"openapi.yaml components.schemas.{head}.properties.{tail}"
    return f"openapi.yaml operation {head}, parameter {tail}"


# -- what the SDK exposes -------------------------------------------------------------------------

# Every spec property or parameter a user can see or set, and where: "Class.attribute" (a field
# or property of a public class) or "Class.method(argument)" / "Class.method()" (its result).
EXPOSED: dict[str, str] = {
    "AuthTokenRequest.api_key": "MemoramClient.__init__(api_key)",
    "CreateAccessRequest.memoryKey": "MemoramClient.request_access(memory_key)",
    "CreateAccessRequest.reason": "MemoramClient.request_access(reason)",
    **{
        f"AccessRequest.{wire}": f"AccessRequest.{public}"
        for wire, public in {
            "id": "id",
            "status": "status",
            "reason": "reason",
            "memoryKey": "memory_key",
            "user_id": "user_id",
            "aiConnectorId": "ai_connector_id",
            "createdAt": "created_at",
            "updatedAt": "updated_at",
        }.items()
    },
    "AccessRequestList.items": "MemoramClient.list_access_requests()",
    **{
        f"AccessCredentials.{field}": f"Credentials.{field}"
        for field in ("user_id", "memory_key", "encryption_key", "key_version")
    },
    **{
        f"{schema}.{field}": f"UserMemories.{method}({field})"
        for schema, method in (
            ("CreateMemoryRequest", "create_memory"),
            ("UpdateMemoryRequest", "update_memory"),
        )
        for field in ("content", "title", "summary", "tags", "importance", "confidence", "source")
    },
    "CreateMemoryRequest.user_id": "Credentials.user_id",
    "CreateMemoryRequest.memoryKey": "Credentials.memory_key",
    "UpdateMemoryRequest.user_id": "Credentials.user_id",
    "UpdateMemoryRequest.memoryKey": "Credentials.memory_key",
    **{
        f"MemoryBlobResponse.{field}": f"Memory.{field}"
        for field in (
            "id",
            "user_id",
            "created_at",
            "updated_at",
            "source",
            "title",
            "summary",
            "importance",
            "confidence",
            "tags",
            "tag_ids",
        )
    },
    "MemoryBlob.content": "Memory.content",
    "MemoryBlobList.memoryBlobs": "UserMemories.list_memories()",
    **{
        f"Tag.{field}": f"Tag.{field}"
        for field in (
            "id",
            "name",
            "description",
            "color",
            "is_enabled",
            "created_at",
            "updated_at",
        )
    },
    "TagList.items": "UserMemories.list_tags()",
    "Error.error": "APIStatusError.error_code",
    "Error.message": "APIStatusError.message",
    # Parameters.
    "getAccessRequest.requestId": "MemoramClient.get_access_request(request_id)",
    "getAccessCredentials.requestId": "MemoramClient.get_credentials(request_id)",
    "listMemories.user_id": "Credentials.user_id",
    "listMemories.limit": "UserMemories.list_memories(page_size)",
    "listMemories.tags": "UserMemories.list_memories(tags)",
    "listMemories.searchQuery": "UserMemories.list_memories(search)",
    "listMemories.importance": "UserMemories.list_memories(min_importance)",
    "getMemory.blobId": "UserMemories.get_memory(memory_id)",
    "getMemory.user_id": "Credentials.user_id",
    "updateMemory.blobId": "UserMemories.update_memory(memory_id)",
    "deleteMemory.blobId": "UserMemories.delete_memory(memory_id)",
    "deleteMemory.user_id": "Credentials.user_id",
    "listTags.user_id": "Credentials.user_id",
    "getTag.tagId": "UserMemories.get_tag(tag_id)",
    "getTag.user_id": "Credentials.user_id",
}

# Spec properties and parameters deliberately not exposed, each with the reason.
NOT_EXPOSED: dict[str, str] = {
    "AuthTokenRequest.expires_in": "the SDK asks for TOKEN_REQUESTED_LIFETIME (_constants.py)",
    "AuthTokenResponse.token": "tokens are fetched and refreshed by _auth.py, never handed out",
    "AuthTokenResponse.expires_at": "read by _auth.py to refresh the token in time",
    "AuthTokenResponse.token_type": "always Bearer; _auth.py sends it that way",
    "AccessRequestList.total": "list_access_requests() returns every item; len() is the total",
    "MemoryBlobList.next_cursor": "MemoryIterator follows it; users iterate, never page by hand",
    "listMemories.cursor": "MemoryIterator sends each page's next_cursor for the next page",
    "DeleteMemoryResponse.id": "delete_memory() returns None: the id is the one passed in",
    "DeleteMemoryResponse.deleted": "a 2xx answer means deleted; anything else raises",
    "createAccessRequest.Idempotency-Key": "generated per create and kept across its retries",
    "createMemory.Idempotency-Key": "generated per create and kept across its retries",
}

PUBLIC = {name: getattr(memoram_async, name) for name in memoram_async.__all__}


def public_place_exists(place: str) -> bool:
    """Whether a ``Class.attribute`` or ``Class.method(argument)`` place exists in the SDK."""
    owner_name, _, member = place.partition(".")
    owner = PUBLIC.get(owner_name)
    if owner is None:
        return False
    name, _, argument = member.partition("(")
    argument = argument.rstrip(")")
    if attrs.has(owner) and name in attrs.fields_dict(owner):
        return not argument
    target = getattr(owner, name, None)
    if target is None:
        # Plain attributes set in __init__ (exceptions): look at the constructor's body.
        return name in inspect.getsource(owner.__init__)
    if not argument:
        return True
    return callable(target) and argument in inspect.signature(target).parameters


def test_every_property_and_parameter_is_exposed_or_listed() -> None:
    """Each spec property and parameter maps to an SDK place or is listed as not exposed."""
    in_spec = set(spec_properties()) | set(spec_parameters())
    problems = [
        f"{spec_element(location)} is new to the SDK: expose it (a field of the public model "
        "in memoram_async/_models.py and its conversion in _convert.py, or an argument of the "
        "public method) "
        "and add it to EXPOSED, or add it to NOT_EXPOSED with a reason, in "
        "tests/unit/test_spec_consistency.py"
        for location in sorted(in_spec - EXPOSED.keys() - NOT_EXPOSED.keys())
    ]
    problems += [
        f"{spec_element(location)} is gone from openapi.yaml, but the SDK still has it at "
        f"{EXPOSED.get(location, 'NOT_EXPOSED')}: remove it there and from the table in "
        "tests/unit/test_spec_consistency.py (a breaking change: see `make spec-diff`)"
        for location in sorted((EXPOSED.keys() | NOT_EXPOSED.keys()) - in_spec)
    ]
    require(not problems, "\n".join(problems))


@pytest.mark.parametrize(("location", "place"), sorted(EXPOSED.items()))
def test_exposed_place_exists(location: str, place: str) -> None:
    """The public field or argument that carries a spec property exists in the SDK."""
    require(
        public_place_exists(place),
        f"{spec_element(location)} should reach users at {place}, which the public API of "
        "memoram_async lacks: add it, or correct EXPOSED in tests/unit/test_spec_consistency.py",
    )


# -- enums --------------------------------------------------------------------------------------

# Each spec enum and the public enum it feeds.
ENUM_FEEDS: dict[str, type[Any]] = {"AccessRequest.status": AccessRequestStatus}


def test_every_spec_enum_feeds_a_public_enum() -> None:
    """No enum in the spec is left without a public enum that users can match on."""
    with_enums = {
        location
        for location, schema in {**spec_properties(), **spec_parameters()}.items()
        if enum_values(schema)
    }
    unmapped = sorted(with_enums - ENUM_FEEDS.keys())
    require(
        not unmapped,
        "\n".join(
            f"{spec_element(location)} is an enum that feeds no public enum: add a StrEnum to "
            "memoram_async/_models.py and list it in ENUM_FEEDS in "
            "tests/unit/test_spec_consistency.py"
            for location in unmapped
        ),
    )


@pytest.mark.parametrize(("location", "public_enum"), sorted(ENUM_FEEDS.items()))
def test_spec_enum_matches_public_enum(location: str, public_enum: type[Any]) -> None:
    """The values the spec declares are exactly the members of the public enum it feeds."""
    schema = {**spec_properties(), **spec_parameters()}.get(location)
    require(schema is not None, f"{spec_element(location)} is gone: update ENUM_FEEDS")
    in_spec = enum_values(schema)
    members = {member.value for member in public_enum}
    require(
        in_spec == members,
        f"{spec_element(location)} allows {sorted(in_spec)}, but {public_enum.__name__} "
        f"(memoram_async/_models.py) has {sorted(members)}: add "
        f"{sorted(in_spec - members)} and remove {sorted(members - in_spec)} there",
    )


# -- probing the SDK through its public API ------------------------------------------------------


def access_request_body(status: str) -> dict[str, Any]:
    """An AccessRequest answer as the spec describes it."""
    return {
        "id": "r1",
        "status": status,
        "reason": "why",
        "memoryKey": "mk",
        "user_id": str(uuid4()),
        "aiConnectorId": "app",
        "createdAt": "2026-01-01T00:00:00Z",
        "updatedAt": "2026-01-01T00:00:00Z",
    }


class Recorder:
    """A MockTransport handler answering like the API and keeping what was sent."""

    def __init__(self, status: str = "pending") -> None:
        self.sent: list[httpx.Request] = []
        self.status = status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        path = request.url.path
        if path.startswith("/api/v1/access-requests/"):
            return httpx.Response(200, json=access_request_body(self.status))
        if request.method == "GET" and path == "/api/v1/memory-blobs":
            return httpx.Response(200, json={"memoryBlobs": [], "next_cursor": None})
        return httpx.Response(200 if request.method == "PATCH" else 201, json={"id": "m1"})


def client(recorder: Recorder) -> MemoramClient:
    """A client whose every request goes to ``recorder``."""
    return MemoramClient(
        token="jwt", base_url=BASE_URL, transport=httpx.MockTransport(recorder), max_retries=0
    )


def user(client: MemoramClient) -> UserMemories:
    """A user of that client, with throwaway credentials."""
    credentials = Credentials(
        user_id=uuid4(), memory_key="mk", encryption_key=os.urandom(32).hex(), key_version=1
    )
    return client.user(credentials)


def final_outcome(status: str) -> str:
    """What wait_for_approval does when the request has ``status``."""

    async def run() -> str:
        async with client(Recorder(status)) as sdk:
            try:
                await sdk.wait_for_approval("r1", timeout=0.2)
            except AccessDeniedError:
                return "denied"
            except ApprovalTimeoutError:
                return "still waiting"
            except memoram_async.MemoramError as exc:
                return f"{type(exc).__name__}: {exc}"
            return "approved"

    return asyncio.run(run())


@pytest.mark.parametrize(
    "status", sorted(enum_values(object_properties("AccessRequest")["status"]))
)
def test_wait_for_approval_ends_on_every_final_status(status: str) -> None:
    """wait_for_approval waits on `pending` only: every other spec status ends the wait."""
    outcome = final_outcome(status)
    if status == "pending":
        assert outcome == "still waiting"
    else:
        require(
            outcome in {"approved", "denied"},
            f"openapi.yaml components.schemas.AccessRequestStatus has {status!r}, a decided "
            f"status, but MemoramClient.wait_for_approval (memoram_async/_client.py) answers it "
            f"with {outcome!r}: make it end the wait (approved, or AccessDeniedError)",
        )


# Numeric inputs: each spec location and an async probe that passes a value through the public
# API and returns what was sent on the wire (raising ValidationError when the SDK refuses it).
Probe = Callable[[UserMemories, Recorder, object], Awaitable[object]]


async def _sent(
    call: Awaitable[object], recorder: Recorder, read: Callable[[httpx.Request], object]
) -> object:
    """What ``call`` sent; an answer the SDK cannot read does not matter here, a refusal does."""
    try:
        await call
    except ValidationError:
        raise
    except memoram_async.MemoramError:
        if not recorder.sent:
            raise
    return read(recorder.sent[-1])


async def _create(field: str, user: UserMemories, recorder: Recorder, value: object) -> object:
    call = user.create_memory("x", **{field: value})  # type: ignore[arg-type]
    return await _sent(call, recorder, lambda request: _json(request)[field])


async def _update(field: str, user: UserMemories, recorder: Recorder, value: object) -> object:
    call = user.update_memory("m1", **{field: value})  # type: ignore[arg-type]
    return await _sent(call, recorder, lambda request: _json(request)[field])


async def _list(
    param: str, argument: str, user: UserMemories, recorder: Recorder, value: object
) -> object:
    async def walk() -> None:
        async for _ in user.list_memories(**{argument: value}):  # type: ignore[arg-type]
            pass

    return await _sent(walk(), recorder, lambda request: json.loads(request.url.params[param]))


def _json(request: httpx.Request) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(request.content)
    return body


NUMERIC_INPUTS: dict[str, tuple[str, Probe]] = {
    "CreateMemoryRequest.importance": (
        "UserMemories.create_memory(importance) via check_score in memoram_async/_validation.py",
        lambda u, r, v: _create("importance", u, r, v),
    ),
    "CreateMemoryRequest.confidence": (
        "UserMemories.create_memory(confidence) via check_score in memoram_async/_validation.py",
        lambda u, r, v: _create("confidence", u, r, v),
    ),
    "UpdateMemoryRequest.importance": (
        "UserMemories.update_memory(importance) via check_score in memoram_async/_validation.py",
        lambda u, r, v: _update("importance", u, r, v),
    ),
    "UpdateMemoryRequest.confidence": (
        "UserMemories.update_memory(confidence) via check_score in memoram_async/_validation.py",
        lambda u, r, v: _update("confidence", u, r, v),
    ),
    "listMemories.limit": (
        "UserMemories.list_memories(page_size) via check_page_size and MAX_PAGE_SIZE "
        "(memoram_async/_validation.py, _constants.py)",
        lambda u, r, v: _list("limit", "page_size", u, r, v),
    ),
    "listMemories.importance": (
        "UserMemories.list_memories(min_importance) via check_score in "
        "memoram_async/_validation.py",
        lambda u, r, v: _list("importance", "min_importance", u, r, v),
    ),
}

# Bounds the SDK enforces although the spec declares none, each with the reason.
STRICTER_THAN_SPEC: dict[str, str] = {
    # The description says 0-1; the SDK refuses other values before sending, the server may not.
    "CreateMemoryRequest.confidence": "0..1 per the property's description",
    "UpdateMemoryRequest.confidence": "0..1 per the property's description",
}

# A value far outside any scale the API uses, for "the spec sets no bound here".
FAR = 1e6


def request_schema_names() -> set[str]:
    """The component schemas that request bodies use."""
    return {
        media["schema"]["$ref"].rsplit("/", 1)[-1]
        for _, _, operation in operations()
        for media in operation.get("requestBody", {}).get("content", {}).values()
        if "$ref" in media.get("schema", {})
    }


def numeric_schemas() -> dict[str, Any]:
    """Every numeric request property and parameter that users set."""
    requests = request_schema_names()
    inputs = {
        location: schema
        for location, schema in spec_properties().items()
        if location.partition(".")[0] in requests
    }
    inputs.update(spec_parameters())
    return {
        location: resolve(schema)
        for location, schema in inputs.items()
        if resolve(schema).get("type") in {"integer", "number"} and location not in NOT_EXPOSED
    }


def test_every_numeric_input_is_probed() -> None:
    """Each numeric property or parameter users set has a probe of the SDK's checks."""
    missing = sorted(numeric_schemas().keys() - NUMERIC_INPUTS.keys())
    require(
        not missing,
        "\n".join(
            f"{spec_element(location)} is a number users set: add its public argument's probe to "
            "NUMERIC_INPUTS in tests/unit/test_spec_consistency.py (and check the value in "
            "memoram_async/_validation.py)"
            for location in missing
        ),
    )


def expectations(location: str, schema: dict[str, Any]) -> list[tuple[object, bool]]:
    """(value, accepted?) pairs that follow from a numeric schema's type and bounds."""
    integer = schema.get("type") == "integer"
    low, high = schema.get("minimum"), schema.get("maximum")
    step = 1 if integer else 0.001
    cases: list[tuple[object, bool]] = []
    if integer:
        inside = low if low is not None else (high if high is not None else 1)
        cases.append((inside + 0.5, False))
    if low is not None:
        cases += [(low, True), (low - step, False)]
    elif location not in STRICTER_THAN_SPEC:
        cases.append((-FAR, True))
    if high is not None:
        cases += [(high, True), (high + step, False)]
    elif location not in STRICTER_THAN_SPEC:
        cases.append((FAR, True))
    return cases


@pytest.mark.parametrize("location", sorted(NUMERIC_INPUTS))
def test_numeric_input_follows_the_spec(location: str) -> None:
    """The SDK accepts exactly the type and range the spec allows, and sends that type."""
    schema = numeric_schemas().get(location)
    place, probe = NUMERIC_INPUTS[location]
    require(
        schema is not None,
        f"{spec_element(location)} is no longer a number users set: update {place} and "
        "NUMERIC_INPUTS in tests/unit/test_spec_consistency.py",
    )

    async def attempt(value: object) -> tuple[bool, object]:
        recorder = Recorder()
        async with client(recorder) as sdk:
            try:
                return True, await probe(user(sdk), recorder, value)
            except ValidationError:
                return False, None

    problems = []
    for value, expected in expectations(location, schema):
        accepted, sent = asyncio.run(attempt(value))
        if accepted != expected:
            verb = "accepts" if accepted else "refuses"
            problems.append(f"{verb} {value!r}")
        elif accepted and schema.get("type") == "integer" and not float(sent).is_integer():
            problems.append(f"sends {sent!r} for an integer")
        elif accepted and isinstance(sent, float) and not math.isfinite(sent):
            problems.append(f"sends {sent!r}")
    bounds = {key: schema[key] for key in ("type", "minimum", "maximum") if key in schema}
    require(
        not problems,
        f"{spec_element(location)} is {bounds}, but {place} {', '.join(problems)}: "
        "make the SDK's check match the spec",
    )


def test_default_page_size_is_within_the_spec_bounds() -> None:
    """list_memories' default page size is a limit the spec allows."""
    schema = resolve(spec_parameters()["listMemories.limit"])
    default = inspect.signature(UserMemories.list_memories).parameters["page_size"].default
    low, high = schema.get("minimum", 1), schema.get("maximum", math.inf)
    require(
        low <= default <= high,
        f"openapi.yaml operation listMemories, parameter limit is {low}..{high}, but "
        f"UserMemories.list_memories(page_size={default}) (memoram_async/_user.py) is outside",
    )


# Bounded arrays: each request property with maxItems or items.maxLength, and the probe that
# passes a list through the public API and returns what was sent.
ARRAY_INPUTS: dict[str, tuple[str, Probe]] = {
    "CreateMemoryRequest.tags": (
        "UserMemories.create_memory(tags) via check_tags and MAX_TAGS / MAX_TAG_LENGTH "
        "(memoram_async/_validation.py, _constants.py)",
        lambda u, r, v: _create("tags", u, r, v),
    ),
    "UpdateMemoryRequest.tags": (
        "UserMemories.update_memory(tags) via check_tags and MAX_TAGS / MAX_TAG_LENGTH "
        "(memoram_async/_validation.py, _constants.py)",
        lambda u, r, v: _update("tags", u, r, v),
    ),
}


def bounded_array_schemas() -> dict[str, Any]:
    """Every request property that is an array with a bound on its items or their length."""
    requests = request_schema_names()
    found = {}
    for location, schema in spec_properties().items():
        schema = resolve(schema)
        if location.partition(".")[0] not in requests or schema.get("type") != "array":
            continue
        if "maxItems" in schema or "maxLength" in resolve(schema.get("items", {})):
            found[location] = schema
    return found


def test_every_bounded_array_input_is_probed() -> None:
    """Each array property with maxItems or items.maxLength has a probe of the SDK's checks."""
    missing = sorted(bounded_array_schemas().keys() - ARRAY_INPUTS.keys())
    require(
        not missing,
        "\n".join(
            f"{spec_element(location)} is a bounded array users set: add its public argument's "
            "probe to ARRAY_INPUTS in tests/unit/test_spec_consistency.py (and check the bound "
            "in memoram_async/_validation.py)"
            for location in missing
        ),
    )


@pytest.mark.parametrize("location", sorted(ARRAY_INPUTS))
def test_array_input_follows_the_spec(location: str) -> None:
    """The SDK sends maxItems items of maxLength characters, and refuses one more of either."""
    schema = bounded_array_schemas().get(location)
    place, probe = ARRAY_INPUTS[location]
    require(
        schema is not None,
        f"{spec_element(location)} is no longer a bounded array: update {place} and "
        "ARRAY_INPUTS in tests/unit/test_spec_consistency.py",
    )
    most = schema.get("maxItems", 10)
    longest = resolve(schema.get("items", {})).get("maxLength", 10)

    def names(count: int, length: int) -> list[str]:
        return [f"{i:04d}".ljust(length, "x") for i in range(count)]

    async def attempt(value: list[str]) -> tuple[bool, object]:
        recorder = Recorder()
        async with client(recorder) as sdk:
            try:
                return True, await probe(user(sdk), recorder, value)
            except ValidationError as exc:
                require("tags" in str(exc), f"{place} refuses without naming tags: {exc}")
                return False, None

    problems = []
    fullest = names(most, longest)
    accepted, sent = asyncio.run(attempt(fullest))
    if not accepted or sent != fullest:
        problems.append(f"does not send {most} items of {longest} characters as given")
    if "maxItems" in schema and asyncio.run(attempt(names(most + 1, 5)))[0]:
        problems.append(f"accepts {most + 1} items")
    if asyncio.run(attempt([*names(1, 5), "y" * (longest + 1)]))[0]:
        problems.append(f"accepts an item of {longest + 1} characters")
    bounds = {"maxItems": schema.get("maxItems"), "items.maxLength": longest}
    require(
        not problems,
        f"{spec_element(location)} is {bounds}, but {place} {', '.join(problems)}: "
        "make the SDK's check match the spec",
    )


# Bounded strings: each request property with maxLength, and the probe that passes a text through
# the public API and returns what was sent (raising ValidationError when the SDK refuses it).
StringProbe = Callable[[MemoramClient, Recorder, str], Awaitable[object]]


async def _with_memory_key(method: str, sdk: MemoramClient, recorder: Recorder, key: str) -> object:
    credentials = Credentials(
        user_id=uuid4(), memory_key=key, encryption_key=os.urandom(32).hex(), key_version=1
    )
    memories = sdk.user(credentials)
    call = (
        memories.create_memory("x")
        if method == "create"
        else memories.update_memory("m1", title="t")
    )
    return await _sent(call, recorder, lambda request: _json(request)["memoryKey"])


STRING_INPUTS: dict[str, tuple[str, str, StringProbe]] = {
    "CreateAccessRequest.memoryKey": (
        "memory_key",
        "MemoramClient.request_access(memory_key) via check_memory_key and "
        "MAX_MEMORY_KEY_LENGTH (memoram_async/_validation.py, _constants.py)",
        lambda c, r, v: _sent(
            c.request_access(v, reason="why"), r, lambda request: _json(request)["memoryKey"]
        ),
    ),
    "CreateAccessRequest.reason": (
        "reason",
        "MemoramClient.request_access(reason) via check_reason and REASON_MAX_LENGTH "
        "(memoram_async/_validation.py, _constants.py)",
        lambda c, r, v: _sent(
            c.request_access("mk", reason=v), r, lambda request: _json(request)["reason"]
        ),
    ),
    "CreateMemoryRequest.memoryKey": (
        "memory_key",
        "Credentials(memory_key) via check_memory_key and MAX_MEMORY_KEY_LENGTH "
        "(memoram_async/_models.py, _validation.py)",
        lambda c, r, v: _with_memory_key("create", c, r, v),
    ),
    "UpdateMemoryRequest.memoryKey": (
        "memory_key",
        "Credentials(memory_key) via check_memory_key and MAX_MEMORY_KEY_LENGTH "
        "(memoram_async/_models.py, _validation.py)",
        lambda c, r, v: _with_memory_key("update", c, r, v),
    ),
}


def bounded_string_schemas() -> dict[str, Any]:
    """Every request property that is a string with a maxLength."""
    requests = request_schema_names()
    return {
        location: resolve(schema)
        for location, schema in spec_properties().items()
        if location.partition(".")[0] in requests
        and resolve(schema).get("type") == "string"
        and "maxLength" in resolve(schema)
    }


def test_every_bounded_string_input_is_probed() -> None:
    """Each string property with maxLength that a request sends has a probe of the SDK's check."""
    missing = sorted(bounded_string_schemas().keys() - STRING_INPUTS.keys())
    require(
        not missing,
        "\n".join(
            f"{spec_element(location)} is a bounded string users set: add its public argument's "
            "probe to STRING_INPUTS in tests/unit/test_spec_consistency.py (and check the bound "
            "in memoram_async/_validation.py)"
            for location in missing
        ),
    )


def test_memory_key_is_bounded_wherever_a_request_sends_it() -> None:
    """Every memoryKey a request body carries declares maxLength in openapi.yaml."""
    unbounded = sorted(
        location
        for location, schema in spec_properties().items()
        if location.partition(".")[0] in request_schema_names()
        and location.endswith(".memoryKey")
        and "maxLength" not in resolve(schema)
    )
    require(
        not unbounded,
        "\n".join(f"{spec_element(location)} has no maxLength" for location in unbounded),
    )


@pytest.mark.parametrize("location", sorted(STRING_INPUTS))
def test_string_input_follows_the_spec(location: str) -> None:
    """The SDK sends maxLength characters as given, and refuses one more before sending, naming
    the argument and never repeating the text."""
    schema = bounded_string_schemas().get(location)
    argument, place, probe = STRING_INPUTS[location]
    require(
        schema is not None,
        f"{spec_element(location)} is no longer a bounded string: update {place} and "
        "STRING_INPUTS in tests/unit/test_spec_consistency.py",
    )
    longest = schema["maxLength"]

    async def attempt(text: str) -> tuple[bool, object, int]:
        recorder = Recorder()
        async with client(recorder) as sdk:
            try:
                return True, await probe(sdk, recorder, text), len(recorder.sent)
            except ValidationError as exc:
                require(argument in str(exc), f"{place} refuses without naming {argument}: {exc}")
                require(text[:40] not in str(exc), f"{place} repeats the refused text: {exc}")
                return False, None, len(recorder.sent)

    # Distinct characters, so that an echo of any part of the text would be seen.
    fullest = (os.urandom(longest).hex() * 2)[:longest]
    problems = []
    accepted, sent, _ = asyncio.run(attempt(fullest))
    if not accepted or sent != fullest:
        problems.append(f"does not send {longest} characters as given")
    accepted, _, requests = asyncio.run(attempt(fullest + "z"))
    if accepted or requests:
        problems.append(f"sends {longest + 1} characters")
    require(
        not problems,
        f"{spec_element(location)} has maxLength {longest}, but {place} {', '.join(problems)}: "
        "make the SDK's check match the spec",
    )


# -- nullable response fields -------------------------------------------------------------------


def response_schema_names() -> set[str]:
    """The component schemas that success answers use, and those they refer to."""
    found: set[str] = set()
    todo = [
        media["schema"]
        for _, _, operation in operations()
        for status, response in operation.get("responses", {}).items()
        if status.startswith("2")
        for media in resolve(response).get("content", {}).values()
    ]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            name = ref.rsplit("/", 1)[-1]
            if ref.startswith("#/components/schemas/") and name not in found:
                found.add(name)
                todo.append(SCHEMAS.get(name, {}))
            todo.extend(value for key, value in node.items() if key != "$ref")
        elif isinstance(node, list):
            todo.extend(node)
    return found


def public_field_type(place: str) -> Any:
    """The annotation of a ``Class.field`` place of a public attrs class, or None."""
    owner_name, _, name = place.partition(".")
    owner = PUBLIC.get(owner_name)
    if owner is None or not attrs.has(owner) or name not in attrs.fields_dict(owner):
        return None
    return typing.get_type_hints(owner)[name]


# Nullable response properties whose public field is not optional: what a null is read as.
NULL_READ_AS: dict[str, str] = {
    "MemoryBlobResponse.user_id": "the user's id the call was made for (_convert.py)",
    "MemoryBlobResponse.tags": "no tags, () (_convert.py)",
    "MemoryBlobResponse.tag_ids": "no tag ids, () (_convert.py)",
}


def test_nullable_response_fields_are_optional_in_the_sdk() -> None:
    """A response property the spec lets be null is ``X | None`` on the public model, or its
    null is read as a value listed in NULL_READ_AS."""
    problems = []
    for name in sorted(response_schema_names()):
        for prop, schema in object_properties(name).items():
            location = f"{name}.{prop}"
            place = EXPOSED.get(location, "")
            hint = public_field_type(place)
            if hint is None or not resolve(schema).get("nullable") or location in NULL_READ_AS:
                continue
            if type(None) not in typing.get_args(hint):
                problems.append(
                    f"{spec_element(location)} is nullable, but {place} "
                    f"(memoram_async/_models.py) is {getattr(hint, '__name__', hint)}: make it "
                    f"`{getattr(hint, '__name__', hint)} | None` and let its conversion in "
                    "memoram_async/_convert.py keep None (a breaking change: see make spec-diff), "
                    "and allow null for it in memoram_async/_shapes.py; or read null as a value "
                    "there and list it in NULL_READ_AS in tests/unit/test_spec_consistency.py"
                )
    require(not problems, "\n".join(problems))


# -- deprecation ----------------------------------------------------------------------------------


def spec_deprecated() -> set[str]:
    """Every location the spec marks deprecated: ``operationId``, ``operationId.parameter``,
    ``Schema.property``."""
    found = {op["operationId"] for _, _, op in operations() if op.get("deprecated")}
    for _, _, operation in operations():
        for parameter in operation.get("parameters", ()):
            parameter = resolve(parameter)
            if parameter.get("deprecated") or resolve(parameter.get("schema", {})).get(
                "deprecated"
            ):
                found.add(f"{operation['operationId']}.{parameter['name']}")
    for location, schema in spec_properties().items():
        if schema.get("deprecated") or resolve(schema).get("deprecated"):
            found.add(location)
    return found


def deprecated_place(location: str) -> str:
    """Where users meet a spec location: the public method of an operation, else EXPOSED's."""
    operation = OPERATIONS_BY_ID.get(location)
    if operation is not None:
        return operation.public
    return EXPOSED.get(location, f"NOT_EXPOSED ({NOT_EXPOSED.get(location, 'nowhere')})")


OPERATIONS_BY_ID = {op.operation_id: op for op in OPERATIONS.values()}


def test_deprecated_table_follows_the_spec() -> None:
    """DEPRECATED (memoram_async/_deprecation.py) lists exactly what the spec deprecates, each
    at the public place users meet it, which must be a call the SDK can warn on."""
    table = "DEPRECATED in memoram_async/_deprecation.py"
    in_spec = spec_deprecated()
    problems = [
        f"{spec_element(location)} is deprecated in openapi.yaml: add "
        f"{location!r}: {deprecated_place(location)!r} to {table}, so callers get a "
        "DeprecationWarning"
        for location in sorted(in_spec - _deprecation.DEPRECATED.keys())
    ]
    problems += [
        f"{table} lists {location!r}, which openapi.yaml no longer deprecates: remove it"
        for location in sorted(_deprecation.DEPRECATED.keys() - in_spec)
    ]
    for location in sorted(in_spec & _deprecation.DEPRECATED.keys()):
        place, listed = deprecated_place(location), _deprecation.DEPRECATED[location]
        if location in OPERATIONS_BY_ID and listed == place:
            continue  # spec-diff announces it; the method's docstring should say so
        if listed != place:
            problems.append(
                f"{table} has {location!r} at {listed!r}, but it reaches users at {place!r}"
            )
        elif place not in {warnable for _, warnable in warnable_places()}:
            problems.append(
                f"{spec_element(location)} is deprecated, but users meet it at {place}, which "
                "the SDK sets on its own or cannot warn on: stop sending it (the public method "
                "that uses it) or, for a response field, say so in the field's docstring"
            )
    require(not problems, "\n".join(problems))


# Values for the arguments of the probes below (a place of EXPOSED names the argument).
ARGUMENT_VALUES: dict[str, object] = {
    "content": "x",
    "title": "t",
    "summary": "s",
    "tags": ["a"],
    "importance": 1.0,
    "confidence": 0.5,
    "source": "app",
    "search": "q",
    "min_importance": 1.0,
    "page_size": 10,
    "memory_key": "mk",
    "reason": "why",
}

Call = Callable[[MemoramClient, dict[str, Any]], Awaitable[object]]


async def _walk(user: UserMemories, arguments: dict[str, Any]) -> None:
    async for _ in user.list_memories(**arguments):
        pass


# The public methods that turn arguments into a request body or query, where the SDK warns.
WARNING_PROBES: dict[str, dict[str, Call]] = {
    "UserMemories": {
        "create_memory": lambda c, a: user(c).create_memory(**{"content": "x", **a}),
        "update_memory": lambda c, a: user(c).update_memory("m1", **(a or {"title": "t"})),
        "list_memories": lambda c, a: _walk(user(c), a),
    },
    "MemoramClient": {"request_access": lambda c, a: c.request_access("mk", reason="why")},
}


def warnable_places() -> list[tuple[str, str]]:
    """(location, place) of every body or query argument the SDK warns on when deprecated."""
    found = []
    for location, place in EXPOSED.items():
        owner, _, member = place.partition(".")
        method, _, argument = member.partition("(")
        # Path ids are not optional and "Class.method()" places are results, not arguments.
        if method in WARNING_PROBES.get(owner, {}) and argument.rstrip(")") in ARGUMENT_VALUES:
            found.append((location, place))
    return sorted(found)


def deprecated_call(place: str) -> list[warnings.WarningMessage]:
    """Call the public method of ``place`` (with its argument) and return the warnings raised."""
    owner, _, member = place.partition(".")
    method, _, argument = member.partition("(")
    argument = argument.rstrip(")")
    arguments = {argument: ARGUMENT_VALUES[argument]} if argument in ARGUMENT_VALUES else {}
    probe = WARNING_PROBES[owner][method]

    async def run() -> None:
        async with client(Recorder("approved")) as sdk:
            # The mock's answers do not matter: the warning comes before anything is sent.
            with contextlib.suppress(memoram_async.MemoramError):
                await probe(sdk, arguments)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(run())
    return [w for w in caught if issubclass(w.category, DeprecationWarning)]


@pytest.mark.parametrize(("location", "place"), warnable_places())
def test_deprecated_use_warns_at_the_callers_line(
    monkeypatch: pytest.MonkeyPatch, location: str, place: str
) -> None:
    """Were the spec to deprecate it, using it warns a DeprecationWarning pointing at the caller."""
    monkeypatch.setattr(_deprecation, "DEPRECATED", {})
    assert not deprecated_call(place)
    monkeypatch.setattr(_deprecation, "DEPRECATED", {location: place})
    caught = deprecated_call(place)
    require(
        len(caught) >= 1 and all(w.filename == __file__ for w in caught),
        f"{place} does not warn its caller when openapi.yaml deprecates {location}: call "
        "warn_deprecated (memoram_async/_deprecation.py) with it in the public method "
        f"(got {[(w.filename, str(w.message)) for w in caught]})",
    )
    assert location in str(caught[0].message)


def test_deprecation_warning_shows_once_per_call_site(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under Python's default filter, one call site warns once however often it runs."""
    monkeypatch.setattr(
        _deprecation,
        "DEPRECATED",
        {"CreateMemoryRequest.source": "UserMemories.create_memory(source)"},
    )

    async def run() -> None:
        async with client(Recorder()) as sdk:
            for _ in range(3):
                with contextlib.suppress(memoram_async.MemoramError):
                    await user(sdk).create_memory("x", source="app")

    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("default")
        asyncio.run(run())
    deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert len(deprecations) == 1, [str(w.message) for w in deprecations]
    assert deprecations[0].filename == __file__
