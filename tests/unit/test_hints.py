"""Async/sync mix-ups get an error that says what to write instead, and public names are public."""

from __future__ import annotations

import gc
import inspect
import traceback
import warnings
from typing import Any

import pytest

import memoram_async
from memoram_async import MemoramClient, NotFoundError, UserMemories
from memoram_async._hints import USER_METHODS
from tests.support.fake_api import FakeAPI, credentials, untouched_client


def public_names(cls: type) -> set[str]:
    """The public attributes (methods and properties) a class defines."""
    return {name for name, _ in inspect.getmembers(cls) if not name.startswith("_")}


async def test_with_instead_of_async_with_says_async_with() -> None:
    """`with MemoramClient()` is a TypeError telling to write `async with`."""
    async with untouched_client() as c:
        hint = r"write 'async with MemoramClient\(\.\.\.\) as"
        with pytest.raises(TypeError, match=hint), c:  # type: ignore[attr-defined]
            pass  # pragma: no cover - never entered


async def test_a_sync_for_over_list_memories_says_async_for() -> None:
    """`for memory in user.list_memories()` is a TypeError telling to write `async for`."""
    async with untouched_client() as c:
        memories = c.user(credentials()).list_memories()
        with pytest.raises(TypeError, match=r"write 'async for memory in user\.list_memories"):
            for _ in memories:  # type: ignore[attr-defined]
                pass  # pragma: no cover - never entered


async def test_awaiting_list_memories_says_async_for_without_await() -> None:
    """`await user.list_memories()` is a TypeError telling to iterate with `async for`."""
    async with untouched_client() as c:
        memories: Any = c.user(credentials()).list_memories()
        with pytest.raises(TypeError, match="not a coroutine: write 'async for memory in") as info:
            await memories
    assert "without 'await'" in str(info.value)


@pytest.mark.parametrize("name", sorted(USER_METHODS))
async def test_a_user_method_on_the_client_points_to_client_user(name: str) -> None:
    """`client.create_memory` (any UserMemories name) says `client.user(credentials).<name>`."""
    async with untouched_client() as c:
        with pytest.raises(AttributeError) as info:
            getattr(c, name)
    assert f"write 'client.user(credentials).{name}'" in str(info.value)
    assert info.value.name == name
    assert info.value.obj is c


async def test_other_missing_attributes_are_plain_attribute_errors() -> None:
    """A name that is nowhere is the usual AttributeError, and hasattr() still works."""
    async with untouched_client() as c:
        with pytest.raises(
            AttributeError, match=r"^'MemoramClient' object has no attribute 'nope'$"
        ):
            c.nope  # type: ignore[attr-defined]  # noqa: B018
        assert not hasattr(c, "create_memory")
        assert hasattr(c, "request_access")


def test_the_hinted_names_are_exactly_the_user_methods_the_client_lacks() -> None:
    """USER_METHODS lists every public UserMemories name that MemoramClient does not have."""
    assert public_names(UserMemories) - public_names(MemoramClient) == USER_METHODS


def test_every_public_class_and_function_names_memoram_async_as_its_module() -> None:
    """Every class and function in __all__ shows `memoram_async` as its module (as tracebacks
    and reprs print it); the other names are the two constants."""
    values = {name: getattr(memoram_async, name) for name in memoram_async.__all__}
    defined = {
        name: value.__module__
        for name, value in values.items()
        if isinstance(value, type) or inspect.isfunction(value)
    }
    assert set(values) - set(defined) == {"DEFAULT_BASE_URL", "NOT_GIVEN"}
    assert {name for name, module in defined.items() if module != "memoram_async"} == set()


def test_a_traceback_names_the_public_path() -> None:
    """An uncaught NotFoundError prints as memoram_async.NotFoundError."""
    error = NotFoundError("GET /memory-blobs/x failed", method="GET", path="/x", status_code=404)
    printed = "".join(traceback.format_exception_only(error))
    assert printed.startswith("memoram_async.NotFoundError: ")


async def _used_and_dropped(fake: FakeAPI, *, close: bool, copies: int = 0) -> None:
    client = fake.client()
    for _ in range(copies):
        await client.with_options(max_retries=0).user(credentials()).list_tags()
    await client.user(credentials()).list_tags()
    if close:
        await client.aclose()


async def test_a_client_collected_while_open_warns_once_naming_memoram_client() -> None:
    """A used client that was never closed warns one ResourceWarning naming MemoramClient and
    saying how to close it, however many with_options copies it had."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await _used_and_dropped(FakeAPI(), close=False, copies=2)
        gc.collect()
    leaks = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert len(leaks) == 1, [str(w.message) for w in leaks]
    assert "MemoramClient" in str(leaks[0].message)
    assert "async with" in str(leaks[0].message)


@pytest.mark.parametrize("close", [True, False], ids=["closed", "never used"])
async def test_a_closed_or_unused_client_collects_quietly(close: bool) -> None:
    """A closed client, and one that never opened its pool, hold nothing: no warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if close:
            await _used_and_dropped(FakeAPI(), close=True)
        else:
            FakeAPI().client()
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
