"""Section: requests per second with 1 to 1,000 calls in flight, on httpx's transport and aiohttp's.

Also: the local server's own CPU per request (read from /proc in the server process), and the
longest event-loop step while clients are created and closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import httpx_aiohttp

from memoram_async import Credentials, DefaultAioHttpClient, MemoramClient
from memoram_async._tls import shared_ssl_context

from ._bench_loopback import _setup, local_server_process
from ._bench_mock import CONTENT_1K, raw_get
from ._bench_util import Section, Stats, Target, load_average, ratio_cell, why_missed

# Calls per run at each concurrency: enough for every worker to make a few calls, few enough
# that the slow transport keeps the section to a couple of minutes.
LEVELS = {1: 150, 16: 320, 64: 384, 256: 512, 1000: 1000}
# The smoke test's sizes: the bench runs, fast (its completion targets are at 64 in flight).
QUICK_LEVELS = {1: 10, 16: 32, 64: 64}
VARIANTS = (
    ("raw_httpx", "raw httpx, default transport"),
    ("sdk_httpx", "SDK, default transport"),
    ("raw_aiohttp", "raw httpx on aiohttp"),
    ("sdk_aiohttp", "SDK on `DefaultAioHttpClient`"),
)
SPEEDUP_AT_64 = 2.5
VERSUS_RAW = 0.9
# A variant whose fastest run is this many times its slowest is called bimodal in the table.
BIMODAL = 1.8
LOOP_CYCLES = {"httpx_per_client": 200, "sdk_own": 2000, "sdk_aiohttp": 2000}
SLOW_STEP = 0.1
# A run still going after this long is stopped; its unfinished calls count as failed.
RUN_DEADLINE = 30.0
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


@dataclass
class Run:
    """One timed run of one variant."""

    rate: float
    p50_ms: float
    p99_ms: float
    server_ms: float
    client_ms: float
    failures: list[str] = field(default_factory=list)


@dataclass
class Setup:
    """What every variant reaches: the server, a token, the credentials and the stored memory."""

    base_url: str
    token: str
    credentials: Credentials
    memory_id: str


@contextlib.asynccontextmanager
async def _fresh(name: str, env: Setup) -> AsyncIterator[Callable[[], Awaitable[Any]]]:
    """A new client of variant ``name`` and its call; closed on the way out."""
    user_id = str(env.credentials.user_id)
    headers = {"Authorization": f"Bearer {env.token}", "User-Agent": "memoram-async"}
    if name in ("raw_httpx", "raw_aiohttp"):
        # httpx-aiohttp's own client with its own defaults, as a user would write it.
        cls = httpx.AsyncClient if name == "raw_httpx" else httpx_aiohttp.HttpxAiohttpClient
        async with cls(base_url=env.base_url, headers=headers) as raw:
            yield lambda: raw_get(raw, env.memory_id, user_id)
        return
    async with contextlib.AsyncExitStack() as stack:
        http_client = None
        if name == "sdk_aiohttp":
            http_client = await stack.enter_async_context(DefaultAioHttpClient())
        client = MemoramClient(token=env.token, base_url=env.base_url, http_client=http_client)
        await stack.enter_async_context(client)
        user = client.user(env.credentials)
        yield lambda: user.get_memory(env.memory_id)


async def _drive(
    call: Callable[[], Awaitable[Any]], calls: int, concurrency: int
) -> tuple[float, list[float], list[str]]:
    """``calls`` calls by ``concurrency`` workers: seconds, each call's latency, failures."""
    counter = itertools.count()
    latencies: list[float] = []
    failures: list[str] = []

    async def worker() -> None:
        while next(counter) < calls:
            started = time.perf_counter()
            try:
                await call()
            except Exception as exc:  # a pool timeout is a result here, not a crash
                failures.append(type(exc).__name__)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    try:
        async with asyncio.timeout(RUN_DEADLINE):
            await asyncio.gather(*(worker() for _ in range(concurrency)))
    except TimeoutError:
        unfinished = calls - len(latencies)
        failures += [f"not done in {RUN_DEADLINE:.0f} s"] * unfinished
    return time.perf_counter() - started, latencies, failures


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def _one_run(name: str, env: Setup, pid: int, concurrency: int, calls: int) -> Run:
    async with _fresh(name, env) as call:
        # A few calls first: the token (SDK), and the connections opened.
        await _drive(call, min(concurrency, 100), concurrency)
        server_before = server_cpu_seconds(pid)
        client_before = time.process_time()
        seconds, latencies, failures = await _drive(call, calls, concurrency)
        client_spent = time.process_time() - client_before
        server_spent = server_cpu_seconds(pid) - server_before
    done = max(1, calls - len(failures))
    return Run(
        rate=done / seconds,
        p50_ms=_percentile(latencies, 0.5) * 1e3,
        p99_ms=_percentile(latencies, 0.99) * 1e3,
        server_ms=server_spent / done * 1e3,
        client_ms=client_spent / done * 1e3,
        failures=failures,
    )


