"""`memoram-local` refuses bad options and unusable paths in one line, status 2, no traceback.

Each case runs the installed console script in a subprocess under a timeout, as a user would.
"""

from __future__ import annotations

import dataclasses
import os
import re
import socket
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from memoram_local import FaultSpec

COMMAND = str(Path(sys.executable).with_name("memoram-local"))
# Variables the server reads; each case sets only the ones it needs.
SERVER_ENV = (
    "MEMORAM_LOCAL_API_KEYS",
    "MEMORAM_LOCAL_API_KEY",
    "MEMORAM_LOCAL_SECRET",
    "MEMORAM_LOCAL_DASHBOARD_TOKEN",
)
TIMEOUT = 30
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_non_root = pytest.mark.skipif(AS_ROOT, reason="root reads and writes despite file modes")


class Case(NamedTuple):
    """Arguments (`{tmp}` and `{port}` filled in), environment, what stderr must say."""

    args: list[str]
    expected: str
    env: dict[str, str] | None = None
    prepare: Callable[[Path], None] | None = None


def _write(name: str, data: bytes, mode: int | None = None) -> Callable[[Path], None]:
    def prepare(tmp: Path) -> None:
        (tmp / name).write_bytes(data)
        if mode is not None:
            (tmp / name).chmod(mode)

    return prepare


def _locked_folder(tmp: Path) -> None:
    (tmp / "locked").mkdir()
    (tmp / "locked").chmod(stat.S_IRUSR | stat.S_IXUSR)


