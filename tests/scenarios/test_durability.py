"""Scenario 6 at small size: writers through a SIGKILL and a restart lose no acknowledged memory.

`make chaos` runs the same code with 2,000 writes and several kills.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.support.chaos.durability import ServerProcess, run_durability

pytestmark = pytest.mark.slow


async def test_acknowledged_creates_survive_a_sigkill_mid_run() -> None:
    """300 creates at concurrency 10, one SIGKILL and restart: every success is listed after."""
    result = await run_durability(writes=300, concurrency=10, kills=1)
    assert result.ok, result.summary()
    assert result.lost == 0
    assert result.duplicates == 0
    assert result.succeeded > 0
    assert result.stored is not None
    # Only creates whose outcome is unknown may add to the successes.
    assert result.succeeded <= result.stored <= result.calls
    assert "the run ended before" not in " ".join(result.notes)


def test_the_server_process_is_really_killed(tmp_path: Path) -> None:
    """kill() sends SIGKILL: the process ends by that signal, not by a clean shutdown."""
    server = ServerProcess(tmp_path / "memoram.db")
    server.start()
    proc = server.proc
    assert proc is not None
    try:
        assert server.base_url.startswith("http://127.0.0.1:")
    finally:
        server.kill()
    assert proc.returncode == -signal.SIGKILL
    assert server.proc is None
