"""schemathesis, run as a newcomer would, against a local server started for it.

``make schemathesis``: starts ``memoram-local --port 0`` (a free loopback port, the development
API key), gets a developer token, then runs

    schemathesis run openapi.yaml --url http://127.0.0.1:PORT/api/v1 \\
        -H "Authorization: Bearer <token>" --max-examples N --seed S

with schemathesis' default checks and phases (examples, coverage, fuzzing, stateful). The
examples per operation are bounded (``--max-examples``, default 20) and the run is killed after
``--deadline`` seconds, so it always ends. Exit status: schemathesis' own (0 when no failure).
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
URL_LINE = re.compile(r"Memoram local server: (http://\S+)")
KEY_LINE = re.compile(r"API key: (\S+)")


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def start_server(timeout: float = 30.0) -> tuple[subprocess.Popen[str], str, str]:
    """``memoram-local`` on a free port: the process, its base URL and its API key."""
    command = str(BIN / "memoram-local")
    proc = subprocess.Popen(
        [command, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "MEMORAM_LOCAL_API_KEYS"},
    )
    assert proc.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    base_url = api_key = None
    deadline = time.monotonic() + timeout
    while (base_url is None or api_key is None) and time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        if match := URL_LINE.search(line):
            base_url = match.group(1).rstrip("/")
        if match := KEY_LINE.search(line):
            api_key = match.group(1)
    if base_url is None or api_key is None:
        stop(proc)
        sys.exit("memoram-local did not print its URL and API key in time")
    return proc, base_url, api_key


def stop(proc: subprocess.Popen[str]) -> None:
    """Stop the server: SIGTERM, then SIGKILL after 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=20, help="per operation (20)")
    parser.add_argument("--seed", type=int, default=1, help="schemathesis' seed (1)")
    parser.add_argument("--deadline", type=float, default=600.0, help="kill after (600 s)")
    parser.add_argument("extra", nargs="*", help="more schemathesis options, after --")
    args = parser.parse_args(argv)
    proc, base_url, api_key = start_server()
    try:
        with httpx.Client(base_url=base_url, trust_env=False, timeout=10) as client:
            answer = client.post("/auth/token", json={"api_key": api_key})
            answer.raise_for_status()
            token = answer.json()["token"]
        command = [
            str(BIN / "schemathesis"),
            "run",
            str(ROOT / "openapi.yaml"),
            "--url",
            base_url,
            "-H",
            f"Authorization: Bearer {token}",
            "--max-examples",
            str(args.max_examples),
            "--seed",
            str(args.seed),
            *args.extra,
        ]
        print(
            f"schemathesis run openapi.yaml --url {base_url} -H 'Authorization: Bearer ...' "
            f"--max-examples {args.max_examples} --seed {args.seed}",
            flush=True,
        )
        started = time.monotonic()
        try:
            status = subprocess.run(command, check=False, timeout=args.deadline).returncode
        except subprocess.TimeoutExpired:
            print(f"schemathesis did not finish within {args.deadline:g} s")
            return 1
        print(f"schemathesis: exit {status} after {time.monotonic() - started:.0f} s")
        return status
    finally:
        stop(proc)


if __name__ == "__main__":
    sys.exit(main())
