"""Contains all the data models used in inputs/outputs"""

from .access_credentials import AccessCredentials
from .access_request import AccessRequest
from .access_request_list import AccessRequestList
from .access_request_status import AccessRequestStatus
from .auth_token_request import AuthTokenRequest
from .auth_token_response import AuthTokenResponse
from .create_access_request import CreateAccessRequest
from .create_memory_request import CreateMemoryRequest
from .delete_memory_response import DeleteMemoryResponse
from .error import Error
from .memory_blob import MemoryBlob
from .memory_blob_list import MemoryBlobList
from .memory_blob_response import MemoryBlobResponse
from .tag import Tag
from .tag_list import TagList
from .update_memory_request import UpdateMemoryRequest

__all__ = (
    "AccessCredentials",
    "AccessRequest",
    "AccessRequestList",
    "AccessRequestStatus",
    "AuthTokenRequest",
    "AuthTokenResponse",
    "CreateAccessRequest",
    "CreateMemoryRequest",
    "DeleteMemoryResponse",
    "Error",
    "MemoryBlob",
    "MemoryBlobList",
    "MemoryBlobResponse",
    "Tag",
    "TagList",
    "UpdateMemoryRequest",
)
