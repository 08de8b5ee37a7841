"""The watchdog of attempts' deadlines: a scope ends on time, and never swallows a
cancellation that its task's owner asked for."""

from __future__ import annotations

import asyncio

import pytest

from memoram_async._deadline import Watchdog


async def _in_scope(watchdog: Watchdog, seconds: float, work: float) -> str:
    scope = watchdog.enter(seconds)
    try:
        await asyncio.sleep(work)
    except asyncio.CancelledError:
        if not watchdog.absorb(scope):
            raise
        return "expired"
    finally:
        watchdog.leave(scope)
    return "done"


async def test_a_scope_ends_its_work_at_the_deadline() -> None:
    """Work longer than the scope's deadline is ended, and the end is the scope's own."""
    watchdog = Watchdog()
    assert await asyncio.wait_for(_in_scope(watchdog, 0.05, 10), 5) == "expired"
    assert len(watchdog) == 0


async def test_work_within_the_deadline_is_untouched() -> None:
    """Work that ends in time finishes, and the task is not left cancelled."""
    watchdog = Watchdog()
    assert await _in_scope(watchdog, 5, 0.01) == "done"
    await asyncio.sleep(0.01)  # no stray cancellation lands here
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_the_owners_cancellation_is_never_swallowed() -> None:
    """A task cancelled by its owner raises CancelledError, even when the scope also expired."""
    watchdog = Watchdog()
    task = asyncio.ensure_future(_in_scope(watchdog, 0.05, 10))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    both = asyncio.ensure_future(_in_scope(watchdog, 0.0, 10))
    await asyncio.sleep(0)  # the scope is entered
    both.cancel()
    watchdog.expire_all()
    with pytest.raises(asyncio.CancelledError):
        await both


async def test_expire_all_ends_every_scope_at_once() -> None:
    """expire_all() (aclose) ends every scope in flight, whatever its deadline."""
    watchdog = Watchdog()
    tasks = [asyncio.ensure_future(_in_scope(watchdog, 60, 60)) for _ in range(3)]
    await asyncio.sleep(0)
    watchdog.expire_all()
    assert await asyncio.wait_for(asyncio.gather(*tasks), 5) == ["expired"] * 3
