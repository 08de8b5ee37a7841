"""The examples and `make demo`, run as users run them: subprocesses over loopback HTTP."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from memoram_async import Credentials, MemoramClient, UserMemories
from memoram_async.testing import MemoramLocal
from memoram_local import DEV_API_KEY, LocalServer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SAMPLE = EXAMPLES / "data" / "memories.jsonl"
RUN_TIMEOUT = 90


def sample_contents() -> list[str]:
    """The `content` of every line of the sample file."""
    return [json.loads(line)["content"] for line in SAMPLE.read_text().splitlines() if line]


def run_example(
    server: LocalServer, script: str, *args: str, memory_key: str = "mk_example_user"
) -> subprocess.CompletedProcess[str]:
    """Run examples/<script> against the server with the environment a user would set."""
    env = {
        **os.environ,
        "MEMORAM_API_KEY": server.api_key,
        "MEMORAM_BASE_URL": server.base_url,
        "MEMORAM_MEMORY_KEY": memory_key,
    }
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def load_example(name: str) -> ModuleType:
    """Import examples/<name>.py as a module."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def approving_server() -> Iterator[LocalServer]:
    """A LocalServer that approves every access request at once."""
    with LocalServer(auto_approve=True) as server:
        yield server


@pytest.fixture
async def user_of(approving_server: LocalServer) -> AsyncIterator[Any]:
    """A function giving the test its own access to the user of a memory key."""
    async with MemoramClient(
        api_key=approving_server.api_key, base_url=approving_server.base_url
    ) as client:

        async def user(memory_key: str) -> UserMemories:
            request = await client.request_access(memory_key, reason="test checks")
            return client.user(await client.get_credentials(request.id))

        yield user


# -- quickstart and make demo -----------------------------------------------------------------


def test_quickstart_over_http_approved_through_the_dashboard(local_server: LocalServer) -> None:
    """The quickstart waits for a dashboard approval, then leaves 2 memories; prints no secret."""
    approved: list[str] = []
    stop = threading.Event()

    def user_clicks_approve() -> None:
        while not stop.wait(0.05):  # bounded by the quickstart's run below
            for request in local_server.access_requests("pending"):
                local_server.approve(request["id"])
                approved.append(request["id"])

    clicker = threading.Thread(target=user_clicks_approve, daemon=True)
    clicker.start()
    try:
        result = run_example(local_server, "quickstart.py", memory_key="mk_quickstart_user")
    finally:
        stop.set()
        clicker.join(5)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert len(approved) == 1
    assert f"request {approved[0]} is pending" in out
    assert "Approve it in the Memoram dashboard (the Dashboard: URL that memoram-local" in out
    assert "decrypted on this machine: 'Prefers a window seat on long flights'" in out
    assert "The user now has 2 memories. Done." in out
    assert local_server.app.store.count_memories() == 2
    user_id = local_server.access_requests()[0]["user_id"]
    secrets = [DEV_API_KEY, "mk_quickstart_user", *local_server.user_keys(user_id).values()]
    assert not [secret for secret in secrets if secret in out + result.stderr]
    assert "eyJ" not in out + result.stderr  # no JWT


