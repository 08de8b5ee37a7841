"""Scenarios 1 and 2: creates through a faulty network, and calls through token churn.

Both run against `LocalServer` on loopback (a real uvicorn server, real sockets).

**Faulty network.** The server drops or refuses a share of requests on purpose (`FAULTS`):
500/503 (not processed), 429 with `Retry-After` (not processed), dropped connections (half of
them after the write was committed) and answers slower than the client's timeout (processed
late). Every call carries a unique marker in its title and a unique content. Reconciling:

1. the faulty server is stopped first: uvicorn waits for requests still in flight (the slow
   ones commit after the client gave up), so nothing is written after we look;
2. a second server without faults opens the same SQLite file, and the memories are read back
   through the SDK (every page, decrypted); the count is checked against the file itself;
3. each stored memory is matched to its call by its title: more than one per title is a
   duplicate; one whose call failed with a definite error (``outcome_unknown`` False) is a
   phantom write; a call that succeeded without its memory (same id, same content) is a loss.

**Token churn.** Tokens are granted for 2 s; JWT expiry is in whole seconds and the local server
rounds it up, so a token lives 2 to 3 s and the client refreshes at half-life (every 1 to 1.5 s).
Workers call a mix of operations for the whole run; the number of token requests must stay near
``run time / refresh interval``, whatever the concurrency.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sqlite3
import tempfile
from pathlib import Path
from typing import Final

from memoram_async import Credentials, MemoramClient, MemoramError, Memory, testing
from memoram_local import FaultSpec, LocalServer

from .common import (
    ScenarioResult,
    Stopwatch,
    bounded_gather,
    grant,
    outcome_of,
    with_attempts,
)

# The fault mix. Slow answers take 2.5 s more; the client gives up after 1 s.
SLOW_MS: Final = 2500
CLIENT_TIMEOUT: Final = 1.0
FAULTS: Final = FaultSpec(
    error_rate=0.10,
    rate_limit_rate=0.05,
    reset_rate=0.05,
    reset_after_share=0.5,
    slow_rate=0.02,
    slow_ms=SLOW_MS,
    latency_ms=2,
)
# An attempt fails with p ~ 0.216 (20 % faults, plus 2 % slow among the rest). With 10 retries a
# call fails only when 11 attempts in a row do: p**11 ~ 5e-8, so 2,000 calls all succeed except
# about once in 10,000 runs. Fewer would not do: with 5 retries p**6 ~ 1e-4, 0.2 failures/run.
IDEMPOTENT_MAX_RETRIES: Final = 10
# Far beyond what any call can take (11 attempts of at most 1 s plus capped backoff): a call
# still running then is hung.
CALL_GUARD: Final = 180.0
MEMORY_KEY: Final = "memory-key-chaos"


def _marker(index: int) -> str:
    return f"chaos-call-{index:06d}"


def _content(index: int, nonce: str) -> str:
    return f"chaos memory {index} {nonce}: nothing lost, nothing doubled"


def count_rows(db: Path) -> int:
    """Memories in the SQLite file, read directly (not through the server or the SDK)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        (count,) = conn.execute("SELECT COUNT(*) FROM memories").fetchone()
    return int(count)


async def read_back(server: LocalServer, credentials: Credentials) -> list[Memory]:
    """Every memory of the user, decrypted, through the SDK on a server without faults."""
    async with MemoramClient(api_key=server.api_key, base_url=server.base_url) as client:
        user = client.user(credentials)
        return [memory async for memory in user.list_memories(page_size=100)]


