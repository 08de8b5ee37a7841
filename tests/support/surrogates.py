"""Every text argument of the public API with a lone surrogate, and the check of its error.

Shared by the unit tier (through a mock transport) and the sdk_local tier (against the local
server), so both refuse the same table.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from memoram_async import MemoramClient, UserMemories, ValidationError

Call = Callable[[MemoramClient, UserMemories], Awaitable[object]]

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
