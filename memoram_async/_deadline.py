"""Deadlines of the attempts and waits in flight, watched by one timer per client.

``asyncio.timeout`` schedules (and cancels) a timer for every attempt; on a hot path that is a
few percent of a call's cost. A :class:`Watchdog` keeps one timer armed at the earliest deadline
of the scopes in flight, so entering and leaving a :class:`Scope` costs a set insertion and
removal. When a deadline passes, the watchdog cancels that scope's task, and the scope's owner
turns the cancellation into its timeout (:meth:`Watchdog.absorb`), exactly as
``asyncio.timeout`` does: a cancellation that someone else also asked for is never swallowed.
:meth:`Watchdog.expire_all` ends every scope at once (``MemoramClient.aclose()``).
"""

from __future__ import annotations

import asyncio
import math


class Scope:
    """One attempt's (or wait's) deadline, on the event loop's clock.

    Attributes:
        deadline: When it ends (``loop.time()``).
        expired: Whether the watchdog cancelled its task for it.
    """

    __slots__ = ("_cancelling", "_task", "deadline", "expired")

    def __init__(self, deadline: float, task: asyncio.Task[object]) -> None:
        self.deadline = deadline
        self.expired = False
        self._task = task
        self._cancelling = task.cancelling()


class Watchdog:
    """The scopes in flight of one client, and the one timer that ends them on time."""

    __slots__ = ("_armed_at", "_scopes", "_timer")

    def __init__(self) -> None:
        self._scopes: set[Scope] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._armed_at = math.inf

    def __len__(self) -> int:
        return len(self._scopes)

    def enter(self, seconds: float) -> Scope:
        """A scope for the current task that ends ``seconds`` from now."""
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - always called from a task
            raise RuntimeError("a deadline needs a task")
        scope = Scope(loop.time() + max(0.0, seconds), task)
        self._scopes.add(scope)
        if scope.deadline < self._armed_at:
            self._arm(loop, scope.deadline)
        return scope

    def absorb(self, scope: Scope) -> bool:
        """After a CancelledError in ``scope``: whether it was this scope's own (now taken
        back, to be handled as its timeout), rather than the caller's."""
        if not scope.expired:
            return False
        scope.expired = False  # taken back once
        return scope._task.uncancel() <= scope._cancelling

    def leave(self, scope: Scope) -> None:
        """The scope's work is over (or was absorbed)."""
        self._scopes.discard(scope)
        if scope.expired:
            # It expired as the work ended without seeing the cancellation: take it back.
            scope.expired = False
            scope._task.uncancel()

    def expire_all(self) -> None:
        """End every scope in flight now."""
        for scope in list(self._scopes):
            self._expire(scope)

    def _arm(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_at(when, self._check, loop)
        self._armed_at = when

    def _check(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer, self._armed_at = None, math.inf
        now = loop.time()
        earliest = math.inf
        for scope in list(self._scopes):
            if scope.deadline <= now:
                self._expire(scope)
            elif not scope.expired:
                earliest = min(earliest, scope.deadline)
        if earliest < math.inf:
            self._arm(loop, earliest)

    def _expire(self, scope: Scope) -> None:
        if not scope.expired and not scope._task.done():
            scope.expired = True
            scope._task.cancel()
