"""Text arguments that cannot be encoded (a lone surrogate) are refused before any I/O."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from memoram_async import MemoramClient, UserMemories, ValidationError
from tests.scenarios.fake_api import API_KEY, BASE_URL, credentials

UNTOUCHED = httpx.MockTransport(lambda request: pytest.fail(f"unexpected I/O: {request.url}"))

Call = Callable[[MemoramClient, UserMemories], Awaitable[object]]


def client(**kwargs: Any) -> MemoramClient:
    """A client whose transport fails the test if it is ever used."""
    return MemoramClient(api_key=API_KEY, base_url=BASE_URL, transport=UNTOUCHED, **kwargs)


LONE = "plainword\ud800"
# Every text argument with a lone surrogate, and the name its error must give.
SURROGATE_CALLS: dict[str, tuple[str, Call]] = {
    "reason": ("reason", lambda c, u: c.request_access("mk", reason=LONE)),
    "memory_key": ("memory_key", lambda c, u: c.request_access(LONE, reason="r")),
    "content": ("content", lambda c, u: u.create_memory(LONE)),
    "title": ("title", lambda c, u: u.create_memory("x", title=LONE)),
    "summary": ("summary", lambda c, u: u.create_memory("x", summary=LONE)),
    "source": ("source", lambda c, u: u.create_memory("x", source=LONE)),
    "tags": ("tags", lambda c, u: u.create_memory("x", tags=["fine", LONE])),
    "update content": ("content", lambda c, u: u.update_memory("mem_1", content=LONE)),
    "update title": ("title", lambda c, u: u.update_memory("mem_1", title=LONE)),
    "update summary": ("summary", lambda c, u: u.update_memory("mem_1", summary=LONE)),
    "update source": ("source", lambda c, u: u.update_memory("mem_1", source=LONE)),
    "update tags": ("tags", lambda c, u: u.update_memory("mem_1", tags=[LONE])),
    "search": ("search", lambda c, u: u.list_memories(search=LONE).__anext__()),
    "list tags": ("tags", lambda c, u: u.list_memories(tags=[LONE]).__anext__()),
}


def check_surrogate_error(error: ValidationError, name: str) -> None:
    """The error names the argument and never repeats its text."""
    assert name in str(error)
    assert "surrogate" in str(error)
    assert "plainword" not in str(error)
    assert "\ud800" not in str(error)


@pytest.mark.parametrize("case", SURROGATE_CALLS.values(), ids=SURROGATE_CALLS.keys())
async def test_a_lone_surrogate_in_any_text_argument_is_refused_before_io(
    case: tuple[str, Call],
) -> None:
    """A lone surrogate is a ValidationError naming the argument; nothing is sent."""
    name, call = case
    async with client() as c:
        with pytest.raises(ValidationError) as info:
            await call(c, c.user(credentials()))
    check_surrogate_error(info.value, name)
