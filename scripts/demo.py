"""`make demo`: the quickstart against a local Memoram server, approved through its dashboard.

1. Starts `python -m memoram_local --port 0` and reads the URLs it prints (the API, and the
   dashboard with its per-process token).
2. Runs `examples/quickstart.py` against it over HTTP, with the key and URL in the environment.
3. When the quickstart asks for approval, acts as the user: lists the pending requests on the
   local dashboard (`GET /local/access-requests?status=pending`) and approves them
   (`POST /local/access-requests/{id}/approve`), as a person would click Approve; each call
   carries the dashboard token in `X-Memoram-Local-Token`.
4. Stops the server and exits with the quickstart's status.

Run it with the interpreter that has memoram-async[local] installed (`make demo` uses .venv's);
`--python` picks another one for the server and the quickstart.
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
QUICKSTART = ROOT / "examples" / "quickstart.py"
# A made-up Memory Key for the demo user: the local server creates a user for any new key.
DEMO_MEMORY_KEY = "demo-user-memory-key-0001"
URL_LINE = re.compile(r"^Memoram local server: (?P<url>http://\S+/api/v1)$")
KEY_LINE = re.compile(r"^API key: (?P<key>\S+)$")
DASHBOARD_LINE = re.compile(r"^Dashboard: (?P<dashboard>http://\S+/local/\?token=(?P<token>\S+))$")
APPROVAL_PROMPT = "Approve it in the Memoram dashboard"
START_TIMEOUT = 30.0
RUN_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0


def say(who: str, text: str) -> None:
    """One line of the demo's story, with who is speaking."""
    print(f"{who:<6} | {text}", flush=True)


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def _reader(stream: IO[str] | None) -> queue.Queue[str | None]:
    assert stream is not None
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(stream, lines), daemon=True).start()
    return lines


def _next_line(lines: queue.Queue[str | None], deadline: float) -> str | None:
    try:
        return lines.get(timeout=max(0.0, deadline - time.monotonic()))
    except queue.Empty:
        raise TimeoutError("no output in time") from None


def start_server(python: str) -> tuple[subprocess.Popen[str], str, str, str]:
    """The local server as a subprocess; returns it, its base URL, its API key and its
    dashboard URL (with the dashboard token)."""
    proc = subprocess.Popen(
        [python, "-m", "memoram_local", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "MEMORAM_LOCAL_API_KEYS"},
    )
    lines = _reader(proc.stdout)
    url = key = dashboard = None
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while url is None or key is None or dashboard is None:
            line = _next_line(lines, deadline)
            if line is None:
                raise RuntimeError(f"the local server exited with status {proc.wait()}")
            if match := URL_LINE.match(line):
                url = match["url"]
            elif match := KEY_LINE.match(line):
                key = match["key"]  # never echoed
            elif match := DASHBOARD_LINE.match(line):
                dashboard = match["dashboard"]
    except BaseException:
        stop_server(proc)
        raise
    return proc, url, key, dashboard


def stop_server(proc: subprocess.Popen[str]) -> int:
    """SIGTERM, then wait; returns the exit status."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()


def approve_pending(dashboard_url: str) -> int:
    """Do what the user does in the dashboard: approve every pending request; returns how many."""
    origin, _, query = dashboard_url.partition("/local/?")
    token = dict(part.split("=", 1) for part in query.split("&"))["token"]
    headers = {"X-Memoram-Local-Token": token}
    with httpx.Client(base_url=origin, headers=headers, trust_env=False, timeout=10.0) as dashboard:
        pending = dashboard.get("/local/access-requests", params={"status": "pending"})
        pending.raise_for_status()
        items = pending.json()["items"]
        for item in items:
            say("user", f'The dashboard shows request {item["id"]}: "{item["reason"]}"')
            answer = dashboard.post(f"/local/access-requests/{item['id']}/approve")
            answer.raise_for_status()
            say("user", f"Clicked Approve: request {item['id']} is {answer.json()['status']}.")
    return len(items)


def run_quickstart(python: str, base_url: str, api_key: str, dashboard_url: str) -> int:
    """The quickstart against the server, approving when it asks; returns its exit status."""
    env = {
        **os.environ,
        "MEMORAM_API_KEY": api_key,
        "MEMORAM_BASE_URL": base_url,
        "MEMORAM_MEMORY_KEY": DEMO_MEMORY_KEY,
        "MEMORAM_LOCAL_DASHBOARD": dashboard_url,
        "PYTHONUNBUFFERED": "1",
    }
    proc = subprocess.Popen(
        [python, str(QUICKSTART)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines = _reader(proc.stdout)
    deadline = time.monotonic() + RUN_TIMEOUT
    try:
        while (line := _next_line(lines, deadline)) is not None:
            say("app", line)
            if line.startswith(APPROVAL_PROMPT) and approve_pending(dashboard_url) == 0:
                say("demo", "No pending request found on the dashboard.")
        return proc.wait(max(0.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--python", default=sys.executable, help="interpreter with memoram-async[local]"
    )
    args = parser.parse_args(argv)
    began = time.monotonic()
    server, base_url, api_key, dashboard_url = start_server(args.python)
    say("demo", f"Started the local Memoram server: {base_url}")
    try:
        say("demo", f"Running {QUICKSTART.relative_to(ROOT)} against it over HTTP.")
        status = run_quickstart(args.python, base_url, api_key, dashboard_url)
    finally:
        stopped = stop_server(server)
        say("demo", f"Stopped the local server (exit status {stopped}).")
    elapsed = time.monotonic() - began
    if status == 0 and stopped == 0:
        say("demo", f"The demo finished in {elapsed:.1f} s.")
        return 0
    say("demo", f"The demo failed: the quickstart exited with status {status}.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