async def _levels(
    env: Setup, pid: int, levels: dict[int, int], runs: int
) -> dict[int, list[dict[str, Run]]]:
    names = [name for name, _ in VARIANTS]
    results: dict[int, list[dict[str, Run]]] = {}
    for level, calls in levels.items():
        results[level] = []
        for run in range(runs):
            order = names[run % len(names) :] + names[: run % len(names)]
            runs_by_name = {}
            for name in order:
                runs_by_name[name] = run_ = await _one_run(name, env, pid, level, calls)
                print(
                    f"  {level:>5} in flight, {name:<11}: {run_.rate:7.0f} req/s, "
                    f"client {run_.client_ms:.2f} ms/call, server {run_.server_ms:.2f} ms/req, "
                    f"{len(run_.failures)} failed, load {load_average()}",
                    file=sys.stderr,
                    flush=True,
                )
            results[level].append(runs_by_name)
    return results


# -- event-loop steps while clients are created ------------------------------------------------


async def _heartbeat(gaps: list[float], done: asyncio.Event) -> None:
    """Yield to the loop until ``done``, recording the time between turns."""
    last = time.perf_counter()
    while not done.is_set():
        await asyncio.sleep(0)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now


async def _longest_steps(env: Setup, cycles: dict[str, int]) -> dict[str, tuple[float, int]]:
    """Per way of making clients: the longest loop step (ms) and steps over SLOW_STEP, while
    clients are created, used once and closed, one after another."""
    user_id = str(env.credentials.user_id)
    results = {}
    for name, count in cycles.items():
        gaps: list[float] = []
        done = asyncio.Event()

        async def cycle(name: str = name) -> None:
            if name == "httpx_per_client":
                # httpx's default: every client builds its own SSL context.
                async with httpx.AsyncClient(base_url=env.base_url) as raw:
                    raw.headers["Authorization"] = f"Bearer {env.token}"
                    await raw_get(raw, env.memory_id, user_id)
                return
            async with contextlib.AsyncExitStack() as stack:
                http_client = None
                if name == "sdk_aiohttp":
                    http_client = await stack.enter_async_context(DefaultAioHttpClient())
                client = MemoramClient(
                    token=env.token, base_url=env.base_url, http_client=http_client
                )
                await stack.enter_async_context(client)
                await client.user(env.credentials).get_memory(env.memory_id)

        beat = asyncio.create_task(_heartbeat(gaps, done))
        for _ in range(count):
            await cycle()
        done.set()
        await beat
        results[name] = (max(gaps) * 1e3, sum(gap > SLOW_STEP for gap in gaps))
    return results


def _ssl_context_ms() -> float:
    """What building one verifying SSL context costs (what httpx does for each new client)."""
    started = time.perf_counter()
    httpx.create_ssl_context()
    return (time.perf_counter() - started) * 1e3


# -- the section -------------------------------------------------------------------------------


async def _measure(
    base_url: str, pid: int, levels: dict[int, int], runs: int, cycles: dict[str, int]
) -> tuple[dict[int, list[dict[str, Run]]], dict[str, tuple[float, int]]]:
    credentials, memory_id, token = await _setup(base_url)
    env = Setup(base_url, token, credentials, memory_id)
    async with MemoramClient(token=token, base_url=base_url) as client:
        if (await client.user(credentials).get_memory(memory_id)).content != CONTENT_1K:
            raise RuntimeError("the stored memory did not decrypt")
    shared_ssl_context(trust_env=False)  # built once per process, before the clock
    steps = await _longest_steps(env, cycles)
    return await _levels(env, pid, levels, runs), steps


def throughput_section(*, runs: int, quick: bool) -> Section:
    """Requests per second at 1 to 1,000 in flight: raw httpx and the SDK on both transports."""
    levels = QUICK_LEVELS if quick else LEVELS
    cycles = {name: 20 for name in LOOP_CYCLES} if quick else LOOP_CYCLES
    load_before = load_average()
    with local_server_process() as (base_url, pid):
        results, steps = asyncio.run(_measure(base_url, pid, levels, runs, cycles))
    section = Section(
        key="throughput",
        title="6. Throughput with many calls in flight: httpx's transport and aiohttp's",
        method=_method(levels, runs, load_before),
        headers=[
            "in flight",
            *(label for _, label in VARIANTS),
            "SDK aiohttp / SDK default",
            "SDK aiohttp / raw aiohttp",
        ],
    )
    for level, per_run in results.items():
        section.rows.append(_row(section, level, per_run))
    section.notes += _latency_table(results)
    section.notes += _server_table(results)
    section.notes += _collapse_note(results)
    section.notes += _loop_table(steps, cycles)
    return section


