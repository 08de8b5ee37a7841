"""MemoryIterator and ListingGuard: listings that always end, yield each id once, and survive
one bad item; driven by scripted pages, without HTTP."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import pytest

from memoram_async import APIResponseValidationError, DecryptionError, Memory
from memoram_async._pagination import (
    STALE_PAGE_LIMIT,
    BrokenItem,
    Item,
    ListingGuard,
    MemoryIterator,
    Page,
)
from memoram_async._shapes import ResponseShapeError
from tests.support.listing import drain

USER = uuid.UUID("123e4567-e89b-12d3-a456-426614174000")
# Every loop in these tests ends well before this many pages.
PAGE_BOUND = 1000


def memory(memory_id: str) -> Memory:
    """A listed memory."""
    return Memory(id=memory_id, user_id=USER, content=f"content of {memory_id}")


def broken(memory_id: str | None, index: int = 0) -> BrokenItem:
    """A listed item whose importance is a string."""
    shape = ResponseShapeError(
        field=f"memoryBlobs[{index}].importance",
        expected="a number or null",
        received="a string",
        operation="listMemories",
    )
    return BrokenItem(memory_id, shape)


class Pages:
    """A scripted server: the pages in order, then (when ``forever``) the last one again and again
    with a fresh cursor each time."""

    def __init__(self, *pages: Page, forever: bool = False) -> None:
        self.pages = list(pages)
        self.forever = forever
        self.cursors: list[str | None] = []

    async def __call__(self, cursor: str | None) -> Page:
        self.cursors.append(cursor)
        assert len(self.cursors) < PAGE_BOUND, "the listing did not end"
        await asyncio.sleep(0)
        index = len(self.cursors) - 1
        if index < len(self.pages):
            return self.pages[index]
        if not self.forever:
            raise AssertionError("fetched past the last page")
        items, _ = self.pages[-1]
        return list(items), f"fresh-{index}"


def page(items: Sequence[Item], cursor: str | None) -> Page:
    """One page."""
    return list(items), cursor


async def test_pages_are_followed_to_the_last() -> None:
    """Each page's cursor fetches the next; a null cursor ends the listing quietly."""
    pages = Pages(page([memory("a")], "c1"), page([memory("b")], "c2"), page([memory("c")], None))
    iterator = MemoryIterator(pages, strict=True)
    assert await drain(iterator) == (["a", "b", "c"], None)
    assert pages.cursors == [None, "c1", "c2"]
    assert (iterator.pages, iterator.duplicates_skipped) == (3, 0)


async def test_a_repeated_cursor_yields_its_page_then_raises() -> None:
    """The page that repeats a cursor is still yielded (its new items), then the typed error."""
    pages = Pages(
        page([memory("a1"), memory("a2")], "same"), page([memory("b1"), memory("b2")], "same")
    )
    iterator = MemoryIterator(pages, strict=True)
    ids, error = await drain(iterator)
    assert ids == ["a1", "a2", "b1", "b2"]
    assert isinstance(error, APIResponseValidationError)
    assert "cursor it had sent before" in str(error)
    assert error.status_code == 200
    assert len(pages.cursors) == 2


async def test_fresh_cursors_over_the_same_items_stop_after_the_stale_limit() -> None:
    """A server looping with a new cursor each time is stopped after STALE_PAGE_LIMIT pages
    without a new memory; the two memories come once, then the error."""
    pages = Pages(page([memory("m1"), memory("m2")], "c0"), forever=True)
    iterator = MemoryIterator(pages, strict=False)
    ids, error = await drain(iterator)
    assert ids == ["m1", "m2"]
    assert isinstance(error, APIResponseValidationError)
    assert f"{STALE_PAGE_LIMIT} pages in a row" in str(error)
    assert iterator.pages == 1 + STALE_PAGE_LIMIT
    assert iterator.duplicates_skipped == 2 * STALE_PAGE_LIMIT


async def test_empty_pages_with_cursors_forever_are_stopped() -> None:
    """Endless empty pages that each carry a new cursor end the listing too."""
    iterator = MemoryIterator(Pages(page([], "c0"), forever=True), strict=True)
    ids, error = await drain(iterator)
    assert ids == []
    assert isinstance(error, APIResponseValidationError)
    assert iterator.pages == STALE_PAGE_LIMIT


async def test_a_few_stale_pages_in_between_do_not_stop_a_listing() -> None:
    """Fewer than STALE_PAGE_LIMIT pages without news, then new memories: the listing goes on."""
    stale = [page([memory("a")], f"s{i}") for i in range(STALE_PAGE_LIMIT - 1)]
    pages = Pages(page([memory("a")], "c0"), *stale, page([memory("b")], None))
    assert await drain(MemoryIterator(pages, strict=True)) == (["a", "b"], None)


async def test_an_item_on_two_pages_is_yielded_once_and_counted() -> None:
    """``m1, m2 | m2, m3``: m2 is yielded once; the repeat is counted on duplicates_skipped."""
    pages = Pages(
        page([memory("m1"), memory("m2")], "c1"), page([memory("m2"), memory("m3")], None)
    )
    iterator = MemoryIterator(pages, strict=True)
    assert await drain(iterator) == (["m1", "m2", "m3"], None)
    assert iterator.duplicates_skipped == 1


