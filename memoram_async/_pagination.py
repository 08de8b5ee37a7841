"""Following ``next_cursor`` through a user's memories, one page in memory at a time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Final

from ._errors import APIResponseValidationError, DecryptionError
from ._models import Memory
from ._operations import LIST_MEMORIES
from ._printable import quoted

# A page is its items (a Memory, or the DecryptionError of one that could not be read) and the
# cursor of the next page (None on the last).
Page = tuple[list[Memory | DecryptionError], str | None]
# At most this many ids are named in the error message; all are on ``failures``.
_NAMED_IDS: Final = 10


class MemoryIterator:
    """The memories of a user, page by page, decrypted: ``async for memory in ...``.

    Only one page is held at a time, whatever the number of memories. A memory that cannot be
    decrypted does not stop the others: it is recorded on :attr:`failures` and skipped. With
    ``strict=True`` (the default), once every readable memory was yielded, a
    :class:`DecryptionError` naming the failed ids is raised; with ``strict=False`` iteration
    just ends and the caller reads :attr:`failures`.

    Attributes:
        failures: The DecryptionError of every memory skipped so far (each has ``memory_id``).
        pages: How many pages were fetched so far.
    """

    def __init__(self, fetch: Callable[[str | None], Awaitable[Page]], *, strict: bool) -> None:
        self._fetch = fetch
        self._strict = strict
        self._items: Iterator[Memory | DecryptionError] = iter(())
        self._cursor: str | None = None
        self._seen: set[str] = set()
        self._last_page = False
        self._finished = False
        self.failures: list[DecryptionError] = []
        self.pages = 0

    @property
    def failed_ids(self) -> tuple[str, ...]:
        """The ids of the memories that could not be decrypted so far."""
        return tuple(f.memory_id or "?" for f in self.failures)

    def __aiter__(self) -> MemoryIterator:
        return self

    async def __anext__(self) -> Memory:
        while True:
            for item in self._items:
                if isinstance(item, DecryptionError):
                    self.failures.append(item)
                    continue
                return item
            if self._finished:
                raise StopAsyncIteration
            if self._last_page:
                self._finished = True
                if self._strict and self.failures:
                    raise self._summary()
                raise StopAsyncIteration
            await self._next_page()

    async def _next_page(self) -> None:
        # Drop the previous page before fetching the next: at most one is alive.
        self._items = iter(())
        items, cursor = await self._fetch(self._cursor)
        self.pages += 1
        self._items = iter(items)
        if cursor is None:
            self._last_page = True
        elif cursor in self._seen:
            # That page repeats one already yielded: drop it, so no later __anext__ yields it.
            self._items = iter(())
            self._finished = True
            raise APIResponseValidationError(
                "the server sent a cursor it had sent before, which would loop forever",
                method=LIST_MEMORIES.method,
                path=LIST_MEMORIES.path,
                status_code=200,
            )
        else:
            self._seen.add(cursor)
            self._cursor = cursor

    def _summary(self) -> DecryptionError:
        ids = self.failed_ids
        named = ", ".join(quoted(memory_id) for memory_id in ids[:_NAMED_IDS]) + (
            f" and {len(ids) - _NAMED_IDS} more" if len(ids) > _NAMED_IDS else ""
        )
        first = self.failures[0].reason
        error = DecryptionError(
            f"{len(ids)} listed memories could not be decrypted ({named}; first reason: {first}); "
            "every other memory was returned. Check the credentials' keys (after a rotation use "
            "Credentials.rotated_to), or pass strict=False and read .failures"
        )
        return error
