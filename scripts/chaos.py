"""`make chaos`: the six reliability and security scenarios at full size, and one table.

    python -m scripts.chaos            # full size (a few minutes)
    python -m scripts.chaos --quick    # the sizes the test suite uses
    python -m scripts.chaos --only network churn

Scenarios (each is also a test in tests/scenarios/, run small there; the code is shared):

1. faulty network: 2,000 creates at concurrency 50 through injected 500/503, 429, dropped
   connections (half after the commit) and answers slower than the client timeout; with the
   default settings and with ``idempotent_creates=True`` (tests/support/chaos/network.py);
2. token churn: 2 s tokens, 20 s of calls at concurrency 50 (tests/support/chaos/network.py);
3. hostile responses: hypothesis-generated broken answers for all 14 operations
   (tests/support/chaos/hostile.py);
4. bad input: every public method refused before any I/O (tests/support/chaos/bad_input.py);
5. secrets: no key, token, memory key or content in any log, repr or error
   (tests/support/chaos/secret_leaks.py);
6. durability: SIGKILL and restart of the server process under concurrent writers
   (tests/support/chaos/durability.py).

Everything runs on loopback. The exit status is 1 when any scenario lost, duplicated or leaked
something, ended a call in an untyped exception, or broke another of its promises. What the
local servers log (e.g. requests whose client gave up) goes to a file, named at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from tests.support.chaos.bad_input import run_bad_input
from tests.support.chaos.common import ScenarioResult, format_table
from tests.support.chaos.durability import run_durability
from tests.support.chaos.hostile import run_hostile
from tests.support.chaos.network import (
    IDEMPOTENT_MAX_RETRIES,
    fault_mix,
    run_faulty_network,
    run_token_churn,
)
from tests.support.chaos.secret_leaks import run_secrets

FULL = {
    "calls": 2000,
    "concurrency": 50,
    "churn_seconds": 20.0,
    "hostile_examples": 200,
    "writes": 2000,
    "writers": 20,
    "kills": 3,
}
QUICK = {
    "calls": 300,
    "concurrency": 25,
    "churn_seconds": 3.0,
    "hostile_examples": 25,
    "writes": 300,
    "writers": 10,
    "kills": 1,
}
NAMES = ("network", "churn", "hostile", "input", "secrets", "durability")


def _scenarios(
    size: dict[str, float], quick: bool
) -> dict[str, list[Callable[[], ScenarioResult]]]:
    calls, concurrency = int(size["calls"]), int(size["concurrency"])
    return {
        "network": [
            lambda: asyncio.run(
                run_faulty_network(calls, concurrency, idempotent=False, instant_retries=quick)
            ),
            lambda: asyncio.run(
                run_faulty_network(calls, concurrency, idempotent=True, instant_retries=quick)
            ),
        ],
        "churn": [lambda: asyncio.run(run_token_churn(size["churn_seconds"], concurrency))],
        "hostile": [lambda: run_hostile(int(size["hostile_examples"]))],
        "input": [lambda: asyncio.run(run_bad_input())],
        "secrets": [lambda: asyncio.run(run_secrets())],
        "durability": [
            lambda: asyncio.run(
                run_durability(int(size["writes"]), int(size["writers"]), int(size["kills"]))
            )
        ],
    }


def _run(name: str, scenario: Callable[[], ScenarioResult]) -> ScenarioResult:
    started = time.perf_counter()
    try:
        return scenario()
    except Exception as exc:  # the harness itself broke: a failed row, not a crash
        result = ScenarioResult(f"{name} (crashed)")
        result.elapsed = time.perf_counter() - started
        result.problems.append("".join(traceback.format_exception_only(exc)).strip())
        traceback.print_exc()
        return result


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios, print the table and the notes; 1 when any scenario failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the test suite's small sizes")
    parser.add_argument("--only", nargs="+", choices=NAMES, help="run only these scenarios")
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL
    chosen = args.only or list(NAMES)
    print(f"memoram-async chaos run ({'quick' if args.quick else 'full size'})")
    print(f"Python {platform.python_version()} on {platform.platform()}")
    print(f"faults: {fault_mix()}; idempotent run max_retries={IDEMPOTENT_MAX_RETRIES}")
    log_path = Path(tempfile.gettempdir()) / "memoram-chaos-server.log"
    results: list[ScenarioResult] = []
    started = time.perf_counter()
    with log_path.open("w") as log:
        for name, scenarios in _scenarios(size, args.quick).items():
            if name not in chosen:
                continue
            for scenario in scenarios:
                print(f"  running {name} ...", flush=True)
                # Local servers log to stderr (e.g. requests whose client already gave up).
                with contextlib.redirect_stderr(log):
                    result = _run(name, scenario)
                results.append(result)
                print(f"  {result.scenario}: {'ok' if result.ok else 'FAIL'}", flush=True)
    print()
    print(format_table(results))
    print()
    for result in results:
        for note in result.notes:
            print(f"- {result.scenario}: {note}")
    failed = [result for result in results if not result.ok]
    for result in failed:
        print(f"FAILED {result.scenario}: {result.summary()}")
    total = time.perf_counter() - started
    print(f"\n{len(results) - len(failed)}/{len(results)} scenarios ok in {total:.0f} s")
    print(f"server logs: {log_path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