async def test_a_repeat_within_a_page_is_skipped_too() -> None:
    """The same id twice on one page is yielded once."""
    iterator = MemoryIterator(Pages(page([memory("x"), memory("x")], None)), strict=True)
    assert await drain(iterator) == (["x"], None)
    assert iterator.duplicates_skipped == 1


async def test_non_strict_skips_a_broken_item_and_keeps_the_rest() -> None:
    """strict=False: the broken item is on failures (field, item_id); the rest of its page and
    the later pages still come."""
    pages = Pages(
        page([memory("a"), broken("bad", 1), memory("b")], "c1"), page([memory("c")], None)
    )
    iterator = MemoryIterator(pages, strict=False)
    assert await drain(iterator) == (["a", "b", "c"], None)
    [failure] = iterator.failures
    assert isinstance(failure, APIResponseValidationError)
    assert (failure.field, failure.received, failure.item_id) == (
        "memoryBlobs[1].importance",
        "a string",
        "bad",
    )
    assert iterator.failed_ids == ("bad",)


async def test_strict_raises_the_broken_item_after_every_good_one() -> None:
    """strict=True: every readable memory first, then an APIResponseValidationError naming the
    first broken field and the ids."""
    pages = Pages(
        page([broken("bad", 0), memory("a")], "c1"),
        page([memory("b"), broken(None, 1)], None),
    )
    iterator = MemoryIterator(pages, strict=True)
    ids, error = await drain(iterator)
    assert ids == ["a", "b"]
    assert isinstance(error, APIResponseValidationError)
    assert (error.field, error.received, error.item_id) == (
        "memoryBlobs[0].importance",
        "a string",
        "bad",
    )
    assert "2 listed memories could not be read ('bad', ?" in str(error)
    assert iterator.failed_ids == ("bad", "?")


async def test_strict_reports_broken_items_before_undecryptable_ones() -> None:
    """With both kinds of failure, the error is the response error, and it counts the others."""
    pages = Pages(
        page([DecryptionError("bad tag", memory_id="d1"), broken("b1"), memory("ok")], None)
    )
    ids, error = await drain(MemoryIterator(pages, strict=True))
    assert ids == ["ok"]
    assert isinstance(error, APIResponseValidationError)
    assert "1 more could not be decrypted" in str(error)


async def test_a_failure_repeated_is_recorded_once() -> None:
    """An undecryptable or broken item listed twice is one failure and one duplicate."""
    pages = Pages(
        page([DecryptionError("x", memory_id="d1"), broken("b1")], "c1"),
        page([DecryptionError("x", memory_id="d1"), broken("b1"), memory("m")], None),
    )
    iterator = MemoryIterator(pages, strict=False)
    assert await drain(iterator) == (["m"], None)
    assert iterator.failed_ids == ("d1", "b1")
    assert iterator.duplicates_skipped == 2


@pytest.mark.parametrize("strict", [True, False])
async def test_after_an_error_the_iterator_is_finished(strict: bool) -> None:
    """Once __anext__ raised (a loop, a failed fetch), later calls raise StopAsyncIteration and
    fetch nothing."""
    pages = Pages(page([memory("a")], "same"), page([memory("b")], "same"))
    iterator = MemoryIterator(pages, strict=strict)
    ids, error = await drain(iterator)
    assert (ids, type(error)) == (["a", "b"], APIResponseValidationError)
    for _ in range(3):
        with pytest.raises(StopAsyncIteration):
            await iterator.__anext__()
    assert len(pages.cursors) == 2


async def test_a_fetch_that_fails_ends_the_iterator() -> None:
    """An error fetching a page is raised once; the iterator then ends instead of raising it
    again or re-fetching."""
    calls = 0

    async def failing(cursor: str | None) -> Page:
        nonlocal calls
        calls += 1
        if cursor is None:
            return [memory("a")], "c1"
        raise ConnectionError("lost")

    iterator = MemoryIterator(failing, strict=True)
    ids, error = await drain(iterator)
    assert (ids, type(error)) == (["a"], ConnectionError)
    with pytest.raises(StopAsyncIteration):
        await iterator.__anext__()
    assert calls == 2


async def test_a_strict_summary_is_raised_once() -> None:
    """The end-of-listing DecryptionError comes once; then the iterator is finished."""
    iterator = MemoryIterator(
        Pages(page([DecryptionError("x", memory_id="d1")], None)), strict=True
    )
    with pytest.raises(DecryptionError):
        await iterator.__anext__()
    with pytest.raises(StopAsyncIteration):
        await iterator.__anext__()


def test_the_guard_counts_stale_pages_and_resets_on_news() -> None:
    """after_page: a repeated cursor or the STALE_PAGE_LIMIT-th page without news is an error;
    a page with a new id resets the count; a last page never is."""
    guard = ListingGuard()
    assert guard.after_page(["a"], "c0") is None
    assert guard.first_time("a")
    for n in range(1, STALE_PAGE_LIMIT):
        assert guard.after_page(["a", None], f"c{n}") is None
    assert guard.after_page(["b"], "cb") is None  # news: the count starts again
    assert guard.first_time("b")
    assert not guard.first_time("b")
    for n in range(1, STALE_PAGE_LIMIT):
        assert guard.after_page([], f"d{n}") is None
    assert guard.after_page([], None) is None
    assert isinstance(guard.after_page([], "d-last"), APIResponseValidationError)
    repeated = ListingGuard()
    assert repeated.after_page(["a"], "x") is None
    assert isinstance(repeated.after_page(["z"], "x"), APIResponseValidationError)
