"""The README's "Testing your own app" section runs as written in a fresh project.

Each of its ``python`` blocks becomes a test file and its ``toml`` block the project's
``pyproject.toml``, nothing else; pytest then runs in a child process (with a deadline) the
way a user runs it, with no ``MEMORAM_*`` variable set: the fixtures must set them.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

from memoram_async.testing import MemoramLocal

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "Testing your own app"


def readme_section(title: str) -> str:
    """The text of the README's ``## title`` section, up to the next ``##`` heading."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", text, re.DOTALL | re.MULTILINE)
    assert match is not None, f"README.md has no '## {title}' section"
    return match.group(1)


NOT_THE_READERS = ("-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:hypothesispytest")


def code_blocks(text: str, language: str) -> list[str]:
    """The fenced blocks of one language, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.DOTALL | re.MULTILINE)


def test_the_section_shows_its_configuration_and_tests() -> None:
    """The section shows the asyncio_mode it needs and tests for both fixtures."""
    section = readme_section(SECTION)
    (config,) = code_blocks(section, "toml")
    assert 'asyncio_mode = "auto"' in config
    python = "\n".join(code_blocks(section, "python"))
    for fixture in ("memoram_local", "memoram_respx"):
        assert f"({fixture})" in python


def test_every_block_runs_as_written_in_a_fresh_project(tmp_path: Path) -> None:
    """Every python block passes, as its own test file, with only the README's configuration."""
    section = readme_section(SECTION)
    (config,) = code_blocks(section, "toml")
    (tmp_path / "pyproject.toml").write_text(config, encoding="utf-8")
    expected = 0
    for number, block in enumerate(code_blocks(section, "python")):
        (tmp_path / f"test_readme_{number}.py").write_text(block, encoding="utf-8")
        expected += len(re.findall(r"^(?:async )?def test_", block, re.MULTILINE))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEMORAM_", "PYTEST_"))}
    result = subprocess.run(
        # Not this project's own test tools (schemathesis, hypothesis): a reader's project has
        # none of them, and loading them costs the child 2.5 s.
        [sys.executable, "-m", "pytest", "-q", "-rA", *NOT_THE_READERS],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.search(rf"\b{expected} passed\b", output), output
    # A coroutine shown without await only warns: no warning may pass unseen.
    assert "warning" not in output.lower(), output


def coroutine_helpers() -> list[str]:
    """The names of memoram_local's helpers that must be awaited."""
    return [
        name
        for name, member in vars(MemoramLocal).items()
        if not name.startswith("_") and inspect.iscoroutinefunction(member)
    ]


def test_coroutine_helpers_are_awaited_wherever_shown() -> None:
    """memoram_local's coroutine helpers appear only after ``await``, in code and in prose."""
    readme = README.read_text(encoding="utf-8")
    # Calls on the fixture anywhere; bare calls (``approve(``) in the sections about it.
    shown = [(name, readme, rf"memoram_local\.{name}\(") for name in coroutine_helpers()]
    for title in (SECTION, "Memories, tags and access requests"):
        section = readme_section(title)
        shown += [(name, section, rf"(?<![\w.]){name}\(") for name in coroutine_helpers()]
    for name, text, pattern in shown:
        for match in re.finditer(pattern, text):
            before = text[max(0, match.start() - 40) : match.start()]
            assert re.search(r"await [\w.]*$", before), f"{name}() shown without await"


def test_the_await_check_knows_the_helpers() -> None:
    """The await check is not blind: the helpers the README shows are found as coroutines."""
    helpers = set(coroutine_helpers())
    assert {"approve", "reject", "revoke", "rotate_key", "approve_next", "reject_next"} <= helpers
    assert {"pending", "approved_user"} <= helpers
