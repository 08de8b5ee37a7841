"""Scenario 3: hostile or broken answers end in a value or a MemoramError, for every operation."""

from __future__ import annotations

import inspect

import httpx
import pytest

from memoram_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    MemoramClient,
    UserMemories,
)
from tests.scenarios.chaos.hostile import OPERATIONS, Answer, Operation, hostile_check, run_case

# Per operation; `make chaos` runs 200 each.
EXAMPLES = 25
JSON = (("content-type", "application/json"),)
HTML = (("content-type", "text/html"),)


def test_every_public_operation_is_covered() -> None:
    """Each public coroutine method of the client and the user object has hostile cases."""
    covered = {op.name for op in OPERATIONS}
    public = {
        name
        for cls in (MemoramClient, UserMemories)
        for name in dir(cls)
        if not name.startswith("_")
        and (inspect.iscoroutinefunction(getattr(cls, name)) or name == "list_memories")
        and name != "aclose"
    }
    assert public <= covered, public - covered
    assert "token" in covered


@pytest.mark.parametrize("op", OPERATIONS, ids=[op.name for op in OPERATIONS])
def test_hostile_answers_end_in_a_value_or_a_memoram_error(op: Operation) -> None:
    """Generated broken answers never leak a KeyError, TypeError, httpx or generated error."""
    hostile_check(op, EXAMPLES)()


def test_the_check_fails_on_an_untyped_exception() -> None:
    """The check is not blind: an operation that leaks a KeyError fails it."""

    async def leaks(api: object, client: object, user: object) -> object:
        raise KeyError("memoryBlobs")

    broken = Operation("broken", "GET", "/tags", {}, leaks)
    with pytest.raises(AssertionError, match="KeyError"):
        hostile_check(broken, 3)()


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (
            Answer(200, JSON, b'{"items": [{"id": 1'),
            APIResponseValidationError,
        ),
        (
            Answer(200, HTML, b"<html>oops</html>"),
            APIResponseValidationError,
        ),
        (Answer(200, (("content-encoding", "gzip"),), b"not gzip"), APIResponseValidationError),
        (Answer(200, (), deep=100_000), APIResponseValidationError),
        (Answer(302, (("location", "https://evil.test/"),)), APIStatusError),
        (Answer(799, ()), APIStatusError),
    ],
)
async def test_named_broken_answers_to_list_tags(answer: Answer, error: type[Exception]) -> None:
    """Truncated JSON, HTML, a bad encoding, deep nesting, a redirect, an unknown status."""
    op = next(op for op in OPERATIONS if op.name == "list_tags")
    outcome = await run_case(op, [answer])
    assert isinstance(outcome, error), outcome


async def test_a_body_cut_off_is_a_connection_error_not_a_hang() -> None:
    """A connection dropped while reading the answer ends in a MemoramError after retries."""
    op = next(op for op in OPERATIONS if op.name == "get_memory")
    cut = Answer(200, JSON, b'{"id": "mem_0001"}', cut=True)
    outcome = await run_case(op, [cut, cut, cut])
    assert not isinstance(outcome, httpx.HTTPError)
    assert type(outcome) is APIConnectionError, outcome
