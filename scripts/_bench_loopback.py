"""Section 2: requests per second over loopback against one local server process."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx

from memoram_async import Credentials, MemoramClient
from memoram_local import DEV_API_KEY

from ._bench_mock import CONTENT_1K, raw_get
from ._bench_util import Section, Stats, Target, ratio_cell, why_missed

# Calls per run at each concurrency: a few seconds each (the server slows down at 64).
LEVELS = {1: 800, 16: 1000, 64: 500}
# --quick (the smoke test): three small levels, 40 calls each; every row of the table, in seconds.
QUICK_LEVELS = {1: 40, 4: 40, 8: 40}
LIMIT = 0.95
LOOPBACK_CAUSE = (
    "Both send through httpcore's pool, whose CPU per request grows with the connections it "
    "holds and which runs in a fast or a slow mode from run to run (section 6): a run of one "
    "variant in the slow mode against the other in the fast one gives a ratio far from 1."
)
LOOPBACK_CAUSE_AT_1 = (
    "With one call in flight the SDK's own work per call (checks, generated parsing, "
    "decryption) is all that differs, a few percent of a loopback round trip."
)
_START_TIMEOUT = 20.0
_STOP_TIMEOUT = 10.0
_URL = re.compile(r"Memoram local server: (http://\S+)")


@contextlib.contextmanager
def local_server() -> Iterator[str]:
    """``python -m memoram_local`` on a free loopback port; yields its base URL.

    The process is stopped on the way out whatever happens (errors, Ctrl-C).
    """
    with local_server_process() as (base_url, _):
        yield base_url


@contextlib.contextmanager
def local_server_process() -> Iterator[tuple[str, int]]:
    """Like :func:`local_server`, yielding the base URL and the server's process id."""
    with tempfile.TemporaryDirectory(prefix="memoram-bench-") as scratch:
        out_path = os.path.join(scratch, "stdout")
        with open(out_path, "w", encoding="utf-8") as out, open(os.devnull, "w") as err:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "memoram_local",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--auto-approve",
                    "--token-ttl",
                    "86400",
                ],
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
            )
        try:
            yield _wait_for_url(process, out_path), process.pid
        finally:
            _stop(process)


