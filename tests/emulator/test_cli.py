"""`memoram-local` / `python -m memoram_local` as a real subprocess."""

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
import jwt
import pytest

from memoram_local import DEV_API_KEY

URL_LINE = re.compile(r"^Memoram local server: (http://127\.0\.0\.1:\d+/api/v1)$")
DASHBOARD_LINE = re.compile(
    r"^Dashboard: http://127\.0\.0\.1:(\d+)/local/\?token=([A-Za-z0-9_-]+)$"
)
SIGNING_SECRET = "a-fixed-signing-secret-01"
# Variables the server reads; a test sets the ones it needs.
SERVER_ENV = (
    "MEMORAM_LOCAL_API_KEYS",
    "MEMORAM_LOCAL_API_KEY",
    "MEMORAM_LOCAL_SECRET",
    "MEMORAM_LOCAL_DASHBOARD_TOKEN",
)
STARTUP_TIMEOUT = 20.0


def _read_line(lines: queue.Queue[str], deadline: float) -> str:
    try:
        return lines.get(timeout=max(0.0, deadline - time.monotonic()))
    except queue.Empty:
        raise AssertionError("the server printed nothing in time") from None


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))


@contextmanager
def cli(
    *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], str, list[str]]]:
    """Run the server on a free port; yields (process, base URL, the startup lines)."""
    environment = {key: value for key, value in os.environ.items() if key not in SERVER_ENV}
    environment.update(env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "memoram_local", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    assert proc.stdout is not None
    printed: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_pump, args=(proc.stdout, printed), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        lines = [_read_line(printed, deadline)]
        match = URL_LINE.match(lines[0])
        assert match, lines
        while not lines[-1].startswith("Press Ctrl-C"):
            lines.append(_read_line(printed, deadline))
        yield proc, match.group(1), lines
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        reader.join(timeout=10)
        proc.stdout.close()
        assert proc.stderr is not None
        proc.stderr.close()


def _dashboard_token(lines: list[str]) -> str:
    """The token in the printed Dashboard line."""
    (match,) = [m for line in lines if (m := DASHBOARD_LINE.match(line))]
    return match.group(2)


def _stderr_after_stop(proc: subprocess.Popen[str]) -> list[str]:
    """Stop the server with SIGTERM and return what it wrote to stderr."""
    assert _stop(proc, signal.SIGTERM) == 0
    assert proc.stderr is not None
    return proc.stderr.read().splitlines()


def _stop(proc: subprocess.Popen[str], sig: signal.Signals) -> int:
    proc.send_signal(sig)
    return proc.wait(timeout=15)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_startup_lines_and_clean_stop(sig: signal.Signals) -> None:
    """It prints the base URL and the dev key, serves, and exits 0 on Ctrl-C and SIGTERM."""
    with cli() as (proc, base_url, lines):
        assert lines[1] == f"API key: {DEV_API_KEY}"
        response = httpx.post(
            f"{base_url}/auth/token", json={"api_key": DEV_API_KEY}, trust_env=False
        )
        assert response.status_code == 200
        assert _stop(proc, sig) == 0


def _grant(
    client: httpx.Client, base_url: str, key: str = DEV_API_KEY
) -> tuple[dict[str, str], dict[str, str]]:
    token = client.post(f"{base_url}/auth/token", json={"api_key": key}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    request_id = client.post(
        f"{base_url}/access-requests", json={"memoryKey": "mk", "reason": "r"}, headers=headers
    ).json()["id"]
    creds = client.get(
        f"{base_url}/access-requests/{request_id}/credentials", headers=headers
    ).json()
    return headers, creds


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_acknowledged_writes_survive_a_restart(tmp_path: Path, sig: signal.Signals) -> None:
    """What a 2xx acknowledged is there after a restart with the same --db, even after kill -9."""
    db = str(tmp_path / "memoram.db")
    with (
        cli("--db", db, "--auto-approve", "--secret", SIGNING_SECRET) as (proc, base_url, _),
        httpx.Client(trust_env=False) as client,
    ):
        headers, creds = _grant(client, base_url)
        body = {"user_id": creds["user_id"], "memoryKey": "mk", "content": "durable"}
        created = client.post(f"{base_url}/memory-blobs", json=body, headers=headers)
        assert created.status_code == 201
        _stop(proc, sig)
    with (
        cli("--db", db, "--secret", SIGNING_SECRET) as (proc, base_url, _),
        httpx.Client(trust_env=False) as client,
    ):
        got = client.get(
            f"{base_url}/memory-blobs/{created.json()['id']}",
            params={"user_id": creds["user_id"]},
            headers=headers,
        )
        assert got.status_code == 200
        assert got.json()["content"] == "durable"
        assert _stop(proc, signal.SIGTERM) == 0


def test_keys_from_the_environment_replace_the_dev_key() -> None:
    """MEMORAM_LOCAL_API_KEYS keys are accepted, the dev key is not, and no key is printed."""
    keys = "mem_" + "1" * 48 + ",mem_" + "2" * 48
    with (
        cli(env={"MEMORAM_LOCAL_API_KEYS": keys}) as (proc, base_url, lines),
        httpx.Client(trust_env=False) as client,
    ):
        assert lines[1] == "API keys: 2 configured"
        assert "mem_" not in "\n".join(lines[1:])
        assert (
            client.post(f"{base_url}/auth/token", json={"api_key": "mem_" + "2" * 48}).status_code
            == 200
        )
        assert (
            client.post(f"{base_url}/auth/token", json={"api_key": DEV_API_KEY}).status_code == 401
        )
        _stop(proc, signal.SIGTERM)


def test_repeated_api_key_options() -> None:
    """--api-key is repeatable and wins over the environment."""
    first, second = "mem_" + "3" * 48, "mem_" + "4" * 48
    args = ("--api-key", first, "--api-key", second)
    with (
        cli(*args, env={"MEMORAM_LOCAL_API_KEYS": DEV_API_KEY}) as (proc, base_url, _),
        httpx.Client(trust_env=False) as client,
    ):
        for key, status in ((first, 200), (second, 200), (DEV_API_KEY, 401)):
            assert (
                client.post(f"{base_url}/auth/token", json={"api_key": key}).status_code == status
            )
        _stop(proc, signal.SIGTERM)


def test_token_ttl_and_faults_options() -> None:
    """--token-ttl caps lifetimes; --faults with --seed misbehaves on /api/v1 only."""
    with (
        cli("--token-ttl", "60", "--faults", "rate_limit_rate=1", "--seed", "1") as (
            proc,
            base_url,
            lines,
        ),
        httpx.Client(trust_env=False) as client,
    ):
        assert (
            client.post(f"{base_url}/auth/token", json={"api_key": DEV_API_KEY}).status_code == 429
        )
        origin = base_url.removesuffix("/api/v1")
        stats = client.get(f"{origin}/local/stats", params={"token": _dashboard_token(lines)})
        assert stats.json()["faults"] == {"rate_limit": 1}
        _stop(proc, signal.SIGTERM)
    with cli("--token-ttl", "60") as (proc, base_url, _), httpx.Client(trust_env=False) as client:
        body = client.post(
            f"{base_url}/auth/token", json={"api_key": DEV_API_KEY, "expires_in": 3600}
        ).json()
        claims = jwt.decode(body["token"], options={"verify_signature": False})
        assert 60 <= claims["exp"] - claims["iat"] <= 61
        _stop(proc, signal.SIGTERM)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--faults", "nonsense_rate=1"], "unknown fault `nonsense_rate`"),
        (["--host", "0.0.0.0"], "--allow-remote"),  # noqa: S104 - refused, never bound
        (["--token-ttl", "0"], "--token-ttl"),
    ],
)
def test_bad_options_fail_at_startup(args: list[str], message: str) -> None:
    """Bad options exit 2 with the reason on stderr, before serving."""
    result = subprocess.run(
        [sys.executable, "-m", "memoram_local", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_console_script_is_installed() -> None:
    """The memoram-local entry point runs the same command (--help)."""
    script = Path(sys.executable).with_name("memoram-local")
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0
    for option in (
        "--host",
        "--port",
        "--db",
        "--api-key",
        "--token-ttl",
        "--auto-approve",
        "--faults",
        "--seed",
        "--api-key-file",
        "--secret-file",
        "--dashboard-token",
        "--allow-host",
    ):
        assert option in result.stdout


def test_dashboard_line_carries_a_random_token_that_opens_local() -> None:
    """The Dashboard line is `http://127.0.0.1:PORT/local/?token=TOKEN`; /local needs it."""
    with cli() as (proc, base_url, lines), httpx.Client(trust_env=False) as client:
        (line,) = [line for line in lines if line.startswith("Dashboard: ")]
        match = DASHBOARD_LINE.match(line)
        assert match is not None, line
        assert base_url.startswith(f"http://127.0.0.1:{match.group(1)}/")
        token = match.group(2)
        assert len(token) >= 32
        origin = base_url.removesuffix("/api/v1")
        assert client.get(f"{origin}/local/access-requests").status_code == 401
        page = client.get(line.removeprefix("Dashboard: "))
        assert page.status_code == 200
        assert "set-cookie" not in page.headers
        headers = {"X-Memoram-Local-Token": token}
        assert client.get(f"{origin}/local/access-requests", headers=headers).status_code == 200
        assert _stderr_after_stop(proc) == []
    with cli() as (proc, _, again):
        assert _dashboard_token(again) != token
        _stop(proc, signal.SIGTERM)


@pytest.mark.parametrize("source", ["option", "environment"])
def test_a_fixed_dashboard_token(source: str) -> None:
    """--dashboard-token or MEMORAM_LOCAL_DASHBOARD_TOKEN fixes the token; same line form."""
    token = "fixed-token-for-the-cli-test-01"
    args = ("--dashboard-token", token) if source == "option" else ()
    env = {"MEMORAM_LOCAL_DASHBOARD_TOKEN": token} if source == "environment" else {}
    with cli(*args, env=env) as (proc, _, lines):
        assert _dashboard_token(lines) == token
        warnings = _stderr_after_stop(proc)
    assert warnings == (
        [
            "memoram-local: warning: --dashboard-token on the command line is visible to other"
            " users of this machine (ps, /proc/PID/cmdline); use its environment variable or"
            " file option instead."
        ]
        if source == "option"
        else []
    )


@pytest.mark.parametrize("source", ["option", "environment", "file"])
def test_api_key_sources_and_the_command_line_warning(source: str, tmp_path: Path) -> None:
    """A key from --api-key (warns), MEMORAM_LOCAL_API_KEY or --api-key-file works, unprinted."""
    key = "mem_" + "5" * 48
    key_file = tmp_path / "keys"
    key_file.write_text(f"# developer keys\n\n{key}\n")
    args, env = {
        "option": (("--api-key", key), {}),
        "environment": ((), {"MEMORAM_LOCAL_API_KEY": key}),
        "file": (("--api-key-file", str(key_file)), {}),
    }[source]
    with cli(*args, env=env) as (proc, base_url, lines), httpx.Client(trust_env=False) as client:
        assert lines[1] == "API keys: 1 configured"
        assert client.post(f"{base_url}/auth/token", json={"api_key": key}).status_code == 200
        assert (
            client.post(f"{base_url}/auth/token", json={"api_key": DEV_API_KEY}).status_code == 401
        )
        stderr = _stderr_after_stop(proc)
    assert key not in "\n".join(lines + stderr)
    if source == "option":
        assert len(stderr) == 1
        assert stderr[0].startswith("memoram-local: warning: --api-key on the command line")
    else:
        assert stderr == []


def test_secret_from_a_file_or_the_environment(tmp_path: Path) -> None:
    """--secret-file and MEMORAM_LOCAL_SECRET set the secret that tokens are checked with."""
    secret_file = tmp_path / "secret"
    secret_file.write_text("a-long-signing-secret\n")
    with cli("--secret-file", str(secret_file)) as (proc, base_url, _):
        token = httpx.post(
            f"{base_url}/auth/token", json={"api_key": DEV_API_KEY}, trust_env=False
        ).json()["token"]
        assert _stderr_after_stop(proc) == []
    headers = {"Authorization": f"Bearer {token}"}
    for secret, status in (("a-long-signing-secret", 200), ("another-signing-secret", 401)):
        with cli(env={"MEMORAM_LOCAL_SECRET": secret}) as (proc, base_url, _):
            listed = httpx.get(f"{base_url}/access-requests", headers=headers, trust_env=False)
            assert listed.status_code == status, secret
            _stop(proc, signal.SIGTERM)


def test_allow_host_option() -> None:
    """--allow-host NAME serves that Host name; others stay refused with 421."""
    with cli("--allow-host", "memoram.test") as (proc, base_url, _):
        for host, status in (("memoram.test", 200), ("evil.example", 421)):
            response = httpx.post(
                f"{base_url}/auth/token",
                json={"api_key": DEV_API_KEY},
                headers={"Host": host},
                trust_env=False,
            )
            assert response.status_code == status, host
        _stop(proc, signal.SIGTERM)