def _method(levels: dict[int, int], runs: int, load_before: str) -> list[str]:
    counts = ", ".join(f"{calls:,} at {level:,}" for level, calls in levels.items())
    return [
        "`python -m memoram_local` on a free 127.0.0.1 port shares the 2 cores with the client; "
        f"workers fetch one stored 1 KiB memory with `get_memory` ({counts} calls per run), "
        "each awaiting one call after another, so that many calls are in flight.",
        "Variants: raw httpx (`httpx.AsyncClient()`, its defaults: 100 connections, 20 kept "
        "alive) and the SDK on its own client (httpx's default transport, httpcore); raw httpx "
        "on `httpx_aiohttp.HttpxAiohttpClient()` and the SDK with "
        "`http_client=DefaultAioHttpClient()` (aiohttp's pool, 100 connections). Raw httpx does "
        "the same GET with the token and parses the JSON; the SDK also decrypts the 1 KiB.",
        "Every variant gets a fresh client per run, warmed by up to 100 calls (token, "
        "connections), then timed; variants in a rotating order. Requests per second: median "
        f"(min-max) over {runs} runs; ratios computed within each run. Load average before "
        f"the section: {load_before}: the machine is shared, so single runs are noisy and the "
        "medians are what to read.",
    ]


def _spread_mark(stats: Stats) -> str:
    return " †" if stats.low > 0 and stats.high / stats.low >= BIMODAL else ""


def _row(section: Section, level: int, per_run: list[dict[str, Run]]) -> list[str]:
    row = [f"{level:,}"]
    for name, _ in VARIANTS:
        rates = Stats.of([r[name].rate for r in per_run])
        failed = sum(len(r[name].failures) for r in per_run)
        note = f" ({failed} failed)" if failed else ""
        row.append(rates.cell(0) + _spread_mark(rates) + note)
    speedup = Stats.of([r["sdk_aiohttp"].rate / r["sdk_httpx"].rate for r in per_run])
    versus = Stats.of([r["sdk_aiohttp"].rate / r["raw_aiohttp"].rate for r in per_run])
    versus_met = versus.median >= VERSUS_RAW
    if level == 64:
        met = speedup.median >= SPEEDUP_AT_64
        row.append(ratio_cell(speedup, f"(≥ {SPEEDUP_AT_64})", met))
        section.targets.append(
            Target(
                "SDK on DefaultAioHttpClient vs SDK on the default transport, 64 in flight",
                f"≥ {SPEEDUP_AT_64}",
                f"{speedup.median:.2f}",
                met,
                why_missed(
                    "The default transport's runs were in its fast mode, or other load on the "
                    "machine slowed the aiohttp runs more (see the † marks and the load).",
                    speedup,
                    SPEEDUP_AT_64,
                    at_most=False,
                ),
            )
        )
    else:
        row.append(speedup.cell(2))
    row.append(ratio_cell(versus, f"(≥ {VERSUS_RAW})", versus_met))
    section.targets.append(
        Target(
            f"SDK on DefaultAioHttpClient vs raw httpx on aiohttp, {level:,} in flight",
            f"≥ {VERSUS_RAW}",
            f"{versus.median:.2f}",
            versus_met,
            why_missed(
                "The SDK's own work per call (checks, the generated model's parsing, the "
                "Memory, decrypting 1 KiB: about 0.1 ms of CPU) comes on top of raw httpx's, "
                "and single runs on the shared machine swing by 20 % or more either way.",
                versus,
                VERSUS_RAW,
                at_most=False,
            ),
        )
    )
    if level == max(LEVELS) or level == max(QUICK_LEVELS):
        for name, label in VARIANTS:
            failures = [f for r in per_run for f in r[name].failures]
            kinds = ", ".join(sorted(set(failures))) or "none"
            section.targets.append(
                Target(
                    f"{level:,} in flight complete, {label}",
                    "no failed call",
                    f"{len(failures)} failed ({kinds})",
                    not failures,
                    "Calls waited longer than the pool timeout: raw httpx's own 5 s, or the "
                    f"run deadline of {RUN_DEADLINE:.0f} s; httpcore's CPU per queued request "
                    "makes the wait grow faster than the queue.",
                )
            )
    return row