async def run_faulty_network(
    calls: int = 2000,
    concurrency: int = 50,
    *,
    idempotent: bool = False,
    seed: int = 7,
    instant_retries: bool = False,
) -> ScenarioResult:
    """Scenario 1: ``calls`` creates at ``concurrency`` through `FAULTS`.

    Args:
        calls: How many ``create_memory`` calls.
        concurrency: How many in flight at once.
        idempotent: Run with ``idempotent_creates=True`` (and `IDEMPOTENT_MAX_RETRIES`); else
            with the default settings.
        seed: The server's fault seed.
        instant_retries: Skip the client's waits between attempts (tests: the server's faults
            are random draws, not real overload, so waiting changes nothing but the run time).
    """
    mode = "idempotent" if idempotent else "default"
    result = ScenarioResult(f"faulty network ({mode})")
    nonce = secrets.token_hex(4)
    outcomes: dict[int, Memory | BaseException] = {}
    with tempfile.TemporaryDirectory(prefix="memoram-chaos-") as tmp:
        db = Path(tmp) / "memoram.db"
        options = {"max_retries": IDEMPOTENT_MAX_RETRIES} if idempotent else {}
        with LocalServer(db=str(db), auto_approve=True, faults=FAULTS, seed=seed) as server:
            async with MemoramClient(
                api_key=server.api_key,
                base_url=server.base_url,
                timeout=CLIENT_TIMEOUT,
                idempotent_creates=idempotent,
                **options,
            ) as client:
                # Setup (not measured): the token and an approved user.
                credentials = await grant(client, MEMORY_KEY, approve=None)
                user = client.user(credentials)
                tokens_before = client._session.tokens.fetches

                async def create(index: int) -> None:
                    outcomes[index] = await outcome_of(
                        user.create_memory(_content(index, nonce), title=_marker(index)),
                        CALL_GUARD,
                    )

                waits = testing.instant_retries() if instant_retries else contextlib.nullcontext()
                with waits, Stopwatch() as watch:
                    await bounded_gather(calls, concurrency, create)
                result.elapsed = watch.elapsed
                result.token_requests = client._session.tokens.fetches - tokens_before
                retries = client._session.retries
            faults = server.stats.faults
        # The faulty server is stopped (in-flight requests finished): the file is final.
        rows = count_rows(db)
        with LocalServer(db=str(db)) as clean:
            stored = await with_attempts(lambda: read_back(clean, credentials))
    for index in range(calls):
        result.record(outcomes[index])
    _reconcile(result, outcomes, stored, nonce, idempotent=idempotent)
    result.check(
        rows == len(stored), f"the file holds {rows} memories, the SDK listed {len(stored)}"
    )
    result.notes.append(
        f"client retries {retries}; server faults "
        + ", ".join(f"{k} {v}" for k, v in sorted(faults.items()))
    )
    return result


def _reconcile(
    result: ScenarioResult,
    outcomes: dict[int, Memory | BaseException],
    stored: list[Memory],
    nonce: str,
    *,
    idempotent: bool,
) -> None:
    by_marker: dict[str, list[Memory]] = {}
    for memory in stored:
        by_marker.setdefault(memory.title or "", []).append(memory)
    markers = {_marker(index): index for index in outcomes}
    strangers = [title for title in by_marker if title not in markers]
    result.stored = len(stored)
    result.duplicates = sum(len(group) - 1 for group in by_marker.values())
    result.check(not strangers, f"{len(strangers)} stored memories belong to no call")
    lost = phantoms = wrong_content = 0
    for index, outcome in outcomes.items():
        found = by_marker.get(_marker(index), [])
        if isinstance(outcome, Memory):
            if not any(m.id == outcome.id for m in found):
                lost += 1
            elif outcome.content != _content(index, nonce):
                wrong_content += 1
        elif isinstance(outcome, MemoramError) and not outcome.outcome_unknown and found:
            phantoms += 1
        for memory in found:
            if memory.content != _content(index, nonce):
                wrong_content += 1
    unknown = sum(1 for o in outcomes.values() if isinstance(o, MemoramError) and o.outcome_unknown)
    result.lost = lost
    result.check(
        not phantoms,
        f"{phantoms} calls failed with a definite error (outcome_unknown=False) but stored",
    )
    result.check(not wrong_content, f"{wrong_content} memories do not decrypt to what was sent")
    result.notes.append(f"{unknown} failures said outcome_unknown")
    if idempotent:
        result.check(
            result.succeeded == result.calls,
            f"only {result.succeeded} of {result.calls} idempotent creates succeeded",
        )
        result.check(
            len(stored) == result.calls, f"{len(stored)} stored for {result.calls} creates"
        )


