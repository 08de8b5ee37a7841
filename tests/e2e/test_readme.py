"""The README's first section, followed top to bottom as a reader would, against the local server.

The section's fenced blocks are the script: the install lines (already true in this venv), the
server command (started in a child; ``--port 0`` is added so parallel runs never share a
port), the output it shows (compared with what the server prints), the command of the second
terminal (run by bash after the printed ``export`` line, as pasted) and the example saved as
``quickstart.py``. The test plays the user: it approves the request on the local dashboard once
the quickstart says to. Both children run in their own process group, killed at a deadline.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

README = Path(__file__).resolve().parents[2] / "README.md"
BIN = Path(sys.executable).parent
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.DOTALL | re.MULTILINE)
DEADLINE = 60.0
# What differs from one run to the next in the server's lines: the port and the dashboard token.
VOLATILE = re.compile(r"127\.0\.0\.1:\d+|token=[\w-]+")


def first_section() -> str:
    """The README up to its first ``##`` heading (the site's home page, the quickstart)."""
    text = README.read_text()
    return text[: text.index("\n## ")]


def blocks(section: str) -> list[tuple[str, str]]:
    """The fenced blocks of ``section`` in order, as (language, body)."""
    return [(match.group(1), match.group(2)) for match in FENCE.finditer(section)]


def commands(body: str) -> list[str]:
    """The commands of a console block, without their trailing comments."""
    lines = (line.split("#", 1)[0].strip() for line in body.splitlines())
    return [line for line in lines if line]


class Child:
    """A command run by bash in its own process group, its stdout read line by line."""

    def __init__(self, script: str, cwd: Path) -> None:
        env = {key: value for key, value in os.environ.items() if not key.startswith("MEMORAM_")}
        env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
        self.proc = subprocess.Popen(
            ["bash", "-c", script],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._pump, args=(self.proc.stdout,), daemon=True)
        self._reader.start()

    def _pump(self, stream: IO[str] | None) -> None:
        assert stream is not None
        for line in stream:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next_line(self, deadline: float) -> str | None:
        """The next line it prints (None at its end); fails once ``deadline`` has passed."""
        try:
            line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"nothing printed in time; so far: {self.seen}") from None
        if line is not None:
            self.seen.append(line)
        return line

    def kill(self) -> None:
        """End the whole process group (bash and what it started)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
        self._reader.join(10)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


@contextmanager
def child(script: str, cwd: Path) -> Iterator[Child]:
    """Run ``script`` by bash; its process group is killed on the way out, whatever happened."""
    started = Child(script, cwd)
    try:
        yield started
    finally:
        started.kill()


def approve_on_dashboard(dashboard_url: str, request_id: str) -> None:
    """What the user does in the browser: approve the request on the local dashboard."""
    origin, _, query = dashboard_url.partition("/local/?token=")
    headers = {"X-Memoram-Local-Token": query}
    with httpx.Client(base_url=origin, headers=headers, trust_env=False, timeout=10) as dashboard:
        pending = dashboard.get("/local/access-requests", params={"status": "pending"})
        assert request_id in [item["id"] for item in pending.json()["items"]]
        dashboard.post(f"/local/access-requests/{request_id}/approve").raise_for_status()


def test_the_first_section_runs_as_written_from_top_to_bottom(tmp_path: Path) -> None:
    """Install, start the server, paste its export line, run the quickstart, approve on the
    dashboard: the memory tagged travel is printed decrypted, within a hard deadline."""
    section = first_section()
    (install, _), (server, _), (shown, _), (second, _), (example, _) = (
        (body, language) for language, body in blocks(section)
    )
    assert all(line.startswith("pip install ") for line in commands(install))
    import memoram_async  # noqa: F401 - what the install lines install, here already
    import memoram_local  # noqa: F401

    (server_command,) = commands(server)
    deadline = time.monotonic() + DEADLINE
    with child(f"{server_command} --port 0", tmp_path) as local:
        printed: list[str] = []
        while not printed or not printed[-1].startswith("Press Ctrl-C"):
            line = local.next_line(deadline)
            assert line is not None, f"the server stopped: {local.seen}"
            printed.append(line)
        assert [VOLATILE.sub("", line) for line in printed] == [
            VOLATILE.sub("", line) for line in shown.splitlines()
        ]
        (export,) = [line for line in printed if line.startswith("export ")]
        for name in re.findall(r"(MEMORAM_\w+)=", export):
            assert f"- `{name}`: " in section, f"{name} is not explained before it is used"
        (dashboard,) = [
            line.removeprefix("Dashboard: ") for line in printed if "Dashboard:" in line
        ]

        (tmp_path / "quickstart.py").write_text(example)
        script = "\n".join([export, *commands(second)])
        with child(script, tmp_path) as quickstart:
            output: list[str] = []
            while (line := quickstart.next_line(deadline)) is not None:
                output.append(line)
                if match := re.match(r"Approve request (\S+) in the Memoram dashboard", line):
                    approve_on_dashboard(dashboard, match.group(1))
            status = quickstart.proc.wait(max(0.1, deadline - time.monotonic()))
    text = "\n".join(output)
    assert status == 0, text
    assert "Dashboard: URL" in text
    assert "Seat -> Prefers window seats" in text
    assert "Allergy" not in text
