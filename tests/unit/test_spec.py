"""openapi.yaml: valid, complete, and matched by a generated module for every operation."""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from openapi_spec_validator import validate

from memoram_async._constants import DEFAULT_BASE_URL
from memoram_async._operations import OPERATIONS
from memoram_local._routes import API_PREFIX

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = Path(os.environ.get("MEMORAM_SPEC", ROOT / "openapi.yaml"))
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in SPEC["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def require(condition: object, message: str) -> None:
    """Fail with ``message`` alone (it names the spec element and the SDK place to change)."""
    if not condition:
        pytest.fail(message, pytrace=False)


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_spec_is_valid_openapi_3_0_3() -> None:
    """openapi.yaml passes openapi-spec-validator as OpenAPI 3.0.3."""
    assert SPEC["openapi"] == "3.0.3"
    validate(SPEC)


def test_default_base_url_and_the_local_prefix_follow_the_spec_server() -> None:
    """DEFAULT_BASE_URL is the spec's (first) server, and the local server serves its path."""
    urls = [server.get("url") for server in SPEC.get("servers", ())]
    require(
        urls[:1] == [DEFAULT_BASE_URL],
        f"openapi.yaml servers is {urls}, but DEFAULT_BASE_URL (memoram_async/_constants.py) is "
        f"{DEFAULT_BASE_URL!r}: set it to the spec's first server (a breaking change for users "
        "of the default: see make spec-diff), and the README's base URLs with it",
    )
    prefix = urlsplit(urls[0] or "").path.rstrip("/")
    require(
        prefix == API_PREFIX,
        f"openapi.yaml servers[0] serves the API under {prefix!r}, but the local server "
        f"serves it under API_PREFIX = {API_PREFIX!r} (memoram_local/_routes.py): move it there",
    )


def test_operation_table_is_derived_from_the_spec() -> None:
    """Every spec operation has an entry in the SDK's operation table, on the spec's route."""
    in_spec = {op["operationId"]: (method.upper(), path) for method, path, op in operations()}
    problems = [
        f"openapi.yaml operation {op_id} ({method} {path}) is not in OPERATIONS "
        "(memoram_async/_operations.py): add it with the public method that calls it"
        for op_id, (method, path) in sorted(in_spec.items())
        if op_id not in OPERATIONS
    ]
    problems += [
        f"OPERATIONS (memoram_async/_operations.py) has {op_id}, which openapi.yaml no longer "
        "declares: remove it and the public method that calls it (a breaking change)"
        for op_id in sorted(OPERATIONS.keys() - in_spec.keys())
    ]
    problems += [
        f"openapi.yaml operation {op_id} is {in_spec[op_id]}, but OPERATIONS "
        f"(memoram_async/_operations.py) says {(op.method, op.path)}"
        for op_id, op in sorted(OPERATIONS.items())
        if op_id in in_spec and (op.method, op.path) != in_spec[op_id]
    ]
    require(not problems, "\n".join(problems))


@pytest.mark.parametrize(("method", "path", "operation"), operations())
def test_bearer_auth_on_every_operation_but_create_token(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    """Every operation except createToken requires bearerAuth; createToken requires nothing."""
    expected = [] if operation["operationId"] == "createToken" else [{"bearerAuth": []}]
    assert operation.get("security", SPEC["security"]) == expected


@pytest.mark.parametrize(("method", "path", "operation"), operations())
def test_retry_after_is_declared_on_429_and_503(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    """Each operation declares 429 and 503, and both responses carry a Retry-After header."""
    responses = SPEC["components"]["responses"]
    for status, name in (("429", "TooManyRequests"), ("503", "ServiceUnavailable")):
        response = operation["responses"].get(status, {})
        response = responses.get(response.get("$ref", "").rsplit("/", 1)[-1], response)
        require(
            "Retry-After" in response.get("headers", {}),
            f"openapi.yaml operation {operation['operationId']} ({method.upper()} {path}) lacks a "
            f"{status} response with Retry-After: add '{status}': {{$ref: "
            f"'#/components/responses/{name}'}} (the SDK's retries rely on it)",
        )


# Wire names of the published API (/work/shared/api), a mix of camelCase and snake_case. A
# rename here is a breaking change of the API itself, never a tidy-up of the spec.
DOCUMENTED_WIRE_NAMES: dict[str, set[str]] = {
    "CreateAccessRequest": {"memoryKey", "reason"},
    "AccessRequest": {"createdAt", "updatedAt", "aiConnectorId", "memoryKey", "user_id"},
    "AccessCredentials": {"user_id", "memory_key", "encryption_key", "key_version"},
    "CreateMemoryRequest": {"user_id", "memoryKey", "content"},
    "MemoryBlobList": {"memoryBlobs", "next_cursor"},
    "MemoryBlobResponse": {"tag_ids", "created_at", "updated_at"},
    "Tag": {"is_enabled", "color"},
}


@pytest.mark.parametrize(("schema", "names"), sorted(DOCUMENTED_WIRE_NAMES.items()))
def test_wire_names_are_kept_as_documented(schema: str, names: set[str]) -> None:
    """The mixed camelCase and snake_case names of the real API are in the schemas."""
    missing = names - set(SPEC["components"]["schemas"][schema]["properties"])
    require(
        not missing,
        f"openapi.yaml components.schemas.{schema} lacks {sorted(missing)}, wire names the "
        "published API documents: a rename is breaking (see make spec-diff); change "
        "DOCUMENTED_WIRE_NAMES in tests/unit/test_spec.py only if the API itself changed",
    )


def test_documented_details_are_kept() -> None:
    """The reason limit, the nullable fields and the list filters are as documented."""
    schemas = SPEC["components"]["schemas"]
    assert schemas["CreateAccessRequest"]["properties"]["reason"]["maxLength"] == 255
    assert schemas["AccessRequest"]["properties"]["user_id"]["nullable"] is True
    assert schemas["MemoryBlobList"]["properties"]["next_cursor"]["nullable"] is True
    list_params = {p.get("name") for p in SPEC["paths"]["/memory-blobs"]["get"]["parameters"]}
    assert {"limit", "cursor", "tags", "searchQuery", "importance"} <= list_params


@pytest.mark.parametrize(("method", "path", "operation"), operations())
def test_every_operation_has_a_generated_request_builder(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    """generated/memoram_api has a module per operation exposing its request builder."""
    group = snake_case(operation["tags"][0].replace(" ", ""))
    name = f"memoram_api.api.{group}.{snake_case(operation['operationId'])}"
    require(
        importlib.util.find_spec(name) is not None,
        f"openapi.yaml operation {operation['operationId']} has no {name}: run make generate",
    )
    assert callable(importlib.import_module(name)._get_kwargs)