# -- scenario 2 ----------------------------------------------------------------------------------

TOKEN_TTL: Final = 2
# The client refreshes at half the lifetime when that is sooner than 60 s before expiry; the
# lifetime is 2 to 3 s (expiry rounded up to a whole second), so the interval is 1 to 1.5 s.
REFRESH_INTERVAL: Final = TOKEN_TTL / 2
LONGEST_REFRESH_INTERVAL: Final = (TOKEN_TTL + 1) / 2


async def run_token_churn(duration: float = 20.0, concurrency: int = 50) -> ScenarioResult:
    """Scenario 2: ``duration`` seconds of calls at ``concurrency`` with 2 s tokens.

    Each worker loops over create, get, the first page of the list, and the tags. Token
    requests are counted by the client and by the server; the bound checked is
    ``observed <= 1.5 * run time / refresh interval + 2`` (a stampede would cost about one per
    worker per refresh), and at least one refresh must have happened.
    """
    result = ScenarioResult("token churn (2 s tokens)")
    with LocalServer(token_ttl=TOKEN_TTL, auto_approve=True) as server:
        async with MemoramClient(api_key=server.api_key, base_url=server.base_url) as client:
            credentials = await grant(client, MEMORY_KEY, approve=None)
            user = client.user(credentials)
            seed = await user.create_memory("churn seed", title="seed")
            client_before = client._session.tokens.fetches
            server_before = server.stats.tokens_issued
            unauthorized_before = server.stats.statuses.get(401, 0)
            loop = asyncio.get_running_loop()
            stop_at = loop.time() + duration

            async def first_page() -> list[Memory]:
                memories = []
                async for memory in user.list_memories(page_size=5):
                    memories.append(memory)
                    if len(memories) == 5:
                        break
                return memories

            async def worker(number: int) -> None:
                step = number
                # Bounded by time, and by count as a backstop.
                while loop.time() < stop_at and step < number + 1_000_000:
                    kind = step % 4
                    if kind == 0:
                        call = user.create_memory(f"churn {number}/{step}", title="churn")
                    elif kind == 1:
                        call = user.get_memory(seed.id)
                    elif kind == 2:
                        call = first_page()
                    else:
                        call = user.list_tags()
                    result.record(await outcome_of(call, 60.0))
                    step += 1

            with Stopwatch() as watch:
                await asyncio.gather(*(worker(n) for n in range(concurrency)))
            result.elapsed = watch.elapsed
            observed = client._session.tokens.fetches - client_before
            issued = server.stats.tokens_issued - server_before
            unauthorized = server.stats.statuses.get(401, 0) - unauthorized_before
    result.token_requests = observed
    expected = result.elapsed / REFRESH_INTERVAL
    result.check(
        result.succeeded == result.calls, f"{result.calls - result.succeeded} calls failed"
    )
    result.check(
        observed == issued, f"the client counted {observed} token requests, server {issued}"
    )
    result.check(observed >= 1, "no token was refreshed: the run was shorter than a token's life")
    result.check(
        observed <= 1.5 * expected + 2,
        f"{observed} token requests for about {expected:.0f} expected: a stampede",
    )
    fewest = result.elapsed / LONGEST_REFRESH_INTERVAL
    result.notes.append(
        f"token requests: expected {fewest:.0f} to {expected:.0f} (run time / "
        f"{LONGEST_REFRESH_INTERVAL:g} to {REFRESH_INTERVAL:g} s), observed {observed}; "
        f"401s answered {unauthorized}"
    )
    return result


def fault_mix(spec: FaultSpec = FAULTS) -> str:
    """The fault spec in the `--faults` syntax, for the report."""
    return (
        f"error_rate={spec.error_rate},rate_limit_rate={spec.rate_limit_rate},"
        f"reset_rate={spec.reset_rate} (after commit {spec.reset_after_share:.0%}),"
        f"slow_rate={spec.slow_rate},slow_ms={spec.slow_ms:g},latency_ms={spec.latency_ms:g};"
        f" client timeout {CLIENT_TIMEOUT:g} s"
    )
