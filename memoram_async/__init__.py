"""memoram_async: the async Python SDK for the Memoram API.

```python
from memoram_async import MemoramClient

async with MemoramClient() as client:  # MEMORAM_API_KEY from the environment
    request = await client.request_access(memory_key, reason="Remember your preferences")
    await client.wait_for_approval(request.id)
    user = client.user(await client.get_credentials(request.id))
    memory = await user.create_memory("Prefers window seats", tags=["travel"])
```
"""

from ._aiohttp import DefaultAioHttpClient
from ._client import MemoramClient
from ._constants import DEFAULT_BASE_URL
from ._envelope import envelope_key_version, is_envelope
from ._errors import (
    AccessDeniedError,
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ApprovalPendingError,
    ApprovalTimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConflictError,
    DecryptionError,
    EventLoopError,
    InternalServerError,
    InvalidKeyError,
    MemoramError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    UnknownAccessStatusError,
    UnprocessableEntityError,
    ValidationError,
)
from ._models import (
    AccessRequest,
    AccessRequestStatus,
    Credentials,
    Memory,
    ReencryptionResult,
    Tag,
)
from ._options import NOT_GIVEN
from ._pagination import MemoryIterator
from ._secret import Secret
from ._user import UserMemories

__all__ = [
    "DEFAULT_BASE_URL",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AccessDeniedError",
    "AccessRequest",
    "AccessRequestStatus",
    "ApprovalPendingError",
    "ApprovalTimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "Credentials",
    "DecryptionError",
    "DefaultAioHttpClient",
    "EventLoopError",
    "InternalServerError",
    "InvalidKeyError",
    "MemoramClient",
    "MemoramError",
    "Memory",
    "MemoryIterator",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ReencryptionResult",
    "RequestTooLargeError",
    "Secret",
    "Tag",
    "UnknownAccessStatusError",
    "UnprocessableEntityError",
    "UserMemories",
    "ValidationError",
    "envelope_key_version",
    "is_envelope",
]
