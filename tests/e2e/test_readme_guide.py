"""The README's "Memories, tags and access requests" section: its snippets run, its claims hold.

The snippets continue the quickstart (``client`` and ``memory_key`` defined), so they run in
order inside one async function, as a child process against a local server over loopback. The
behaviours the section states (tag filter, keys of the local server, the body limit) are pinned
against the local server through the SDK.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import memoram_async
from memoram_async import APIStatusError, MemoramClient
from memoram_local import LocalServer

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "Memories, tags and access requests"
# What the snippets continue: the quickstart's client and the user's memory key.
HARNESS = """\
import asyncio
import os

from memoram_async import MemoramClient


async def main(memory_key: str) -> None:
    async with MemoramClient() as client:
{body}

asyncio.run(main(os.environ["MEMORAM_MEMORY_KEY"]))
"""


def readme_section(title: str) -> str:
    """The text of the README's ``## title`` section, up to the next ``##`` heading."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", text, re.DOTALL | re.MULTILINE)
    assert match is not None, f"README.md has no '## {title}' section"
    return match.group(1)


def python_blocks(text: str) -> list[str]:
    """The fenced python blocks, in order."""
    return re.findall(r"^```python\n(.*?)^```", text, re.DOTALL | re.MULTILINE)


def test_the_snippets_run_in_order_against_the_local_server(tmp_path: Path) -> None:
    """Every snippet of the section runs, continuing the quickstart, with its asserts holding."""
    body = "\n".join(python_blocks(readme_section(SECTION)))
    script = tmp_path / "guide.py"
    script.write_text(HARNESS.format(body=textwrap.indent(body, " " * 8)), encoding="utf-8")
    with LocalServer(auto_approve=True) as server:
        env = {
            **os.environ,
            "MEMORAM_API_KEY": server.api_key,
            "MEMORAM_BASE_URL": server.base_url,
            "MEMORAM_MEMORY_KEY": "mk_readme_guide",
        }
        result = subprocess.run(
            [sys.executable, str(script)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert "deleted" in result.stdout
    assert "Seat on planes -> Prefers aisle seats" in result.stdout
    assert re.search(r"^Tag\(id='tag_\w+', name='\w+'", result.stdout, re.MULTILINE)
    # Printing a Memory or Credentials shows no content and no key.
    for line in result.stdout.splitlines():
        if line.startswith(("Memory(", "Credentials(")):
            assert "Prefers" not in line
            assert "mk_readme_guide" not in line


def test_every_public_name_is_shown_in_the_readme() -> None:
    """Each name of memoram_async.__all__ and each public method of its classes is in the README."""
    readme = README.read_text(encoding="utf-8")
    missing = []
    for name in memoram_async.__all__:
        if not re.search(rf"\b{name}\b", readme):
            missing.append(name)
        value = getattr(memoram_async, name)
        if isinstance(value, type) and not issubclass(value, BaseException):
            for member, attribute in vars(value).items():
                if member.startswith("_") or (
                    not callable(attribute)
                    and not isinstance(attribute, property | classmethod | staticmethod)
                ):
                    continue
                if not re.search(rf"\.{member}\b", readme):
                    missing.append(f"{name}.{member}")
    assert not missing, f"not shown in README.md: {missing}"


@pytest.fixture
async def local() -> AsyncIterator[MemoramClient]:
    """A local server over loopback and a client for it."""
    async with (
        LocalServer(auto_approve=True) as server,
        MemoramClient(api_key=server.api_key, base_url=server.base_url) as client,
    ):
        yield client


async def user_for(client: MemoramClient, memory_key: str) -> memoram_async.UserMemories:
    """The user of a memory key, through an automatically approved request."""
    request = await client.request_access(memory_key, reason="Tests")
    return client.user(await client.get_credentials(request.id))


async def test_tag_filter_keeps_memories_with_every_tag(local: MemoramClient) -> None:
    """list_memories(tags=[a, b]) yields the memories carrying both a and b, not either."""
    user = await user_for(local, "mk_tags")
    both = await user.create_memory("1", tags=["a", "b"])
    await user.create_memory("2", tags=["a"])
    await user.create_memory("3", tags=["b"])
    assert [m.id async for m in user.list_memories(tags=["a", "b"])] == [both.id]
    assert len([m async for m in user.list_memories(tags=["a"])]) == 2


async def test_any_memory_key_is_a_user_of_the_local_server(local: MemoramClient) -> None:
    """A new key makes a new user with key version 1; the same key reaches the same user."""
    first = await user_for(local, "mk_any.thing-at_all")
    again = await user_for(local, "mk_any.thing-at_all")
    other = await user_for(local, "mk_someone_else")
    assert first.user_id == again.user_id != other.user_id
    assert first.credentials.key_version == 1


@pytest.mark.parametrize(("kib", "accepted"), [(700, True), (800, False)])
async def test_the_local_body_limit(local: MemoramClient, kib: int, accepted: bool) -> None:
    """About 750 KiB of content fits in the local server's 1 MiB body; more is a 413."""
    user = await user_for(local, "mk_limits")
    content = "x" * (kib * 1024)
    if accepted:
        assert (await user.create_memory(content)).content == content
    else:
        with pytest.raises(APIStatusError) as caught:
            await user.create_memory(content)
        assert caught.value.status_code == 413
