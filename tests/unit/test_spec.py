"""openapi.yaml: valid, complete, and matched by a generated module for every operation."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]
SPEC: dict[str, Any] = yaml.safe_load((ROOT / "openapi.yaml").read_text())

EXPECTED_OPERATIONS = {
    ("post", "/auth/token", "createToken"),
    ("post", "/access-requests", "createAccessRequest"),
    ("get", "/access-requests", "listAccessRequests"),
    ("get", "/access-requests/{requestId}", "getAccessRequest"),
    ("get", "/access-requests/{requestId}/credentials", "getAccessCredentials"),
    ("get", "/memory-blobs", "listMemories"),
    ("get", "/memory-blobs/{blobId}", "getMemory"),
    ("post", "/memory-blobs", "createMemory"),
    ("patch", "/memory-blobs/{blobId}", "updateMemory"),
    ("delete", "/memory-blobs/{blobId}", "deleteMemory"),
    ("get", "/tags", "listTags"),
    ("get", "/tags/{tagId}", "getTag"),
}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in SPEC["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_spec_is_valid_openapi_3_0_3() -> None:
    """openapi.yaml passes openapi-spec-validator as OpenAPI 3.0.3."""
    assert SPEC["openapi"] == "3.0.3"
    validate(SPEC)


def test_server_is_the_production_api() -> None:
    """The one server is Memoram's production base URL."""
    assert [server["url"] for server in SPEC["servers"]] == ["https://api.memoram.app/api/v1"]


def test_all_twelve_operations_are_present() -> None:
    """Exactly the 12 documented (method, path, operationId) triples exist."""
    found = {(method, path, op["operationId"]) for method, path, op in operations()}
    assert found == EXPECTED_OPERATIONS


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
    for status in ("429", "503"):
        response = operation["responses"][status]
        response = responses[response["$ref"].rsplit("/", 1)[-1]]
        assert "Retry-After" in response["headers"]


def test_wire_names_are_kept_as_documented() -> None:
    """The mixed camelCase and snake_case names of the real API are in the schemas."""
    schemas = SPEC["components"]["schemas"]

    def props(name: str) -> set[str]:
        return set(schemas[name]["properties"])

    assert {"memoryKey", "reason"} == props("CreateAccessRequest")
    assert {"createdAt", "updatedAt", "aiConnectorId", "memoryKey", "user_id"} <= props(
        "AccessRequest"
    )
    assert {"user_id", "memory_key", "encryption_key", "key_version"} == props("AccessCredentials")
    assert {"user_id", "memoryKey", "content"} <= props("CreateMemoryRequest")
    assert {"memoryBlobs", "next_cursor"} == props("MemoryBlobList")
    assert {"tag_ids", "created_at", "updated_at"} <= props("MemoryBlobResponse")
    assert {"is_enabled", "color"} <= props("Tag")
    assert schemas["CreateAccessRequest"]["properties"]["reason"]["maxLength"] == 255
    assert schemas["AccessRequest"]["properties"]["user_id"]["nullable"] is True
    assert schemas["MemoryBlobList"]["properties"]["next_cursor"]["nullable"] is True
    list_params = {p.get("name") for p in SPEC["paths"]["/memory-blobs"]["get"]["parameters"]}
    assert {"limit", "cursor", "tags", "searchQuery", "importance"} <= list_params


@pytest.mark.parametrize(("method", "path", "operation"), operations())
def test_every_operation_has_a_generated_asyncio_detailed(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    """generated/memoram_api has a module per operation exposing asyncio_detailed."""
    group = snake_case(operation["tags"][0].replace(" ", ""))
    module = importlib.import_module(
        f"memoram_api.api.{group}.{snake_case(operation['operationId'])}"
    )
    assert callable(module.asyncio_detailed)
