"""Key rotation: rewriting every memory stored under an older key version, page by page.

Kept apart from UserMemories (which supplies the write; StoredReader does the reads) so that
the rules live in one place: nothing is overwritten that changed since it was listed, content
that cannot be decrypted is left alone and reported, and every update finishes before any error
is raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from uuid import UUID

from memoram_api import models as api
from memoram_api.api.memory_management import get_memory, list_memories
from memoram_api.types import UNSET

from ._constants import MAX_PAGE_SIZE, MAX_REENCRYPT_CONCURRENCY
from ._convert import blob_id, expect, list_of, stored_content
from ._crypto import Keyring
from ._envelope import is_envelope
from ._errors import DecryptionError, NotFoundError, ValidationError
from ._memory_wire import next_cursor_of
from ._models import ReencryptionResult
from ._operations import GET_MEMORY, LIST_MEMORIES
from ._options import Options
from ._session import Session

# A page of (memory id, stored content) and the next cursor.
RawPage = tuple[list[tuple[str, str]], str | None]


def check_concurrency(value: object) -> int:
    """Updates in flight at once: an int from 1 to 32."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError("concurrency must be an int")
    if not 1 <= value <= MAX_REENCRYPT_CONCURRENCY:
        raise ValidationError(f"concurrency must be between 1 and {MAX_REENCRYPT_CONCURRENCY}")
    return value


class StoredReader:
    """Reads a user's memories as stored (envelopes), without decrypting them."""

    def __init__(self, session: Session, options: Options, user_id: UUID) -> None:
        self._session = session
        self._options = options
        self._user_id = user_id

    async def stored(self, memory_id: str) -> str:
        """One memory's content as stored."""
        return await self._session.call(
            GET_MEMORY,
            get_memory._get_kwargs(memory_id, user_id=self._user_id),
            stored_content,
            self._options,
        )

    async def page(self, cursor: str | None) -> RawPage:
        """One page of (id, stored content), largest pages, from ``cursor``."""

        def parse(page: api.MemoryBlobList) -> RawPage:
            raw = []
            for item in list_of(page.memory_blobs, "memoryBlobs"):
                blob = expect(item, api.MemoryBlob, "a memory")
                raw.append((blob_id(blob), stored_content(blob)))
            return raw, next_cursor_of(page.next_cursor)

        spec = list_memories._get_kwargs(
            user_id=self._user_id, limit=MAX_PAGE_SIZE, cursor=UNSET if cursor is None else cursor
        )
        return await self._session.call(LIST_MEMORIES, spec, parse, self._options)


async def reencrypt_all(
    keyring: Keyring,
    user_text: str,
    reader: StoredReader,
    write: Callable[[str, str], Awaitable[None]],
    concurrency: object,
) -> ReencryptionResult:
    """Rewrite, under the current key, every listed memory that uses an older one.

    Args:
        keyring: The user's keys (the current one and older ones).
        user_text: The user's id as text (the envelopes' associated data).
        reader: Lists pages of stored contents, and reads one memory's stored content again.
        write: Stores a new envelope as a memory's content.
        concurrency: Updates in flight at once, checked (1 to 32) before anything is sent.
    """
    limit = asyncio.Semaphore(check_concurrency(concurrency))
    scanned = rewritten = 0
    failed: list[str] = []
    skipped: list[str] = []

    async def rewrite(memory_id: str, listed: str, envelope: str) -> None:
        # The API has no conditional update: read the memory again just before writing, so
        # content someone changed since the listing is not overwritten with the old text
        # (this narrows the race to the time between the two requests).
        async with limit:
            try:
                if await reader.stored(memory_id) != listed:
                    skipped.append(memory_id)
                    return
                await write(memory_id, envelope)
            except NotFoundError:  # deleted meanwhile: nothing left to rewrite
                skipped.append(memory_id)
                return
        nonlocal rewritten
        rewritten += 1

    cursor: str | None = None
    seen: set[str] = set()
    while True:
        raw, cursor = await reader.page(cursor)
        jobs = []
        for memory_id, stored in raw:
            scanned += 1
            try:
                if not is_envelope(stored):
                    raise DecryptionError("not an envelope", memory_id=memory_id)
                if not keyring.needs_reencryption(stored):
                    continue
                fresh = keyring.reencrypt(stored, user_text, memory_id=memory_id)
            except DecryptionError:
                failed.append(memory_id)
                continue
            jobs.append(rewrite(memory_id, stored, fresh))
        # Every update is awaited before any error is raised: none is left running.
        outcomes = await asyncio.gather(*jobs, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        if cursor is None or cursor in seen:
            break
        seen.add(cursor)
    return ReencryptionResult(
        scanned=scanned,
        reencrypted=rewritten,
        failed_ids=tuple(failed),
        skipped_ids=tuple(skipped),
    )