FAULTS_FORM = 'separated by commas, e.g. --faults "error_rate=0.1,latency_ms=20"'
CASES = {
    "db in a missing folder": Case(
        ["--db", "/nonexistent/dir/x.db"], "the folder /nonexistent/dir does not exist; create it"
    ),
    "db is a folder": Case(["--db", "{tmp}"], "is a folder; give a file path, e.g. --db {tmp}/"),
    "db is not sqlite": Case(
        ["--db", "{tmp}/notes.txt"], "is not a SQLite database", prepare=_write("notes.txt", b"hi")
    ),
    "db in an unwritable folder": pytest.param(
        Case(["--db", "{tmp}/locked/x.db"], "choose a writable folder", prepare=_locked_folder),
        marks=needs_non_root,
    ),
    "db file unwritable": pytest.param(
        Case(["--db", "{tmp}/ro.db"], "fix its permissions", prepare=_write("ro.db", b"", 0o400)),
        marks=needs_non_root,
    ),
    "db where no file can be made": Case(["--db", "/proc/memoram.db"], "choose"),
    "faults with semicolons": Case(
        ["--faults", "error_rate=0.1;latency_ms=5"],
        "commas, not ';': write --faults \"error_rate=0.1,latency_ms=5\"",
    ),
    "unknown fault": Case(["--faults", "nonsense_rate=1"], "unknown fault `nonsense_rate`"),
    "fault not a number": Case(["--faults", "error_rate=lots"], "needs a number"),
    "fault out of range": Case(["--faults", "error_rate=2"], "between 0 and 1"),
    "fault without value": Case(["--faults", "error_rate"], FAULTS_FORM),
    "faults adding past 1": Case(["--faults", "error_rate=0.6,reset_rate=0.6"], "exceed 1"),
    "empty --api-key": Case(["--api-key", ""], "--api-key is empty"),
    "blank --api-key": Case(["--api-key", "  "], "leave it out to use the development key"),
    "empty key variable": Case(
        [], "MEMORAM_LOCAL_API_KEY is set but empty", env={"MEMORAM_LOCAL_API_KEY": ""}
    ),
    "key list of commas": Case(
        [], "MEMORAM_LOCAL_API_KEYS is set but empty", env={"MEMORAM_LOCAL_API_KEYS": " , "}
    ),
    "key file with no key": Case(
        ["--api-key-file", "{tmp}/keys"],
        "holds nothing; give a file with one key per line",
        prepare=_write("keys", b"# none yet\n\n"),
    ),
    "missing key file": Case(["--api-key-file", "{tmp}/nope"], "no such file"),
    "key file is a folder": Case(["--api-key-file", "{tmp}"], "it is a folder"),
    "unreadable key file": pytest.param(
        Case(
            ["--api-key-file", "{tmp}/keys"],
            "permission denied",
            prepare=_write("keys", b"mem_k", 0),
        ),
        marks=needs_non_root,
    ),
    "missing secret file": Case(["--secret-file", "{tmp}/nope"], "cannot read --secret-file"),
    "secret file not text": Case(
        ["--secret-file", "{tmp}/s"], "is not UTF-8 text", prepare=_write("s", b"\xff\xfe\x00")
    ),
    "empty --secret": Case(["--secret", ""], "--secret is empty"),
    "empty secret variable": Case(
        [], "MEMORAM_LOCAL_SECRET is set but empty", env={"MEMORAM_LOCAL_SECRET": ""}
    ),
    "empty dashboard token variable": Case(
        [],
        "MEMORAM_LOCAL_DASHBOARD_TOKEN is set but empty",
        env={"MEMORAM_LOCAL_DASHBOARD_TOKEN": ""},
    ),
    "short dashboard token": Case(["--dashboard-token", "short"], "at least"),
    "predictable dashboard token": Case(
        ["--dashboard-token", "passwordpassword"], "the dashboard token is too predictable"
    ),
    "predictable secret": Case(
        [], "the secret is too predictable", env={"MEMORAM_LOCAL_SECRET": "x" * 40}
    ),
    "port in use": Case(
        ["--port", "{port}"], "the port is in use; stop what uses it or pass --port 0"
    ),
    "port out of range": Case(["--port", "70000"], "--port must be between 0 and 65535"),
    "port not a number": Case(
        ["--port", "http"], "invalid int value: 'http' (see memoram-local --help)"
    ),
    "empty host": Case(["--host", ""], "--host is empty"),
    "remote host": Case(["--host", "0.0.0.0"], "Pass --allow-remote"),  # noqa: S104 - refused
    "host not of this machine": Case(
        ["--host", "192.0.2.1", "--allow-remote"], "is not an address of this machine"
    ),
    "zero token ttl": Case(["--token-ttl", "0"], "--token-ttl must be a positive number"),
    "allow-host with a path": Case(["--allow-host", "a/b"], "not a bare host name"),
    "unknown option": Case(["--verbose"], "unrecognized arguments: --verbose"),
    "bad log level": Case(["--log-level", "loud"], "invalid choice: 'loud'"),
}


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port something else listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command with `args` on a free port (unless args choose one), under a timeout."""
    environment = {key: value for key, value in os.environ.items() if key not in SERVER_ENV}
    environment.update(env or {})
    return subprocess.run(
        [COMMAND, "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=environment,
    )


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_bad_option_is_one_line_and_status_2(case: Case, tmp_path: Path, busy_port: int) -> None:
    """The refusal is one `memoram-local: error:` line saying what to do; exit 2, no traceback."""
    if case.prepare is not None:
        case.prepare(tmp_path)
    fill = {"tmp": str(tmp_path), "port": str(busy_port)}
    result = run([arg.format(**fill) for arg in case.args], case.env)
    lines = result.stderr.splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("memoram-local: error: ")
    assert case.expected.format(**fill) in lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_file_that_is_not_a_database_is_left_untouched(tmp_path: Path) -> None:
    """--db naming some other file refuses it before changing its mode or content."""
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    notes.chmod(0o644)
    assert run(["--db", str(notes)]).returncode == 2
    assert notes.read_text() == "my notes\n"
    assert stat.S_IMODE(notes.stat().st_mode) == 0o644
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]


def test_the_app_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    """create_app(db=...) in Python refuses it too (ValueError), leaving its mode alone."""
    from memoram_local import create_app

    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    notes.chmod(0o644)
    with pytest.raises(ValueError, match="is not a SQLite database"):
        create_app(db=str(notes))
    assert stat.S_IMODE(notes.stat().st_mode) == 0o644


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_faults_help_shows_the_comma_form_unbroken(columns: int) -> None:
    """--help names the comma separator and never wraps a name=value example mid-number."""
    result = subprocess.run(
        [COMMAND, "--help"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env={**os.environ, "COLUMNS": str(columns)},
    )
    assert result.returncode == 0
    text = result.stdout
    example = 'e.g. --faults "error_rate=0.1,latency_ms=20"'
    assert any(example in line for line in text.splitlines())
    assert re.search(r"--faults SPEC\s+inject faults: comma-separated\s+name=value", text)
    # A line ending in a digit, '.', '=' or ',' that the next line continues is a broken pair.
    for line, following in zip(text.splitlines(), text.splitlines()[1:], strict=False):
        assert not (
            re.search(r"[\w.]=[\d.]*$|[\d.],?$", line) and re.match(r"\s*[\d.,]", following)
        )
    for field in dataclasses.fields(FaultSpec):
        assert re.search(rf"^  {field.name}\s", text, re.M), field.name
