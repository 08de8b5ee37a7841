"""Reading an answer's body inside the attempt: the max_response_bytes cap, error bodies cut,
undecodable bodies keeping their status, through MemoramClient and a MockTransport."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from memoram_async import (
    APIResponseValidationError,
    InternalServerError,
    MemoramClient,
    ResponseTooLargeError,
    ValidationError,
)
from memoram_async.testing import FAKE_BASE_URL, fake_credentials, token_body

TOKEN = token_body()["token"]
CAP = 4096


class Body:
    """A streamed body that counts the chunks pulled from it."""

    def __init__(self, chunk: bytes, count: int) -> None:
        self.chunk, self.count, self.pulled = chunk, count, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.count):
            self.pulled += 1
            yield self.chunk


def client_for(status: int, body: Body, **headers: str) -> MemoramClient:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=headers, content=body)

    return MemoramClient(
        token=TOKEN,
        base_url=FAKE_BASE_URL,
        transport=httpx.MockTransport(handler),
        max_retries=0,
        max_response_bytes=CAP,
    )


async def test_a_200_with_broken_gzip_keeps_its_status() -> None:
    """A 200 whose gzip body cannot be decoded is an APIResponseValidationError with status 200."""
    client = client_for(200, Body(b"not gzip at all", 1), **{"content-encoding": "gzip"})
    with pytest.raises(APIResponseValidationError) as info:
        await client.user(fake_credentials()).list_tags()
    await client.aclose()
    assert info.value.status_code == 200
    assert "answered 200" in str(info.value)
    assert "not decodable" in str(info.value)


async def test_a_declared_length_over_the_cap_is_refused_unread() -> None:
    """A Content-Length over max_response_bytes raises ResponseTooLargeError; no chunk is read."""
    body = Body(b"x" * 1024, 50_000)
    client = client_for(200, body, **{"content-length": str(50 * 1024 * 1024)})
    with pytest.raises(ResponseTooLargeError) as info:
        await client.user(fake_credentials()).list_tags()
    await client.aclose()
    assert (info.value.status_code, info.value.limit_bytes) == (200, CAP)
    assert info.value.received_bytes == 50 * 1024 * 1024
    assert body.pulled == 0


async def test_a_chunked_body_over_the_cap_stops_after_the_cap() -> None:
    """Without a Content-Length, reading stops at the first chunk past max_response_bytes."""
    body = Body(b"x" * 1024, 50_000)
    client = client_for(200, body)
    with pytest.raises(ResponseTooLargeError) as info:
        await client.user(fake_credentials()).list_tags()
    await client.aclose()
    assert body.pulled == CAP // 1024 + 1
    assert info.value.received_bytes == CAP + 1024


async def test_an_error_body_over_its_cap_is_cut_not_refused() -> None:
    """A huge error body still gives the typed status error, its message cut, its rest unread."""
    body = Body(b"busy " * 2000, 5_000)
    client = client_for(500, body, **{"content-type": "text/plain"})
    with pytest.raises(InternalServerError) as info:
        await client.user(fake_credentials()).list_tags()
    await client.aclose()
    assert info.value.status_code == 500
    assert "busy busy" in str(info.value)
    assert len(str(info.value)) < 4000
    assert body.pulled <= 64 * 1024 // 10_000 + 1


async def test_with_options_max_response_bytes_applies_to_the_copy_only() -> None:
    """A copy's max_response_bytes refuses a body the client itself still reads."""
    text = b'{"items": [], "pad": "' + b"x" * 3000 + b'"}'

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=text, headers={"content-type": "application/json"})

    client = MemoramClient(
        token=TOKEN, base_url=FAKE_BASE_URL, transport=httpx.MockTransport(handler)
    )
    small = client.with_options(max_response_bytes=1024)
    with pytest.raises(ResponseTooLargeError):
        await small.user(fake_credentials()).list_tags()
    assert await client.user(fake_credentials()).list_tags() == []
    await client.aclose()


async def test_a_users_with_options_max_response_bytes_applies_to_that_copy_only() -> None:
    """UserMemories.with_options(max_response_bytes=...) refuses a body the user object it was
    copied from still reads; a bad value is a ValidationError before anything is sent."""
    text = b'{"items": [], "pad": "' + b"x" * 3000 + b'"}'
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, content=text, headers={"content-type": "application/json"})

    client = MemoramClient(
        token=TOKEN, base_url=FAKE_BASE_URL, transport=httpx.MockTransport(handler)
    )
    user = client.user(fake_credentials())
    with pytest.raises(ResponseTooLargeError) as info:
        await user.with_options(max_response_bytes=1024).list_tags()
    assert info.value.limit_bytes == 1024
    assert await user.list_tags() == []
    with pytest.raises(ValidationError, match="max_response_bytes"):
        user.with_options(max_response_bytes=10)
    assert len(sent) == 2
    await client.aclose()
