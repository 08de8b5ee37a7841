"""Following ``next_cursor`` through a user's memories, one page in memory at a time.

A listing trusts nothing the server says about its own progress. It always ends: a cursor sent
twice, or :data:`STALE_PAGE_LIMIT` pages in a row that bring no memory not yielded before, stop
it with an :class:`APIResponseValidationError`, raised only after every memory already received
was yielded. Each memory is yielded once (a repeat of an id is skipped and counted), and one
item that cannot be read or decrypted does not hide the others.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Final

import attrs

from ._errors import APIResponseValidationError, DecryptionError
from ._hints import awaited_iterator, sync_for
from ._models import Memory
from ._operations import LIST_MEMORIES
from ._printable import quoted
from ._shapes import ResponseShapeError

# At most this many ids are named in an error message; all are on ``failures``.
_NAMED_IDS: Final = 10

# Pages in a row without a memory not yielded before, after which a listing is stopped. A
# correct server sends such a page only when, between two page requests, a whole page of
# memories was added ahead of the cursor (offset paging) or removed from behind it; that
# happening ten times in a row is not a listing that is making progress, while a server that
# loops (fresh cursors over the same items) is caught after ten requests.
STALE_PAGE_LIMIT: Final = 10


@attrs.frozen
class BrokenItem:
    """A listed item that could not be read (internal).

    Attributes:
        item_id: Its id, when that much could be read (else None).
        shape: What is wrong, its field named from the page (``memoryBlobs[3].importance``).
    """

    item_id: str | None
    shape: ResponseShapeError


Item = Memory | DecryptionError | BrokenItem
# A page is its items and the cursor of the next page (None on the last).
Page = tuple[list[Item], str | None]
Failure = DecryptionError | APIResponseValidationError


def _id_of(item: Item) -> str | None:
    if isinstance(item, Memory):
        return item.id
    if isinstance(item, DecryptionError):
        return item.memory_id
    return item.item_id


def _listing_error(
    message: str, shape: ResponseShapeError | None = None
) -> APIResponseValidationError:
    return APIResponseValidationError(
        message,
        method=LIST_MEMORIES.method,
        path=LIST_MEMORIES.path,
        status_code=200,
        field=None if shape is None else shape.field,
        expected=None if shape is None else shape.expected,
        received=None if shape is None else shape.received,
    )


def _named(ids: tuple[str, ...]) -> str:
    more = len(ids) - _NAMED_IDS
    return ", ".join(ids[:_NAMED_IDS]) + (f" and {more} more" if more > 0 else "")


class ListingGuard:
    """Whether a listing is getting anywhere, page after page (pure, no I/O).

    It remembers the cursors and the item ids seen, so that each item is taken once and a
    listing that loops is stopped; :class:`MemoryIterator` and ``reencrypt_memories()`` both
    list through one.
    """

    def __init__(self) -> None:
        self._cursors: set[str] = set()
        self._ids: set[str] = set()
        self._stale = 0

    def first_time(self, item_id: str | None) -> bool:
        """Whether ``item_id`` was not taken before in this listing (then it is now); an item
        whose id could not be read always is."""
        if item_id is None:
            return True
        if item_id in self._ids:
            return False
        self._ids.add(item_id)
        return True

    def after_page(
        self, ids: Iterable[str | None], cursor: str | None
    ) -> APIResponseValidationError | None:
        """Notes a page that was received (its items' ids and its next cursor), before its items
        are taken; returns the error that must end the listing once they are, if any.

        A page repeating a cursor sent before ends it, and so does the :data:`STALE_PAGE_LIMIT`
        th page in a row without an item not taken before.
        """
        seen = self._ids
        if any(i is not None and i not in seen for i in ids):
            self._stale = 0
        else:
            self._stale += 1
        if cursor is None:
            return None
        if cursor in self._cursors:
            return _listing_error(
                "the server sent a cursor it had sent before, which would loop forever; every "
                "memory received until then was handled first"
            )
        if self._stale >= STALE_PAGE_LIMIT:
            return _listing_error(
                f"the server sent {self._stale} pages in a row without a memory not listed "
                "before, so the listing was stopped (it would never end); every memory received "
                "until then was handled first"
            )
        self._cursors.add(cursor)
        return None


class MemoryIterator:
    """The memories of a user, page by page, decrypted: ``async for memory in ...``.

    Only one page is held at a time, whatever the number of memories (plus the ids already
    yielded, to yield each memory once). A memory that cannot be decrypted, or a listed item
    that does not match the API, does not stop the others: it is recorded on :attr:`failures`
    and skipped. With ``strict=True`` (the default), once every readable memory was yielded,
    the failures are raised: an :class:`APIResponseValidationError` naming the first broken
    field if an item could not be read, else a :class:`DecryptionError` naming the failed ids.
    With ``strict=False`` iteration just ends and the caller reads :attr:`failures`.

    A listing always ends. A cursor the server sent before, or :data:`STALE_PAGE_LIMIT` pages
    in a row without a memory not yielded before, stop it with an
    :class:`APIResponseValidationError` once the memories already received were yielded.

    Like an async generator, an iterator that raised is finished: later ``__anext__`` calls
    raise ``StopAsyncIteration``.

    Attributes:
        failures: The error of every item skipped so far: a :class:`DecryptionError` (with
            ``memory_id``) or an :class:`APIResponseValidationError` (with ``field`` and
            ``item_id``).
        duplicates_skipped: How many items were skipped because an item with their id came
            earlier in this listing.
        pages: How many pages were fetched so far.
    """

    def __init__(self, fetch: Callable[[str | None], Awaitable[Page]], *, strict: bool) -> None:
        self._fetch = fetch
        self._strict = strict
        self._items: Iterator[Item] = iter(())
        self._cursor: str | None = None
        self._guard = ListingGuard()
        self._more = True
        # Raised once the current page's items are out: the listing cannot go on.
        self._stop: APIResponseValidationError | None = None
        self._done = False
        self.failures: list[Failure] = []
        self.duplicates_skipped = 0
        self.pages = 0

    @property
    def failed_ids(self) -> tuple[str, ...]:
        """The ids of the items skipped so far as failures (``"?"`` where unreadable)."""
        return tuple(_failure_id(f) or "?" for f in self.failures)

    if not TYPE_CHECKING:  # hints for code no type checker saw (see _hints.py)
        __iter__ = sync_for
        __await__ = awaited_iterator

    def __aiter__(self) -> MemoryIterator:
        return self

    async def __anext__(self) -> Memory:
        if self._done:
            raise StopAsyncIteration
        try:
            return await self._next_memory()
        except Exception:
            # Whatever was raised (StopAsyncIteration included) ends the listing for good.
            self._done = True
            self._items = iter(())
            raise

    async def _next_memory(self) -> Memory:
        while True:
            for item in self._items:
                if not self._guard.first_time(_id_of(item)):
                    self.duplicates_skipped += 1
                    continue
                if isinstance(item, Memory):
                    return item
                self.failures.append(item if isinstance(item, DecryptionError) else _broken(item))
            if self._stop is not None:
                raise self._stop
            if not self._more:
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
        self._stop = self._guard.after_page(map(_id_of, items), cursor)
        self._more = cursor is not None and self._stop is None
        self._cursor = cursor

    def _summary(self) -> APIResponseValidationError | DecryptionError:
        broken = [f for f in self.failures if isinstance(f, APIResponseValidationError)]
        undecryptable = [f for f in self.failures if isinstance(f, DecryptionError)]
        if broken:
            first = broken[0]
            ids = tuple(quoted(f.item_id) if f.item_id else "?" for f in broken)
            also = f" ({len(undecryptable)} more could not be decrypted)" if undecryptable else ""
            error = _listing_error(
                f"{len(broken)} listed memories could not be read ({_named(ids)}; first: "
                f"{first.detail}){also}; every other memory was returned. Pass strict=False to "
                "skip them and read .failures",
                ResponseShapeError(
                    field=first.field, expected=first.expected, received=first.received
                ),
            )
            error.item_id = first.item_id
            return error
        ids = tuple(quoted(f.memory_id) if f.memory_id else "?" for f in undecryptable)
        return DecryptionError(
            f"{len(ids)} listed memories could not be decrypted ({_named(ids)}; first reason: "
            f"{undecryptable[0].reason}); every other memory was returned. Check the "
            "credentials' keys (after a rotation use Credentials.rotated_to), or pass "
            "strict=False and read .failures"
        )


def _failure_id(failure: Failure) -> str | None:
    if isinstance(failure, DecryptionError):
        return failure.memory_id
    return failure.item_id


def _broken(item: BrokenItem) -> APIResponseValidationError:
    error = _listing_error(str(item.shape), item.shape)
    error.item_id = item.item_id
    return error