def test_make_demo_script_runs_to_the_end() -> None:
    """scripts/demo.py starts memoram-local, approves on the dashboard, stops it, exits 0."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("user   | Clicked Approve: request ") for line in lines)
    assert "app    | The user now has 2 memories. Done." in lines
    assert "demo   | Stopped the local server (exit status 0)." in lines
    assert DEV_API_KEY not in result.stdout


# -- chat_memory ---------------------------------------------------------------------------------


async def test_chat_memory_script_remembers_and_recalls(
    approving_server: LocalServer, user_of: Any
) -> None:
    """The scripted chat stores its 4 facts encrypted and recalls them in its answers."""
    result = run_example(approving_server, "chat_memory.py", memory_key="mk_chat_user")
    assert result.returncode == 0, result.stderr
    assert "bot: From what you told me: Allergic to peanuts." in result.stdout
    assert "bot: From what you told me: Lives in Lisbon." in result.stdout
    user = await user_of("mk_chat_user")
    stored = sorted([m.content async for m in user.list_memories()])
    facts = ["Allergic to peanuts", "Is vegetarian", "Lives in Lisbon", "Runs every morning"]
    assert stored == facts


async def test_chat_memory_keeps_users_apart(memoram_local: MemoramLocal) -> None:
    """ChatMemory recalls per user: by tag on the server, by words on the decrypted text."""
    chat = load_example("chat_memory").ChatMemory(memoram_local.client)
    for name in ("ana", "rui"):
        connecting = asyncio.create_task(chat.connect(name, f"mk_{name}", timeout=10))
        await memoram_local.approve_next()  # the user clicks Approve while the app waits
        await connecting
    await chat.remember("ana", "Allergic to peanuts", ["food"], importance=0.9)
    await chat.remember("ana", "Likes peanut-free satay", ["food"], importance=0.2)
    await chat.remember("rui", "Allergic to cats", ["health"])
    ranked = ["Allergic to peanuts", "Likes peanut-free satay"]
    assert await chat.recall("ana", tag="food") == ranked
    assert await chat.recall("ana", words="ALLERGIC") == ["Allergic to peanuts"]
    assert await chat.recall("rui", words="allergic") == ["Allergic to cats"]
    assert await chat.recall("rui", tag="food") == []
    with pytest.raises(LookupError):
        await chat.recall("nobody")


# -- bulk_import ---------------------------------------------------------------------------------


async def test_bulk_import_then_resume_imports_nothing_twice(
    approving_server: LocalServer, user_of: Any, tmp_path: Path
) -> None:
    """A second run skips every line; saved credentials (0600) avoid a second access request."""
    state, creds = tmp_path / "state", tmp_path / "creds.json"
    args = (str(SAMPLE), "--state", str(state), "--credentials", str(creds), "--concurrency", "4")
    total = len(sample_contents())

    first = run_example(approving_server, "bulk_import.py", *args, memory_key="mk_bulk")
    assert first.returncode == 0, first.stderr
    assert f"Imported {total}, skipped 0" in first.stdout
    assert f"{total}/{total} imported" in first.stderr
    assert "/s  ETA " in first.stderr
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600

    second = run_example(approving_server, "bulk_import.py", *args, memory_key="mk_bulk")
    assert second.returncode == 0, second.stderr
    assert f"Imported 0, skipped {total} already imported" in second.stdout
    assert approving_server.app.store.count_memories() == total
    assert len(approving_server.access_requests()) == 1

    user = await user_of("mk_bulk")
    stored = [m async for m in user.list_memories(page_size=100)]
    assert sorted(m.content or "" for m in stored) == sorted(sample_contents())
    assert {m.source for m in stored} == {"import:notes-2026"}


async def test_bulk_import_reconciles_creates_of_an_interrupted_run(
    approving_server: LocalServer, user_of: Any, tmp_path: Path
) -> None:
    """Lines journaled `sent` whose memories exist are found on the server, not created again."""
    bulk = load_example("bulk_import")
    user = await user_of("mk_crash")
    state = tmp_path / "state"
    lines = [json.loads(line) for line in SAMPLE.read_text().splitlines()[:3]]
    with state.open("w") as journal:  # the state a crash right after 3 creates leaves
        for fields in lines:
            await user.create_memory(**fields)
            journal.write(json.dumps({"sent": bulk.fingerprint(str(user.user_id), fields)}) + "\n")

    args = (str(SAMPLE), "--state", str(state))
    result = run_example(approving_server, "bulk_import.py", *args, memory_key="mk_crash")
    assert result.returncode == 0, result.stderr
    assert "Found 3 memories of an interrupted run." in result.stderr
    total = len(sample_contents())
    assert f"Imported {total - 3}, skipped 3" in result.stdout
    assert approving_server.app.store.count_memories() == total


async def test_bulk_import_under_lost_answers_converges_without_duplicates(
    user_of: Any, tmp_path: Path
) -> None:
    """With 30% of answers lost after the write, reruns reach every line exactly once."""
    faults = "reset_rate=0.3,reset_after_share=1.0"
    state, creds = tmp_path / "state", tmp_path / "creds.json"
    args = (str(SAMPLE), "--state", str(state), "--credentials", str(creds), "--concurrency", "4")
    db = str(tmp_path / "server.sqlite3")
    with LocalServer(auto_approve=True, faults=faults, seed=11, db=db) as server:
        runs = []
        for _ in range(15):  # each run finishes at least the lines whose answers arrive
            runs.append(run_example(server, "bulk_import.py", *args, memory_key="mk_lossy"))
            if runs[-1].returncode == 0:
                break
        assert runs[-1].returncode == 0, runs[-1].stderr
        assert len(runs) > 1, "the faults never hit: the test proves nothing"
        assert server.stats.faults_injected > 0
        assert any("of an interrupted run." in run.stderr for run in runs)
    with LocalServer(db=db) as calm:  # the same database, without faults, to read the result
        async with MemoramClient(api_key=calm.api_key, base_url=calm.base_url) as client:
            user = client.user(Credentials.from_dict(json.loads(creds.read_text())))
            stored = [m.content async for m in user.list_memories(page_size=100)]
    assert sorted(c or "" for c in stored) == sorted(sample_contents())


def test_bulk_import_reports_bad_lines_and_imports_the_rest(
    approving_server: LocalServer, tmp_path: Path
) -> None:
    """A malformed line fails with its number; good lines are imported; exit status 1."""
    data = tmp_path / "mixed.jsonl"
    data.write_text('{"content": "one"}\n{"title": "no content"}\nnot json\n\n{"content": "two"}\n')
    result = run_example(approving_server, "bulk_import.py", str(data), memory_key="mk_mixed")
    assert result.returncode == 1
    assert "Imported 2, skipped 0 already imported, failed 2" in result.stdout
    assert "line 2: needs an object with a string `content`" in result.stderr
    assert "line 3:" in result.stderr
    assert approving_server.app.store.count_memories() == 2
