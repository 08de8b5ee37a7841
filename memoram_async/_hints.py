"""What to write instead: the errors of async/sync mix-ups, each naming the right spelling.

Type checkers already report these mistakes, so the classes install the hooks below only at
run time (under ``if not TYPE_CHECKING``): the hints are for code that is not type-checked.
"""

from __future__ import annotations

from typing import Final, NoReturn

# The public methods of UserMemories that MemoramClient does not have (a test keeps it exact).
USER_METHODS: Final = frozenset(
    {
        "create_memory",
        "credentials",
        "delete_memory",
        "get_memory",
        "get_tag",
        "list_memories",
        "list_tags",
        "reencrypt_memories",
        "update_memory",
        "user_id",
    }
)


def sync_with(self: object, *args: object) -> NoReturn:
    """``with MemoramClient()``: the client is an async context manager."""
    raise TypeError(
        "MemoramClient is an async context manager: write 'async with MemoramClient(...) as "
        "client:' (inside an async function), not 'with'"
    )


def missing_attribute(self: object, name: str) -> NoReturn:
    """An attribute MemoramClient lacks; a user's method gets the ``client.user(...)`` hint."""
    cls = type(self).__name__
    if name in USER_METHODS:
        raise AttributeError(
            f"'{cls}' object has no attribute {name!r}: {name} belongs to a user's memories; "
            f"write 'client.user(credentials).{name}' (credentials from "
            "client.get_credentials(request_id))",
            name=name,
            obj=self,
        )
    raise AttributeError(f"'{cls}' object has no attribute {name!r}", name=name, obj=self)


def sync_for(self: object) -> NoReturn:
    """``for memory in user.list_memories()``: the memories arrive page by page, awaited."""
    raise TypeError(
        "list_memories() is an async iterator: write 'async for memory in "
        "user.list_memories(...)' (inside an async function), not 'for'"
    )


def awaited_iterator(self: object) -> NoReturn:
    """``await user.list_memories()``: it is iterated, not awaited."""
    raise TypeError(
        "list_memories() returns an async iterator, not a coroutine: write 'async for memory in "
        "user.list_memories(...)' without 'await' (or '[m async for m in "
        "user.list_memories(...)]' for a list)"
    )
