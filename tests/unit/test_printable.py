"""Server text in messages and log lines: printable, bounded, ids quoted; driven through every
error path with newlines, ESC, bidi controls and zero-width characters."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import httpx
import pytest

from memoram_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    Credentials,
    DecryptionError,
    MemoramClient,
    MemoramError,
    UnknownAccessStatusError,
)
from memoram_async._printable import printable, quoted
from tests.support.fake_api import (
    ENCRYPTION_KEY,
    MEMORY_KEY,
    NOW,
    USER_ID,
    FakeAPI,
    credentials,
)

# A forged log line, a terminal escape, a right-to-left override and a zero-width space.
EVIL = (
    "mem_1\n2026-01-01 12:00:00 CRITICAL auth: admin login OK\x1b[31m"
    "\u202egpj.exe\u200b\r\x00\u2028end"
)
HIDDEN = ("\n", "\r", "\x1b", "\u202e", "\u200b", "\x00", "\u2028")


@pytest.mark.parametrize(
    ("char", "shown"),
    [
        ("\n", "\\n"),
        ("\r", "\\r"),
        ("\t", "\\t"),
        ("\x1b", "\\x1b"),
        ("\x00", "\\x00"),
        ("\x7f", "\\x7f"),
        ("\x9b", "\\x9b"),
        ("\u00a0", "\\xa0"),
        ("\u200b", "\\u200b"),
        ("\u202e", "\\u202e"),
        ("\u2066", "\\u2066"),
        ("\ufeff", "\\ufeff"),
        ("\u2028", "\\u2028"),
        ("\ud800", "\\ud800"),
        ("\U000e0041", "\\U000e0041"),
    ],
)
def test_each_hidden_character_is_escaped_not_dropped(char: str, shown: str) -> None:
    """A control, format, separator or surrogate character is shown as its Python escape."""
    assert printable(f"a{char}b") == f"a{shown}b"
    assert quoted(f"a{char}b") == f"'a{shown}b'"


def test_printable_text_is_unchanged_and_printable_is_idempotent() -> None:
    """Ordinary text (accents and CJK included) passes as is; a second pass changes nothing."""
    assert printable("Ünïcode 文字 ok \\n") == "Ünïcode 文字 ok \\n"
    once = printable(EVIL)
    assert once.isprintable()
    assert printable(once) == once


@pytest.mark.parametrize("text", ["x" * 1000, "\x1b" * 1000, "ab\u200b" * 400, EVIL * 20])
@pytest.mark.parametrize("limit", [10, 64, 200])
def test_shown_text_is_bounded_and_cut_between_escapes(text: str, limit: int) -> None:
    """At most ``limit`` characters, ending in "...", never half an escape."""
    shown = printable(text, limit)
    assert len(shown) <= limit
    assert shown.endswith("...")
    assert shown.isprintable()
    body = shown.removesuffix("...")
    assert not body.endswith("\\")
    assert not body.endswith("\\x1")
    assert len(quoted(text, limit)) <= limit + 2


def test_quoted_ids_cannot_close_their_quotes() -> None:
    """Quotes and backslashes inside an id are escaped, so the id ends where its quote does."""
    assert quoted("a' admin='yes") == "'a\\' admin=\\'yes'"
    assert quoted("a\\") == "'a\\\\'"


# -- every error path ------------------------------------------------------------------------


def _error(status: int) -> httpx.Response:
    return httpx.Response(
        status, json={"error": EVIL, "message": EVIL}, headers={"x-request-id": EVIL.encode()}
    )


def _plain_error(status: int) -> httpx.Response:
    return httpx.Response(status, text=EVIL, headers={"x-request-id": EVIL.encode()})


async def _status_4xx(fake: FakeAPI, client: MemoramClient) -> None:
    fake.fail("GET", "/access-requests/r1", _error(400))
    await client.get_access_request("r1")


async def _status_5xx(fake: FakeAPI, client: MemoramClient) -> None:
    fake.fail("GET", "/access-requests/r1", _error(503), _error(503))
    await client.get_access_request("r1")


async def _status_plain_text(fake: FakeAPI, client: MemoramClient) -> None:
    fake.fail("GET", "/access-requests/r1", _plain_error(409))
    await client.get_access_request("r1")


async def _status_on_token(fake: FakeAPI, client: MemoramClient) -> None:
    fake.fail("POST", "/auth/token", _error(401))
    await client.list_access_requests()


async def _no_answer(fake: FakeAPI, client: MemoramClient) -> None:
    fake.fail("GET", "/access-requests/r1", *[httpx.RemoteProtocolError(EVIL)] * 2)
    await client.get_access_request("r1")


async def _unknown_status(fake: FakeAPI, client: MemoramClient) -> None:
    await client.request_access(MEMORY_KEY, reason="why")
    (request,) = fake.access.values()
    request["status"] = EVIL
    await client.wait_for_approval(request["id"], timeout=1)


async def _undecryptable_listed(fake: FakeAPI, client: MemoramClient) -> None:
    fake.memories[EVIL] = {"id": EVIL, "user_id": USER_ID, "content": "plain", "created_at": NOW}
    async for _ in client.user(credentials()).list_memories():
        pass


async def _undecryptable_item(fake: FakeAPI, client: MemoramClient) -> None:
    fake.memories[EVIL] = {"id": EVIL, "user_id": USER_ID, "content": "plain", "created_at": NOW}
    memories = client.user(credentials()).list_memories(strict=False)
    async for _ in memories:
        pass
    raise memories.failures[0]


async def _shape_error(fake: FakeAPI, client: MemoramClient) -> None:
    page = {"memoryBlobs": [{"id": EVIL, "content": 5, EVIL: EVIL}], "next_cursor": None}
    fake.fail("GET", "/memory-blobs", httpx.Response(200, json=page))
    async for _ in client.user(credentials()).list_memories():
        pass


async def _server_id_in_path(fake: FakeAPI, client: MemoramClient) -> None:
    # Key rotation reads and rewrites memories by the ids the server listed.
    old = Credentials(
        user_id=USER_ID, memory_key=MEMORY_KEY, encryption_key="22" * 32, key_version=1
    )
    memory = await client.user(old).create_memory("old words")
    stored = fake.memories.pop(memory.id)
    fake.memories[EVIL] = {**stored, "id": EVIL}
    fake.fail("GET", f"/memory-blobs/{EVIL}", _error(500), _error(500))
    new = Credentials(
        user_id=USER_ID, memory_key=MEMORY_KEY, encryption_key=ENCRYPTION_KEY, key_version=2
    )
    await client.user(old.rotated_to(new)).reencrypt_memories()


Scenario = Callable[[FakeAPI, MemoramClient], Awaitable[None]]
ERROR_PATHS: dict[str, tuple[Scenario, type[MemoramError]]] = {
    "4xx body: message, code, request id": (_status_4xx, APIStatusError),
    "5xx body after retries": (_status_5xx, APIStatusError),
    "text/plain error body": (_status_plain_text, APIStatusError),
    "error answer to the token request": (_status_on_token, APIStatusError),
    "no answer (protocol error text)": (_no_answer, APIConnectionError),
    "unknown access-request status": (_unknown_status, UnknownAccessStatusError),
    "memory id of a listed memory that cannot be decrypted": (
        _undecryptable_listed,
        DecryptionError,
    ),
    "memory id on one DecryptionError": (_undecryptable_item, DecryptionError),
    "body that does not match the API": (_shape_error, APIResponseValidationError),
    "server id in a request path (key rotation)": (_server_id_in_path, APIStatusError),
}


def _shown_texts(error: BaseException) -> dict[str, str]:
    texts = {"str": str(error), "message": getattr(error, "message", "")}
    for name in ("request_id", "error_code", "path"):
        value = getattr(error, name, None)
        if isinstance(value, str):
            texts[name] = value
    return texts


@pytest.mark.parametrize("path", sorted(ERROR_PATHS))
async def test_server_text_reaches_no_message_or_log_line_raw(
    path: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Newlines, ESC, bidi and zero-width characters from the server are escaped in the
    exception's text, its server-sent attributes, and every log line; the text stays bounded."""
    scenario, expected = ERROR_PATHS[path]
    fake = FakeAPI()
    caplog.set_level(logging.DEBUG, logger="memoram_async")
    async with fake.client(max_retries=1) as client:
        with pytest.raises(expected) as info:
            await scenario(fake, client)
    shown = _shown_texts(info.value)
    for name, text in shown.items():
        raw = [repr(char) for char in HIDDEN if char in text]
        assert not raw, f"{path}: {name} carries {raw}: {text!r}"
        assert text.isprintable(), f"{path}: {name} is not printable: {text!r}"
    assert len(shown["str"]) < 1200
    assert caplog.records, "the attempt was not logged"
    for record in caplog.records:
        line = record.getMessage()
        assert line.isprintable(), f"{path}: log line {line!r}"


