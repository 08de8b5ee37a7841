"""The twelve operations of openapi.yaml: how each is retried, and which public method calls it."""

from __future__ import annotations

from typing import Final

import attrs


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
    """

    operation_id: str
    method: str
    path: str
    public: str
    create: bool = False
    success: int = 200


CREATE_TOKEN: Final = Operation(
    "createToken", "POST", "/auth/token", "MemoramClient (tokens are fetched automatically)"
)
CREATE_ACCESS_REQUEST: Final = Operation(
    "createAccessRequest",
    "POST",
    "/access-requests",
    "MemoramClient.request_access",
    create=True,
    success=201,
)
LIST_ACCESS_REQUESTS: Final = Operation(
    "listAccessRequests", "GET", "/access-requests", "MemoramClient.list_access_requests"
)
GET_ACCESS_REQUEST: Final = Operation(
    "getAccessRequest", "GET", "/access-requests/{requestId}", "MemoramClient.get_access_request"
)
GET_ACCESS_CREDENTIALS: Final = Operation(
    "getAccessCredentials",
    "GET",
    "/access-requests/{requestId}/credentials",
    "MemoramClient.get_credentials",
)
LIST_MEMORIES: Final = Operation(
    "listMemories", "GET", "/memory-blobs", "UserMemories.list_memories"
)
GET_MEMORY: Final = Operation(
    "getMemory", "GET", "/memory-blobs/{blobId}", "UserMemories.get_memory"
)
CREATE_MEMORY: Final = Operation(
    "createMemory", "POST", "/memory-blobs", "UserMemories.create_memory", create=True, success=201
)
UPDATE_MEMORY: Final = Operation(
    "updateMemory", "PATCH", "/memory-blobs/{blobId}", "UserMemories.update_memory"
)
DELETE_MEMORY: Final = Operation(
    "deleteMemory", "DELETE", "/memory-blobs/{blobId}", "UserMemories.delete_memory"
)
LIST_TAGS: Final = Operation("listTags", "GET", "/tags", "UserMemories.list_tags")
GET_TAG: Final = Operation("getTag", "GET", "/tags/{tagId}", "UserMemories.get_tag")

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
