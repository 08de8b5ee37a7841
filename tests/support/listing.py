"""Reading a memory listing to its end, for the tiers that test how listings end."""

from __future__ import annotations

from memoram_async import MemoryIterator


async def drain(listing: MemoryIterator) -> tuple[list[str], Exception | None]:
    """The ids a listing yields, and the error that ended it (None when it just ended)."""
    ids: list[str] = []
    try:
        async for memory in listing:
            ids.append(memory.id)
    except Exception as exc:
        return ids, exc
    return ids, None