def _wait_for_url(process: subprocess.Popen[bytes], out_path: str) -> str:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        with open(out_path, encoding="utf-8") as out:
            found = _URL.search(out.read())
        if found:
            return found.group(1)
        if process.poll() is not None:
            raise RuntimeError(f"the local server exited with status {process.returncode}")
        time.sleep(0.02)
    raise RuntimeError(f"the local server did not start within {_START_TIMEOUT:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(_STOP_TIMEOUT)


async def _setup(base_url: str) -> tuple[Credentials, str, str]:
    """Approved credentials, one stored 1 KiB memory, and a token for the raw client."""
    async with MemoramClient(api_key=DEV_API_KEY, base_url=base_url) as client:
        request = await client.request_access("bench-memory-key", reason="benchmark")
        await client.wait_for_approval(request.id, timeout=10)
        credentials = await client.get_credentials(request.id)
        memory = await client.user(credentials).create_memory(CONTENT_1K, title="bench")
    async with httpx.AsyncClient(base_url=base_url) as raw:
        response = await raw.post("/auth/token", json={"api_key": DEV_API_KEY, "expires_in": 86400})
        response.raise_for_status()
        token = response.json()["token"]
    return credentials, memory.id, token


async def _drive(call: Callable[[], Awaitable[Any]], calls: int, concurrency: int) -> float:
    """Seconds for ``calls`` calls made by ``concurrency`` workers."""
    counter = itertools.count()

    async def worker() -> None:
        while next(counter) < calls:
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


VARIANTS = (
    ("raw", "raw httpx"),
    ("sdk_plain", "`transport=`, encryption off"),
    ("sdk_encrypted", "`transport=`, encryption on"),
    ("client_plain", "`http_client=`, encryption off"),
    ("client_encrypted", "`http_client=`, encryption on"),
)
SDK_VARIANTS = ("sdk_plain", "sdk_encrypted", "client_plain", "client_encrypted")


async def _level(
    base_url: str,
    credentials: Credentials,
    memory_id: str,
    token: str,
    concurrency: int,
    calls: int,
    runs: int,
    warmup: int,
) -> list[dict[str, float]]:
    def transport() -> httpx.AsyncHTTPTransport:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        return httpx.AsyncHTTPTransport(limits=limits)

    user_id = str(credentials.user_id)
    raw = httpx.AsyncClient(
        base_url=base_url,
        transport=transport(),
        headers={"Authorization": f"Bearer {token}", "User-Agent": "memoram-async"},
    )
    plain = MemoramClient(
        api_key=DEV_API_KEY, base_url=base_url, transport=transport(), encryption=False
    )
    encrypted = MemoramClient(api_key=DEV_API_KEY, base_url=base_url, transport=transport())
    # http_client=: the very client raw httpx uses (its pool, its limits).
    through_plain = MemoramClient(
        api_key=DEV_API_KEY, base_url=base_url, http_client=raw, encryption=False
    )
    through_encrypted = MemoramClient(api_key=DEV_API_KEY, base_url=base_url, http_client=raw)
    try:
        plain_user = plain.user(credentials)
        encrypted_user = encrypted.user(credentials)
        through_plain_user = through_plain.user(credentials)
        through_encrypted_user = through_encrypted.user(credentials)
        calls_by_name: dict[str, Callable[[], Awaitable[Any]]] = {
            "raw": lambda: raw_get(raw, memory_id, user_id),
            "sdk_plain": lambda: plain_user.get_memory(memory_id),
            "sdk_encrypted": lambda: encrypted_user.get_memory(memory_id),
            "client_plain": lambda: through_plain_user.get_memory(memory_id),
            "client_encrypted": lambda: through_encrypted_user.get_memory(memory_id),
        }
        check = await encrypted_user.get_memory(memory_id)
        if check.content != CONTENT_1K:
            raise RuntimeError("the stored memory did not decrypt")
        names = [name for name, _ in VARIANTS]
        for name in names:  # warm-up: token, and every connection of the pool opened
            await _drive(calls_by_name[name], warmup, concurrency)
        results = []
        for run in range(runs):
            order = names[run % len(names) :] + names[: run % len(names)]
            rates = {}
            for name in order:
                # Each pool sat idle while the others ran, long enough for the server to drop
                # its keep-alive connections: reopen them before the clock starts, for all alike.
                await _drive(calls_by_name[name], concurrency * 2, concurrency)
                elapsed = await _drive(calls_by_name[name], calls, concurrency)
                rates[name] = calls / elapsed
            results.append(rates)
        return results
    finally:
        await plain.aclose()
        await encrypted.aclose()
        await through_plain.aclose()
        await through_encrypted.aclose()
        await raw.aclose()


async def _all_levels(base_url: str, runs: int, quick: bool) -> dict[int, list[dict[str, float]]]:
    credentials, memory_id, token = await _setup(base_url)
    # Quick mode opens each pool once; a measurement warms up longer.
    return {
        level: await _level(
            base_url,
            credentials,
            memory_id,
            token,
            level,
            calls,
            runs,
            level if quick else max(level * 4, 50),
        )
        for level, calls in (QUICK_LEVELS if quick else LEVELS).items()
    }


def loopback_section(*, runs: int, quick: bool) -> Section:
    """Requests per second of get_memory at each concurrency, SDK vs raw httpx."""
    with local_server() as base_url:
        results = asyncio.run(_all_levels(base_url, runs, quick))
    levels = QUICK_LEVELS if quick else LEVELS
    counts = ", ".join(f"{calls:,} at {level}" for level, calls in levels.items())
    section = Section(
        key="loopback",
        title="2. Throughput over loopback (local server, one uvicorn process)",
        method=[
            "`python -m memoram_local` (uvicorn, in-memory SQLite, auto-approve, long "
            "token TTL) runs as a subprocess on a free 127.0.0.1 port and shares the machine "
            "with the client. One stored memory with 1 KiB of encrypted content is fetched "
            f"with `get_memory` a fixed number of times per run ({counts}) "
            "by that many workers, each awaiting one call after another.",
            "Every client gets the same `httpx.Limits(max_connections=N, "
            "max_keepalive_connections=N)` (N = concurrency) through "
            "`httpx.AsyncHTTPTransport(limits=...)`; raw httpx does the same GET and parses "
            "the JSON into a dict; `memoram_async` with encryption on also decrypts the 1 KiB. "
            "The `http_client=` variants send through the raw httpx client itself.",
            f"Requests per second: median (min-max) over {runs} runs, variants in a rotating "
            "order, each timed right after a short burst (2 calls per worker) that reopens the "
            "connections the server closed while it was idle; the ratio is SDK rate / raw "
            "rate within each run.",
        ],
        headers=[
            "concurrency",
            *(label for _, label in VARIANTS),
            *(f"ratio {label}" for name, label in VARIANTS if name != "raw"),
        ],
    )
    for level, per_run in results.items():
        row = [str(level)]
        row += [Stats.of([r[name] for r in per_run]).cell(0) for name, _ in VARIANTS]
        for name in SDK_VARIANTS:
            ratio = Stats.of([r[name] / r["raw"] for r in per_run])
            met = ratio.median >= LIMIT
            row.append(ratio_cell(ratio, f"(≥ {LIMIT})", met))
            which = dict(VARIANTS)[name]
            section.targets.append(
                Target(
                    f"loopback req/s vs raw httpx, concurrency {level}, {which}",
                    f"≥ {LIMIT}",
                    f"{ratio.median:.2f}",
                    met,
                    why_missed(
                        LOOPBACK_CAUSE if level > 1 else LOOPBACK_CAUSE_AT_1,
                        ratio,
                        LIMIT,
                        at_most=False,
                    ),
                )
            )
        section.rows.append(row)
    return section
