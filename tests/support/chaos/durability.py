"""Scenario 6: the server killed with SIGKILL under concurrent writers, restarted on the same file.

The server runs as a real process (``python -m memoram_local --db FILE``). Writers create
memories through the SDK with the default settings; a killer task sends SIGKILL each time another
share of the writes has succeeded, and starts the server again on the same port and database
(with a new signing secret, so the client's token is refused and refreshed, as after a real
redeploy). While the server is down, creates fail to connect and are retried (they provably never
reached it); creates cut off mid-flight fail with ``outcome_unknown=True``.

Afterwards every memory whose create returned success must be listed, with the content that was
sent; no memory may be stored twice, and none may belong to a create that failed definitely.
"""

from __future__ import annotations

import asyncio
import os
import queue
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Final

from memoram_async import MemoramClient, MemoramError, Memory
from memoram_local import DEV_API_KEY

from .common import ScenarioResult, Stopwatch, grant, outcome_of, with_attempts

_URL_LINE: Final = re.compile(r"^Memoram local server: (http://127\.0\.0\.1:(\d+)/api/v1)$")
_STARTUP_TIMEOUT: Final = 30.0
# Enough retries to ride out a restart (about a second) on backoff alone: 0.5, 1, 2, 4, 8, 8 s
# ceilings (full jitter), so 10 retries span several seconds even on unlucky draws.
WRITER_MAX_RETRIES: Final = 10
CALL_GUARD: Final = 240.0


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))


class ServerProcess:
    """``python -m memoram_local`` as a child process, on a fixed or a free port."""

    def __init__(self, db: Path, port: int = 0) -> None:
        self.db = db
        self.port = port
        self.base_url = ""
        self.proc: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        """Start the server and wait for its address line."""
        env = {k: v for k, v in os.environ.items() if k != "MEMORAM_LOCAL_API_KEYS"}
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "memoram_local", "--port", str(self.port)),
                *("--db", str(self.db), "--auto-approve", "--secret", secrets.token_hex(16)),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert self.proc.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=_pump, args=(self.proc.stdout, lines), daemon=True)
        self._reader.start()
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.proc.poll() is not None:
                self.kill()
                raise RuntimeError("the local server process did not start")
            try:
                line = lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            match = _URL_LINE.match(line)
            if match:
                self.base_url, self.port = match.group(1), int(match.group(2))
                return

    def kill(self) -> None:
        """SIGKILL (no clean shutdown of any kind) and reap the process."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=15)
        if self._reader is not None:
            self._reader.join(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()


@contextmanager
def server_process(db: Path) -> Iterator[ServerProcess]:
    """A server process, always killed at the end."""
    server = ServerProcess(db)
    try:
        server.start()
        yield server
    finally:
        server.kill()


def _content(index: int, nonce: str) -> str:
    return f"durable memory {index} {nonce}"


async def run_durability(
    writes: int = 2000, concurrency: int = 20, kills: int = 3
) -> ScenarioResult:
    """Scenario 6: ``writes`` creates at ``concurrency``, ``kills`` SIGKILLs spread over the run."""
    result = ScenarioResult(f"durability ({kills} x SIGKILL)")
    nonce = secrets.token_hex(4)
    outcomes: dict[int, Memory | BaseException] = {}
    with tempfile.TemporaryDirectory(prefix="memoram-durability-") as tmp:
        db = Path(tmp) / "memoram.db"
        with server_process(db) as server:
            async with MemoramClient(
                api_key=DEV_API_KEY,
                base_url=server.base_url,
                max_retries=WRITER_MAX_RETRIES,
                timeout=10.0,
            ) as client:
                credentials = await grant(client, "memory-key-durability", approve=None)
                user = client.user(credentials)
                tokens_before = client._session.tokens.fetches
                succeeded = 0
                progress = asyncio.Event()
                pending = iter(range(writes))

                async def writer() -> None:
                    nonlocal succeeded
                    for index in pending:
                        outcome = await outcome_of(
                            user.create_memory(_content(index, nonce), title=f"w{index}"),
                            CALL_GUARD,
                        )
                        outcomes[index] = outcome
                        if isinstance(outcome, Memory):
                            succeeded += 1
                            progress.set()

                async def killer() -> None:
                    for kill in range(1, kills + 1):
                        target = writes * kill // (kills + 1)
                        while succeeded < target and len(outcomes) < writes:
                            progress.clear()
                            with suppress(TimeoutError):
                                await asyncio.wait_for(progress.wait(), 1.0)
                        if len(outcomes) >= writes:
                            result.notes.append(f"the run ended before kill {kill}")
                            return
                        # Blocking calls (kill, wait, start) off the event loop.
                        await asyncio.to_thread(server.kill)
                        await asyncio.to_thread(server.start)

                with Stopwatch() as watch:
                    writers = [asyncio.create_task(writer()) for _ in range(concurrency)]
                    await asyncio.gather(killer(), *writers)
                result.elapsed = watch.elapsed
                result.token_requests = client._session.tokens.fetches - tokens_before
                retries = client._session.retries
            # After the last restart, no kill: read everything back through the SDK.
            stored = await with_attempts(lambda: _read_all(server.base_url, credentials))
    for index in range(writes):
        result.record(outcomes[index])
    _reconcile(result, outcomes, stored, nonce)
    result.notes.append(f"client retries {retries}")
    return result


async def _read_all(base_url: str, credentials: object) -> list[Memory]:
    async with MemoramClient(api_key=DEV_API_KEY, base_url=base_url) as client:
        user = client.user(credentials)  # type: ignore[arg-type]
        return [memory async for memory in user.list_memories(page_size=100)]


def _reconcile(
    result: ScenarioResult,
    outcomes: dict[int, Memory | BaseException],
    stored: list[Memory],
    nonce: str,
) -> None:
    by_title: dict[str, list[Memory]] = {}
    for memory in stored:
        by_title.setdefault(memory.title or "", []).append(memory)
    result.stored = len(stored)
    result.duplicates = sum(len(group) - 1 for group in by_title.values())
    lost = phantoms = wrong = 0
    for index, outcome in outcomes.items():
        found = by_title.get(f"w{index}", [])
        if isinstance(outcome, Memory) and not any(m.id == outcome.id for m in found):
            lost += 1
        if isinstance(outcome, MemoramError) and not outcome.outcome_unknown and found:
            phantoms += 1
        wrong += sum(1 for m in found if m.content != _content(index, nonce))
    result.lost = lost
    result.check(not phantoms, f"{phantoms} definite failures left a memory behind")
    result.check(not wrong, f"{wrong} memories came back with other content")
    strangers = len(by_title.keys() - {f"w{i}" for i in outcomes})
    result.check(not strangers, f"{strangers} stored memories belong to no call")
