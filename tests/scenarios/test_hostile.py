"""Scenario 3: hostile or broken answers end in a value or a MemoramError, for every operation."""

from __future__ import annotations

import inspect
import json
from typing import Any

import httpx
import pytest

from memoram_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    MemoramClient,
    UserMemories,
)
from tests.support.chaos.hostile import (
    OPERATIONS,
    Answer,
    Operation,
    hostile_check,
    run_case,
    unnamed_shape_error,
)

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


# Per operation: where its answer is broken, the wrong-typed value put there, and the field
# the error must name.
BROKEN_FIELD: dict[str, tuple[tuple[str | int, ...], Any, str]] = {
    "token": (("expires_at",), 5, "expires_at"),
    "request_access": (("createdAt",), 5, "createdAt"),
    "get_access_request": (("status",), [], "status"),
    "list_access_requests": (("items", 0, "reason"), 5, "items[0].reason"),
    "wait_for_approval": (("status",), {}, "status"),
    "get_credentials": (("key_version",), "1", "key_version"),
    "create_memory": (("importance",), "high", "importance"),
    "get_memory": (("content",), 5, "content"),
    "list_memories": (("memoryBlobs", 0, "tags"), "a", "memoryBlobs[0].tags"),
    "update_memory": (("tag_ids",), [1], "tag_ids[0]"),
    "delete_memory": ((), [1], ""),
    "list_tags": (("items", 0, "color"), 5, "items[0].color"),
    "get_tag": (("is_enabled",), "yes", "is_enabled"),
    "reencrypt_memories": (("memoryBlobs", 0, "content"), None, "memoryBlobs[0].content"),
}


def broken(template: Any, path: tuple[str | int, ...], value: Any) -> Any:
    """A copy of ``template`` with ``value`` at ``path`` (the whole body for ``()``)."""
    if not path:
        return value
    body = json.loads(json.dumps(template))
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return body


def test_every_operation_has_a_broken_field_case() -> None:
    """The named-field cases cover every hostile operation."""
    assert set(BROKEN_FIELD) == {op.name for op in OPERATIONS}


@pytest.mark.parametrize("op", OPERATIONS, ids=[op.name for op in OPERATIONS])
async def test_a_broken_field_is_named_in_the_error(op: Operation) -> None:
    """One field of the wrong type: the error's ``field`` and message name it, not its value."""
    path, value, field = BROKEN_FIELD[op.name]
    status = 201 if op.method == "POST" and op.name != "token" else 200
    body = json.dumps(broken(op.template, path, value)).encode()
    outcome = await run_case(op, [Answer(status, JSON, body)])
    assert isinstance(outcome, APIResponseValidationError), outcome
    assert outcome.field == field
    assert f"{field or 'the body'} should be" in str(outcome)
    assert not unnamed_shape_error(outcome)


def test_the_field_check_is_not_blind() -> None:
    """A shape error without a field fails the fuzzing's check; an undocumented status does not."""
    unnamed = APIResponseValidationError("TypeError", method="GET", path="/tags", status_code=200)
    undocumented = APIResponseValidationError(
        "an undocumented status", method="POST", path="/memory-blobs", status_code=200
    )
    assert unnamed_shape_error(unnamed)
    assert not unnamed_shape_error(undocumented)
