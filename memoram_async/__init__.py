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

import inspect
import typing
from typing import Any as _Any

from ._aiohttp import DefaultAioHttpClient
from ._approval import AccessDeniedError, ApprovalTimeoutError, UnknownAccessStatusError
from ._client import MemoramClient
from ._constants import DEFAULT_BASE_URL
from ._envelope import envelope_key_version, is_envelope
from ._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ApprovalPendingError,
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
    ResponseTooLargeError,
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
    "ResponseTooLargeError",
    "Secret",
    "Tag",
    "UnknownAccessStatusError",
    "UnprocessableEntityError",
    "UserMemories",
    "ValidationError",
    "envelope_key_version",
    "is_envelope",
]


def _rehome(value: _Any) -> None:
    """Show ``value`` as ``memoram_async.<name>``, its annotations still resolvable.

    ``typing.get_type_hints`` reads a class's string annotations in the globals of its
    ``__module__``: they are resolved here, in the defining module, before it changes.
    (Functions resolve theirs in ``__globals__``, which does not change.)
    """
    if isinstance(value, type) and (own := inspect.get_annotations(value)):
        hints = typing.get_type_hints(value, include_extras=True)
        value.__annotations__ = {name: hints.get(name, hint) for name, hint in own.items()}
    value.__module__ = __name__


# Tracebacks, reprs and the docs name the public path (memoram_async.NotFoundError), not the
# private module a class is defined in.
for _name in __all__:
    _value = globals()[_name]
    if isinstance(_value, type) or callable(_value):
        _rehome(_value)
del _name, _value