@pytest.mark.parametrize(
    "path",
    ["memory id on one DecryptionError", "memory id of a listed memory that cannot be decrypted"],
)
async def test_memory_ids_in_decryption_errors_are_quoted_and_escaped(path: str) -> None:
    """The memory id is shown repr-like: quoted, with the forged line's newline escaped."""
    scenario, expected = ERROR_PATHS[path]
    fake = FakeAPI()
    async with fake.client() as client:
        with pytest.raises(expected) as info:
            await scenario(fake, client)
    assert "'mem_1\\n2026-01-01 12:00:00 CRITICAL" in str(info.value)


async def test_request_id_is_quoted_and_server_message_escaped() -> None:
    """A 4xx message is shown escaped; the request id quoted; the attributes are printable."""
    fake = FakeAPI()
    async with fake.client() as client:
        with pytest.raises(APIStatusError) as info:
            await _status_4xx(fake, client)
    error = info.value
    assert "(mem_1\\n2026-01-01 12:00:00 CRITICAL auth: admin login OK\\x1b[31m" in str(error)
    assert "Request id: 'mem_1\\\\n2026" in str(error)
    assert (error.request_id or "").startswith("mem_1\\n2026")
    assert (error.error_code or "").startswith("mem_1\\n2026")


async def test_a_path_with_a_long_user_id_is_shown_whole() -> None:
    """A 255-character id (the longest allowed) is not cut from the path in a message."""
    fake = FakeAPI()
    memory_id = "m" * 255
    async with fake.client() as client:
        with pytest.raises(APIStatusError) as info:
            await client.user(credentials()).get_memory(memory_id)
    assert f"/memory-blobs/{memory_id} failed" in str(info.value)