def _latency_table(results: dict[int, list[dict[str, Run]]]) -> list[str]:
    lines = [
        "Latency per call (ms), p50 / p99 within each run, median over the runs; and the "
        "client's own CPU per call (ms, process time of the benchmark process):",
        "",
        "| in flight | " + " | ".join(label for _, label in VARIANTS) + " |",
        "|---|" + "---|" * len(VARIANTS),
    ]
    for level, per_run in results.items():
        cells = []
        for name, _ in VARIANTS:
            p50 = statistics.median(r[name].p50_ms for r in per_run)
            p99 = statistics.median(r[name].p99_ms for r in per_run)
            cpu = statistics.median(r[name].client_ms for r in per_run)
            cells.append(f"{p50:,.1f} / {p99:,.1f} (CPU {cpu:.2f})")
        lines.append(f"| {level:,} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _server_table(results: dict[int, list[dict[str, Run]]]) -> list[str]:
    lines = [
        "The local server's own CPU per request (ms, user + system time of the server process "
        "from /proc, median over the runs) and how busy that kept it (CPU seconds per second "
        "of the timed run; 1.00 = one core, all it can use):",
        "",
        "| in flight | " + " | ".join(label for _, label in VARIANTS) + " |",
        "|---|" + "---|" * len(VARIANTS),
    ]
    busiest = 0.0
    for level, per_run in results.items():
        cells = []
        for name, _ in VARIANTS:
            cpu = statistics.median(r[name].server_ms for r in per_run)
            busy = statistics.median(r[name].server_ms * r[name].rate / 1e3 for r in per_run)
            busiest = max(busiest, busy)
            cells.append(f"{cpu:.2f} (busy {busy:.2f})")
        lines.append(f"| {level:,} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"The server was at most {busiest:.2f} of a core busy: "
        + (
            "it was not what limited these figures (the client's CPU was)."
            if busiest < 0.8
            else "near a full core, so at that level it limits the fastest variants as much "
            "as the client does."
        ),
        "",
    ]
    return lines


def _collapse_note(results: dict[int, list[dict[str, Run]]]) -> list[str]:
    bimodal = [
        f"{label} at {level:,}"
        for level, per_run in results.items()
        for name, label in VARIANTS
        if _spread_mark(Stats.of([r[name].rate for r in per_run]))
    ]
    lines = [
        "Why the default transport slows down: httpcore's pool runs "
        "`_assign_requests_to_connections` when each request starts and ends, and it walks "
        "every connection for every idle one (`len([c.is_idle() for c in connections])`) and "
        "every connection for every queued request, checking each idle socket with a `poll` "
        "syscall: the CPU per request grows with the square of the connections in the pool. "
        "Each request also tries `import sniffio`; without it (it is now a dependency of the "
        "SDK) that is a failed import searching sys.path, about half the client's CPU per "
        "request with a small pool. The client's CPU per call (table above), not "
        "the network or the server, sets the pace. The fast and slow modes (marked †, fastest "
        f"run ≥ {BIMODAL}x the slowest) are two stable states of that loop: when the client "
        "falls behind, more connections sit idle between reads, each request costs more, and "
        "it falls further behind; a run that starts ahead stays ahead. aiohttp keeps idle "
        "connections in a per-host deque and does neither: a † on an aiohttp variant is load "
        "from other processes on the shared machine (see the load average above).",
    ]
    if bimodal:
        lines.append("Bimodal in this run: " + "; ".join(bimodal) + ".")
    return [*lines, ""]


def _loop_table(steps: dict[str, tuple[float, int]], cycles: dict[str, int]) -> list[str]:
    labels = {
        "httpx_per_client": "`httpx.AsyncClient()` per cycle (a new SSL context each)",
        "sdk_own": "`MemoramClient(...)`, its own httpx client (shared SSL context)",
        "sdk_aiohttp": "`MemoramClient(http_client=DefaultAioHttpClient())`",
    }
    lines = [
        "Event-loop steps while clients are created: each cycle creates a client, makes one "
        "`get_memory` over loopback and closes it; a heartbeat task measures the longest gap "
        f"between its turns (the longest step anything took) and counts gaps over "
        f"{SLOW_STEP * 1e3:.0f} ms (what asyncio's debug mode would flag). Building one "
        f"verifying SSL context takes {_ssl_context_ms():.0f} ms here: once per process for the "
        "SDK's clients (built before this measurement), once per client for plain httpx.",
        "",
        "| clients | cycles | longest step (ms) | steps over 100 ms |",
        "|---|---|---|---|",
    ]
    for name, (longest, slow) in steps.items():
        lines.append(f"| {labels[name]} | {cycles[name]:,} | {longest:.1f} | {slow} |")
    return [*lines, ""]
