"""The fact sheet's JSON examples parse with the generated models and serialize back unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from memoram_api.models import (
    AccessCredentials,
    AccessRequest,
    AccessRequestList,
    MemoryBlobList,
    TagList,
)

ACCESS_REQUEST = {
    "id": "cm8r8ny2i001mm24853tqfd62",
    "status": "pending",
    "reason": "Remember your preferences across chats",
    "memoryKey": "mk_3f9a1c",
    "user_id": None,
    "aiConnectorId": "cm8r8mz7a0001m248abcd1234",
    "createdAt": "2025-03-28T10:15:30+00:00",
    "updatedAt": "2025-03-28T10:15:30+00:00",
}
APPROVED = {
    **ACCESS_REQUEST,
    "id": "cm8r8ny2i001mm24853tqfd63",
    "status": "approved",
    "user_id": "5b0e8a52-2f43-4d8e-9a55-0d3c7a0f6e21",
}
CREDENTIALS = {
    "user_id": "5b0e8a52-2f43-4d8e-9a55-0d3c7a0f6e21",
    "memory_key": "mk_3f9a1c",
    "encryption_key": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
    "key_version": 1,
}
MEMORY_BLOB_LIST = {
    "memoryBlobs": [
        {
            "id": "mem_123456789",
            "user_id": "5b0e8a52-2f43-4d8e-9a55-0d3c7a0f6e21",
            "content": "mrm1.AQAAAAE",
            "title": "Favourite tea",
            "summary": "Likes green tea",
            "tags": ["preferences", "drinks"],
            "tag_ids": ["tag_123", "tag_124"],
            "importance": 0.8,
            "confidence": 0.95,
            "source": "my-chat-app",
            "created_at": "2025-03-28T10:15:30+00:00",
            "updated_at": "2025-03-28T10:15:30+00:00",
        }
    ],
    "next_cursor": None,
}
TAG_LIST = {
    "items": [
        {
            "id": "tag_123",
            "name": "preferences",
            "description": "",
            "color": "#4F46E5",
            "is_enabled": True,
            "created_at": "2025-03-28T10:15:30+00:00",
            "updated_at": "2025-03-28T10:15:30+00:00",
        }
    ]
}


@pytest.mark.parametrize(
    ("model", "payload"),
    [
        (AccessRequest, ACCESS_REQUEST),
        (AccessRequestList, {"items": [ACCESS_REQUEST, APPROVED], "total": 2}),
        (AccessCredentials, CREDENTIALS),
        (MemoryBlobList, MEMORY_BLOB_LIST),
        (TagList, TAG_LIST),
    ],
)
def test_example_round_trips(model: Any, payload: dict[str, Any]) -> None:
    """from_dict then to_dict gives back the same keys and values."""
    assert model.from_dict(payload).to_dict() == payload


def test_nullable_fields_parse_as_none() -> None:
    """A pending request's null user_id and the last page's null next_cursor are None."""
    assert AccessRequest.from_dict(ACCESS_REQUEST).user_id is None
    assert MemoryBlobList.from_dict(MEMORY_BLOB_LIST).next_cursor is None


def test_wire_names_map_to_python_attributes() -> None:
    """camelCase wire names become snake_case attributes holding Python types."""
    request = AccessRequest.from_dict(APPROVED)
    assert request.memory_key == "mk_3f9a1c"
    assert str(request.user_id) == APPROVED["user_id"]
    assert request.created_at.year == 2025
    blobs = MemoryBlobList.from_dict(MEMORY_BLOB_LIST).memory_blobs
    assert blobs[0].tag_ids == ["tag_123", "tag_124"]
