"""The twelve operations of openapi.yaml, described once: the table everything else reads.

Each :class:`Operation` says how the SDK sends and reads one operation: its method and path
template (for errors and logs; the concrete path comes from the generated request builder),
the generated model of its success body (read with ``from_dict``; its class name is the schema
the tolerant reader checks, see ``_shapes.py``), whether repeating it could create a duplicate,
and which public method performs it. The tests' operation tables are derived from
:data:`OPERATIONS` too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Generic, Protocol, Self, TypeVar

import attrs
from memoram_api import models as api


class Model(Protocol):
    """A generated model: built from the JSON of an answer."""

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self: ...


M = TypeVar("M", bound=Model)


@attrs.frozen
class Operation(Generic[M]):
    """One operation of the API.

    Attributes:
        operation_id: Its ``operationId`` in openapi.yaml.
        method: The HTTP method.
        path: The path template, as in openapi.yaml.
        public: The public method that performs it (``Class.method``).
        model: The generated model of the success body (any 2xx is read with it: a create
            answered 200 instead of 201 is still a success).
        create: Whether repeating it could create a duplicate (retried cautiously).
        success: The documented success status.
    """

    operation_id: str
    method: str
    path: str
    public: str
    model: type[M]
    create: bool = False
    success: int = 200

    @property
    def schema(self) -> str:
        """The response schema of its success body (a key of ``_shapes.RESPONSE_SHAPES``)."""
        return self.model.__name__


CREATE_TOKEN: Final = Operation(
    "createToken",
    "POST",
    "/auth/token",
    "MemoramClient (tokens are fetched automatically)",
    api.AuthTokenResponse,
)
CREATE_ACCESS_REQUEST: Final = Operation(
    "createAccessRequest",
    "POST",
    "/access-requests",
    "MemoramClient.request_access",
    api.AccessRequest,
    create=True,
    success=201,
)
LIST_ACCESS_REQUESTS: Final = Operation(
    "listAccessRequests",
    "GET",
    "/access-requests",
    "MemoramClient.list_access_requests",
    api.AccessRequestList,
)
GET_ACCESS_REQUEST: Final = Operation(
    "getAccessRequest",
    "GET",
    "/access-requests/{requestId}",
    "MemoramClient.get_access_request",
    api.AccessRequest,
)
GET_ACCESS_CREDENTIALS: Final = Operation(
    "getAccessCredentials",
    "GET",
    "/access-requests/{requestId}/credentials",
    "MemoramClient.get_credentials",
    api.AccessCredentials,
)
LIST_MEMORIES: Final = Operation(
    "listMemories", "GET", "/memory-blobs", "UserMemories.list_memories", api.MemoryBlobList
)
GET_MEMORY: Final = Operation(
    "getMemory", "GET", "/memory-blobs/{blobId}", "UserMemories.get_memory", api.MemoryBlob
)
CREATE_MEMORY: Final = Operation(
    "createMemory",
    "POST",
    "/memory-blobs",
    "UserMemories.create_memory",
    api.MemoryBlobResponse,
    create=True,
    success=201,
)
UPDATE_MEMORY: Final = Operation(
    "updateMemory",
    "PATCH",
    "/memory-blobs/{blobId}",
    "UserMemories.update_memory",
    api.MemoryBlobResponse,
)
DELETE_MEMORY: Final = Operation(
    "deleteMemory",
    "DELETE",
    "/memory-blobs/{blobId}",
    "UserMemories.delete_memory",
    api.DeleteMemoryResponse,
)
LIST_TAGS: Final = Operation("listTags", "GET", "/tags", "UserMemories.list_tags", api.TagList)
GET_TAG: Final = Operation("getTag", "GET", "/tags/{tagId}", "UserMemories.get_tag", api.Tag)

OPERATIONS: Final[Mapping[str, Operation[Any]]] = {
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
