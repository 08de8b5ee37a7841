"""A hard deadline for a loopback scenario: its own event loop in a daemon thread.

``asyncio.timeout`` cannot stop a loop stuck in a busy section that never awaits; a thread the
test stops waiting for can. The thread is a daemon, so a hung one does not keep pytest alive.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any


def run_in_thread(scenario: Callable[[], Coroutine[Any, Any, None]], deadline: float) -> None:
    """Run ``scenario`` on its own loop in a daemon thread; fail if it outlives ``deadline``."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(scenario())
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(deadline)
    assert not thread.is_alive(), f"the scenario hung for {deadline} s"
    if errors:
        raise errors[0]
