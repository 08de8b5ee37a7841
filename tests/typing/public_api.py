"""Uses the public API as an application would; `mypy --strict` must accept it (make typecheck)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import httpx

from memoram_async import (
    AccessDeniedError,
    AccessRequest,
    AccessRequestStatus,
    APIResponseValidationError,
    APIStatusError,
    ApprovalTimeoutError,
    Credentials,
    DecryptionError,
    MemoramClient,
    MemoramError,
    Memory,
    MemoryIterator,
    RateLimitError,
    ReencryptionResult,
    ResponseTooLargeError,
    Tag,
    UnknownAccessStatusError,
    UserMemories,
    ValidationError,
    envelope_key_version,
    is_envelope,
)
from memoram_async.testing import MemoramLocal


async def connect(memory_key: str) -> Credentials:
    """Ask for access and wait for the user's decision."""
    async with MemoramClient(api_key="mem_x", timeout=httpx.Timeout(10.0), max_retries=3) as client:
        request: AccessRequest = await client.request_access(memory_key, reason="Remember things")
        pending: bool = request.status is AccessRequestStatus.PENDING
        assert pending or request.is_decided
        # An open enum: a status a newer API added is a plain str.
        status: AccessRequestStatus | str = request.status
        expired: bool = status == "expired"
        assert not expired or status not in list(AccessRequestStatus)
        try:
            await client.wait_for_approval(request.id, timeout=60.0)
        except (AccessDeniedError, ApprovalTimeoutError):
            raise
        except UnknownAccessStatusError as unknown:
            text: str = unknown.status
            assert text
        requests: list[AccessRequest] = await client.list_access_requests()
        assert requests
        return await client.get_credentials(request.id)


async def use(credentials: Credentials) -> None:
    """Write, read, list, update and delete memories; read tags; rotate."""
    client = MemoramClient(base_url="http://127.0.0.1:8765/api/v1", idempotent_creates=True)
    user: UserMemories = client.user(credentials)
    user_id: UUID = user.user_id
    memory: Memory = await user.create_memory(
        "text", title="t", tags=["a"], importance=0.5, confidence=1.0, source="typing"
    )
    content: str | None = (await user.get_memory(memory.id)).content
    created: datetime | None = memory.created_at
    tags_of_memory: tuple[str, ...] = memory.tags
    iterator: MemoryIterator = user.list_memories(
        tags=["a"], search="t", page_size=10, strict=False
    )
    async for item in iterator:
        print(item.id, item.importance)
    failed: tuple[str, ...] = iterator.failed_ids
    errors: list[DecryptionError | APIResponseValidationError] = iterator.failures
    repeats: int = iterator.duplicates_skipped
    updated = await user.with_options(max_retries=0).update_memory(memory.id, tags=[], title="")
    await user.delete_memory(updated.id)
    tags: list[Tag] = await user.list_tags()
    tag: Tag = await user.get_tag(tags[0].id)
    result: ReencryptionResult = await user.reencrypt_memories()
    print(user_id, content, created, tags_of_memory, failed, errors, repeats, tag.name)
    print(result.reencrypted)
    await client.with_options(timeout=5.0).aclose()


def store(credentials: Credentials) -> Credentials:
    """Credentials survive a round trip through plain values, and merge after rotation."""
    data = credentials.to_dict()
    again = Credentials.from_dict(data)
    newer = Credentials(
        user_id=str(again.user_id), memory_key="mk", encryption_key="00" * 32, key_version=2
    )
    return again.rotated_to(newer)


def handle(error: Exception) -> str:
    """Errors expose typed attributes."""
    if isinstance(error, RateLimitError):
        return f"wait {error.retry_after}"
    if isinstance(error, APIStatusError):
        wait: float | None = error.retry_after
        return f"{error.status_code} {error.request_id} {error.method} {error.path} {wait}"
    if isinstance(error, ResponseTooLargeError):
        return f"{error.limit_bytes} {error.received_bytes}"
    if isinstance(error, APIResponseValidationError):
        field: str | None = error.field
        item: str | None = error.item_id
        return f"{field} {error.expected} {error.received} {item}"
    if isinstance(error, ApprovalTimeoutError):
        last: MemoramError | None = error.last_error
        return f"{last} {error.failed_polls} {error.polls}"
    if isinstance(error, ValidationError | MemoramError):
        return str(error.outcome_unknown)
    return ""


def needs_reencryption(stored_content: str, current_version: int) -> bool:
    """The envelope helpers read a stored content's key version without a key."""
    return is_envelope(stored_content) and envelope_key_version(stored_content) < current_version


async def play_the_user(memoram_local: MemoramLocal) -> list[str]:
    """The testing fixture's helpers are coroutines with typed results."""
    approved: str = await memoram_local.approve_next(timeout=5.0)
    rejected: str = await memoram_local.reject_next()
    user: UserMemories = await memoram_local.approved_user("mk_typing")
    version: int = await memoram_local.rotate_key(user)
    print(approved, rejected, version, memoram_local.base_url, memoram_local.dashboard_url)
    return await memoram_local.pending()
