"""schemathesis, run as a newcomer would, against a local server started for it.

``make schemathesis``: starts ``memoram-local --port 0`` (a free loopback port, the development
API key), gets a developer token, and sets up what the protected operations need to reach
their logic, as a user would: an access request approved on the local dashboard, that user's
memory and tag. Then it runs

    schemathesis --config-file <ids> run openapi.yaml --url http://127.0.0.1:PORT/api/v1 \\
        -H "Authorization: Bearer <token>" --max-examples N --seed S

with schemathesis' default checks and phases (examples, coverage, fuzzing, stateful). The
config file gives those real values (``api_key``, ``user_id``, ``memoryKey``, ``requestId``,
``blobId``, ``tagId``), so no operation answers only 401/403 or 404. The examples per operation
are bounded (``--max-examples``, default 20) and the run is killed after ``--deadline``
seconds, so it always ends. Exit status: schemathesis' own (0 when no failure).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, NamedTuple

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
URL_LINE = re.compile(r"Memoram local server: (http://\S+)")
KEY_LINE = re.compile(r"API key: (\S+)")
DASHBOARD_LINE = re.compile(r"Dashboard: (http://\S+)/local/\?token=(\S+)")
MEMORY_KEY = "mk_schemathesis_user"


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


def start_server(timeout: float = 30.0) -> tuple[subprocess.Popen[str], str, str, Dashboard]:
    """``memoram-local`` on a free port: the process, its base URL, its API key and the
    dashboard (origin and token)."""
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
    base_url = api_key = dashboard = None
    deadline = time.monotonic() + timeout
    while (base_url is None or api_key is None or dashboard is None) and (
        time.monotonic() < deadline
    ):
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
        if match := DASHBOARD_LINE.search(line):
            dashboard = Dashboard(match.group(1), match.group(2))
    if base_url is None or api_key is None or dashboard is None:
        stop(proc)
        sys.exit("memoram-local did not print its URL, API key and dashboard in time")
    return proc, base_url, api_key, dashboard


class Dashboard(NamedTuple):
    """Where the user approves: the server's origin and the dashboard's token."""

    origin: str
    token: str


def test_data(client: httpx.Client, dashboard: Dashboard) -> dict[str, str]:
    """Real ids for the protected operations: a user who approved access, a memory, a tag.

    ``client`` carries the developer token. The approval goes through the local dashboard, as
    the user's click would.
    """
    request_id = client.post(
        "/access-requests", json={"memoryKey": MEMORY_KEY, "reason": "schemathesis"}
    ).json()["id"]
    httpx.post(
        f"{dashboard.origin}/local/access-requests/{request_id}/approve",
        headers={"X-Memoram-Local-Token": dashboard.token},
        trust_env=False,
        timeout=10,
    ).raise_for_status()
    credentials = client.get(f"/access-requests/{request_id}/credentials")
    credentials.raise_for_status()
    user_id = credentials.json()["user_id"]
    memory = {"user_id": user_id, "memoryKey": MEMORY_KEY, "content": "x", "tags": ["st"]}
    created = client.post("/memory-blobs", json=memory)
    created.raise_for_status()
    tags = client.get("/tags", params={"user_id": user_id})
    tags.raise_for_status()
    return {
        "user_id": user_id,
        "memoryKey": MEMORY_KEY,
        "requestId": request_id,
        "blobId": created.json()["id"],
        "tagId": tags.json()["items"][0]["id"],
    }


def config_text(api_key: str, data: dict[str, str]) -> str:
    """schemathesis.toml: the test data, by location, and the API key for POST /auth/token.

    The memory is pinned for GET and PATCH only: DELETE removes what it is given, so it gets the
    memories the stateful phase creates (POST -> DELETE), and no pinned memory disappears under
    the other operations.
    """

    def quoted(value: str) -> str:
        return json.dumps(value)  # a TOML basic string is a JSON string for these values

    lines = [
        'hooks = "scripts.schemathesis_hooks"',
        "",
        "[parameters]",
        f'"query.user_id" = {quoted(data["user_id"])}',
        f'"body.user_id" = {quoted(data["user_id"])}',
        f'"body.memoryKey" = {quoted(data["memoryKey"])}',
        *(f'"path.{name}" = {quoted(data[name])}' for name in ("requestId", "tagId")),
        "",
        "[[operations]]",
        'include-name = "POST /auth/token"',
        f'parameters = {{ "body.api_key" = {quoted(api_key)} }}',
    ]
    return "\n".join(lines) + "\n"


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
    proc, base_url, api_key, dashboard = start_server()
    try:
        with httpx.Client(base_url=base_url, trust_env=False, timeout=10) as client:
            answer = client.post("/auth/token", json={"api_key": api_key})
            answer.raise_for_status()
            token = answer.json()["token"]
            client.headers["Authorization"] = f"Bearer {token}"
            data = test_data(client, dashboard)
        scratch = tempfile.TemporaryDirectory(prefix="memoram-schemathesis-")
        config = Path(scratch.name) / "schemathesis.toml"
        config.write_text(config_text(api_key, data))
        command = [
            str(BIN / "schemathesis"),
            "--config-file",
            str(config),
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
            status = subprocess.run(
                command, check=False, timeout=args.deadline, cwd=ROOT
            ).returncode
        except subprocess.TimeoutExpired:
            print(f"schemathesis did not finish within {args.deadline:g} s")
            return 1
        finally:
            scratch.cleanup()
        print(f"schemathesis: exit {status} after {time.monotonic() - started:.0f} s")
        return status
    finally:
        stop(proc)


if __name__ == "__main__":
    sys.exit(main())
