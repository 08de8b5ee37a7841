"""The twelve operations of openapi.yaml: how each is retried, and which public method calls it."""

from __future__ import annotations

from typing import Any, Final

import attrs
from memoram_api import models as api


@attrs.frozen
class Operation:
    """One operation of the API.

    Attributes:
        operation_id: Its ``operationId`` in openapi.yaml.
        method: The HTTP method.
        path: The path template, as in openapi.yaml.
        public: The public method that performs it (``Class.method``).
        create: Whether repeating it could create a duplicate (retried cautiously).
        success: The documented success status.
        model: The generated model of the documented success body, used to read another 2xx
            answer (e.g. 200 for a create documented as 201).
    """

    operation_id: str
    method: str
    path: str
    public: str
    create: bool = False
    success: int = 200
    model: Any = None


CREATE_TOKEN: Final = Operation(
    "createToken",
    "POST",
    "/auth/token",
    "MemoramClient (tokens are fetched automatically)",
    model=api.AuthTokenResponse,
)
CREATE_ACCESS_REQUEST: Final = Operation(
    "createAccessRequest",
    "POST",
    "/access-requests",
    "MemoramClient.request_access",
    create=True,
    success=201,
    model=api.AccessRequest,
)
LIST_ACCESS_REQUESTS: Final = Operation(
    "listAccessRequests",
    "GET",
    "/access-requests",
    "MemoramClient.list_access_requests",
    model=api.AccessRequestList,
)
GET_ACCESS_REQUEST: Final = Operation(
    "getAccessRequest",
    "GET",
    "/access-requests/{requestId}",
    "MemoramClient.get_access_request",
    model=api.AccessRequest,
)
GET_ACCESS_CREDENTIALS: Final = Operation(
    "getAccessCredentials",
    "GET",
    "/access-requests/{requestId}/credentials",
    "MemoramClient.get_credentials",
    model=api.AccessCredentials,
)
LIST_MEMORIES: Final = Operation(
    "listMemories", "GET", "/memory-blobs", "UserMemories.list_memories", model=api.MemoryBlobList
)
GET_MEMORY: Final = Operation(
    "getMemory", "GET", "/memory-blobs/{blobId}", "UserMemories.get_memory", model=api.MemoryBlob
)
CREATE_MEMORY: Final = Operation(
    "createMemory",
    "POST",
    "/memory-blobs",
    "UserMemories.create_memory",
    create=True,
    success=201,
    model=api.MemoryBlobResponse,
)
UPDATE_MEMORY: Final = Operation(
    "updateMemory",
    "PATCH",
    "/memory-blobs/{blobId}",
    "UserMemories.update_memory",
    model=api.MemoryBlobResponse,
)
DELETE_MEMORY: Final = Operation(
    "deleteMemory",
    "DELETE",
    "/memory-blobs/{blobId}",
    "UserMemories.delete_memory",
    model=api.DeleteMemoryResponse,
)
LIST_TAGS: Final = Operation(
    "listTags", "GET", "/tags", "UserMemories.list_tags", model=api.TagList
)
GET_TAG: Final = Operation("getTag", "GET", "/tags/{tagId}", "UserMemories.get_tag", model=api.Tag)

OPERATIONS: Final = {
    op.operation_id: op
    for op in (
        CREATE_TOKEN,
        CREATE_ACCESS_REQUEST,
        LIST_ACCESS_REQUESTS,
        GET_ACCESS_REQUEST,
        GET_ACCESS_CREDENTIALS,
        LIST_MEMORIES,
        GET_MEMORY,
        CREATE_MEMORY,
        UPDATE_MEMORY,
        DELETE_MEMORY,
        LIST_TAGS,
        GET_TAG,
    )
}
