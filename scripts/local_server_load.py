"""Measure the local server under two loads from one local process, over loopback only.

    python -m scripts.local_server_load connections [--idle N] [--half-open N] [--nofile N]
    python -m scripts.local_server_load dashboard [--requests N]

`connections` starts `memoram-local` in a child process (its open-file limit lowered to
`--nofile`, so that the attack reaches the limit with a few thousand sockets), opens `--idle`
connections that send nothing and `--half-open` ones that send half a request head and stop,
then times a normal client's `GET /local/health` every 0.2 s for `--seconds`, and counts the
lines the server wrote to stderr.

`dashboard` fills a database with `--requests` access requests (one user each), serves it, and
times `GET /local/health` every 10 ms while another thread loads `/local/tables` again and
again: the liveness answer must not wait for a page to render.

Numbers go to stdout; nothing is asserted (tests never assert timings). Every loop is bounded
in count and time, and every socket goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

URL_LINE = re.compile(r"^Memoram local server: http://127\.0\.0\.1:(\d+)/api/v1$")
DASHBOARD_LINE = re.compile(r"^Dashboard: \S+\?token=(\S+)$")
START_TIMEOUT = 30.0
CLIENT_TIMEOUT = 5.0


@contextlib.contextmanager
def server(*args: str, nofile: int | None = None) -> Iterator[tuple[int, str, list[str]]]:
    """`memoram-local --port 0 ARGS` in a child process: (port, dashboard token, stderr lines)."""

    def limit() -> None:
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    proc = subprocess.Popen(
        [sys.executable, "-m", "memoram_local", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=limit,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    errors: list[str] = []
    threading.Thread(target=lambda: errors.extend(proc.stderr or ()), daemon=True).start()
    port, token = 0, ""
    deadline = time.monotonic() + START_TIMEOUT
    for line in proc.stdout:
        if match := URL_LINE.match(line.strip()):
            port = int(match.group(1))
        if match := DASHBOARD_LINE.match(line.strip()):
            token = match.group(1)
        if (port and token) or time.monotonic() > deadline:
            break
    try:
        yield port, token, errors
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def open_connections(port: int, idle: int, half_open: int) -> list[socket.socket]:
    """`idle` connections that send nothing and `half_open` ones that stop mid-head."""
    sockets = []
    for number in range(idle + half_open):
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=CLIENT_TIMEOUT)
        except OSError:
            break  # the server (or this process) is out of descriptors: keep what is open
        if number >= idle:
            sock.sendall(b"GET /local/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        sockets.append(sock)
    return sockets


def probe(url: str, seconds: float, every: float) -> tuple[int, int, list[float]]:
    """A normal client's GETs for `seconds`: (answered, failed, latencies of the answered)."""
    latencies: list[float] = []
    failed = 0
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        started = time.perf_counter()
        try:
            httpx.get(url, timeout=CLIENT_TIMEOUT, trust_env=False).raise_for_status()
            latencies.append(time.perf_counter() - started)
        except httpx.HTTPError:
            failed += 1
        time.sleep(every)
    return len(latencies), failed, latencies


def summary(latencies: list[float]) -> str:
    """p50, p95 and max in milliseconds."""
    if not latencies:
        return "no answers"
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms,"
        f" max {ordered[-1] * 1000:.1f} ms"
    )


def connections(args: argparse.Namespace) -> None:
    """Idle and half-open connections from this process, then a normal client."""
    extra = [*args.server_args]
    with server(*extra, nofile=args.nofile) as (port, _, errors):
        url = f"http://127.0.0.1:{port}/local/health"
        started = time.monotonic()
        held = open_connections(port, args.idle, args.half_open)
        print(f"opened {len(held)} connections in {time.monotonic() - started:.1f} s")
        try:
            answered, failed, latencies = probe(url, args.seconds, 0.2)
            still_open = sum(1 for sock in held if _still_open(sock))
        finally:
            for sock in held:
                sock.close()
        time.sleep(0.5)
        print(f"normal client: {answered} answered, {failed} failed; {summary(latencies)}")
        print(f"attacker's connections still open after {args.seconds:.0f} s: {still_open}")
        size = sum(len(line) for line in errors)
        print(f"server stderr: {len(errors)} lines, {size} bytes")
        for line in dict.fromkeys(line.strip() for line in errors[:2000]):
            print("  |", line[:160])
            if args.show_lines <= 0:
                break
            args.show_lines -= 1


def _still_open(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def dashboard(args: argparse.Namespace) -> None:
    """Health latency while /local/tables renders a dashboard of `--requests` requests."""
    from memoram_local._store import Store

    with tempfile.TemporaryDirectory() as folder:
        db = str(Path(folder) / "load.db")
        store = Store(db)
        for number in range(args.requests):
            store.create_access_request("app", f"mk_load_user_{number:06d}", f"reason {number}")
        store.close()
        with server("--db", db) as (port, token, _):
            origin = f"http://127.0.0.1:{port}"
            renders: list[tuple[float, int]] = []
            done = threading.Event()

            def render() -> None:
                with httpx.Client(headers={"X-Memoram-Local-Token": token}) as client:
                    for _ in range(args.renders):
                        started = time.perf_counter()
                        answer = client.get(f"{origin}/local/tables", timeout=60)
                        answer.raise_for_status()
                        renders.append((time.perf_counter() - started, len(answer.content)))
                done.set()

            worker = threading.Thread(target=render)
            worker.start()
            latencies: list[float] = []
            with httpx.Client(trust_env=False) as client:
                while not done.is_set() and len(latencies) < 100_000:
                    started = time.perf_counter()
                    client.get(f"{origin}/local/health", timeout=CLIENT_TIMEOUT)
                    latencies.append(time.perf_counter() - started)
                    time.sleep(0.01)
            worker.join(120)
        for seconds, size in renders:
            print(f"/local/tables: {size / 1e6:.2f} MB in {seconds * 1000:.0f} ms")
        print(f"/local/health during renders ({len(latencies)} calls): {summary(latencies)}")


def main() -> None:
    """Parse the command line and run one measurement."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    flood = commands.add_parser("connections")
    flood.add_argument("--idle", type=int, default=3000)
    flood.add_argument("--half-open", type=int, default=3000)
    flood.add_argument("--nofile", type=int, default=4096)
    flood.add_argument("--seconds", type=float, default=15.0)
    flood.add_argument("--show-lines", type=int, default=5)
    flood.add_argument("server_args", nargs="*", help="more memoram-local options (after --)")
    page = commands.add_parser("dashboard")
    page.add_argument("--requests", type=int, default=5000)
    page.add_argument("--renders", type=int, default=5)
    args = parser.parse_args()
    {"connections": connections, "dashboard": dashboard}[args.command](args)


if __name__ == "__main__":
    main()
