"""The request path's pure parts and the tolerant reader: error translation, redaction, 2xx
variants, 413, tokens expired on arrival, proxies, the event-loop binding."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from memoram_api.api.memory_management import list_memories

import memoram_async
from memoram_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    EventLoopError,
    MemoramClient,
    NotFoundError,
    RequestTooLargeError,
    ValidationError,
)
from memoram_async._auth import TokenGrant, TokenManager
from memoram_async._errors import error_class_for_status
from memoram_async._memory_wire import create_fields, next_cursor_of, update_fields
from memoram_async._operations import CREATE_MEMORY, CREATE_TOKEN, GET_MEMORY
from memoram_async._options import NOT_GIVEN
from memoram_async._secret import Secret
from memoram_async._send import Connection
from memoram_async._translate import read_error, status_error, status_hint
from tests.support import fake_api
from tests.support.fake_api import BASE_URL, FakeAPI, credentials

REQUEST = httpx.Request(
    "POST",
    "https://api.test/api/v1/memory-blobs",
    json={"memoryKey": "mk_secret_value", "content": "x" * 2000},
    headers={"Authorization": "Bearer eyJtoken.part.sig"},
)


def _answer(status: int, body: object = None, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers, request=REQUEST)


def test_request_too_large_is_public_and_in_the_status_table() -> None:
    """413 maps to RequestTooLargeError, an exported APIStatusError subclass."""
    assert error_class_for_status(413) is RequestTooLargeError
    assert issubclass(RequestTooLargeError, APIStatusError)
    assert "RequestTooLargeError" in memoram_async.__all__


@pytest.mark.parametrize(
    ("message", "limit"),
    [
        ("The body must be at most 1048576 bytes.", 1048576),
        (
            "The request body (1048678 bytes) is over this server's limit of 1048576 bytes"
            " (1 MiB); nothing was stored.",
            1048576,
        ),
        ("The request body (1048678 bytes) is too large.", None),
        ("Payload too large", None),
    ],
)
def test_413_message_gives_the_size_sent_and_the_stated_limit(
    message: str, limit: int | None
) -> None:
    """The 413 error says how many bytes were sent and the server's limit when it states one."""
    answer = read_error(_answer(413, {"error": "payload_too_large", "message": message}), REQUEST)
    error = status_error(
        CREATE_MEMORY,
        "/memory-blobs",
        answer,
        retry_after=None,
        outcome_unknown=False,
        fixed_token=False,
    )
    assert isinstance(error, RequestTooLargeError)
    assert error.sent_bytes == len(REQUEST.content)
    assert f"The request body was {len(REQUEST.content)} bytes" in str(error)
    assert error.limit_bytes == limit
    stated = "the server accepts at most 1048576 bytes" in str(error)
    assert stated == (limit is not None)


def test_error_text_never_carries_what_was_sent() -> None:
    """A server echoing the memory key and token back has both redacted from the message."""
    answer = read_error(
        _answer(400, {"message": "bad key mk_secret_value for eyJtoken.part.sig"}), REQUEST
    )
    assert answer.message is not None
    assert "mk_secret_value" not in answer.message
    assert "eyJtoken" not in answer.message


def test_an_unread_body_still_gives_the_status() -> None:
    """An answer whose body a hook never read (stream closed) is read as status and headers only."""

    class Closed(httpx.AsyncByteStream):
        async def __aiter__(self):  # type: ignore[no-untyped-def]
            yield b""

    response = httpx.Response(
        503, stream=Closed(), headers={"retry-after": "2", "date": "x"}, request=REQUEST
    )
    answer = read_error(response, REQUEST)
    assert (answer.status, answer.message, answer.retry_after) == (503, None, "2")


def test_token_route_404_says_the_base_url_lacks_the_api_prefix() -> None:
    """A 404 on /auth/token points at the missing /api/v1; elsewhere a 404 is about the id."""
    assert "/api/v1" in status_hint(CREATE_TOKEN, 404, fixed_token=False)
    assert "/api/v1" not in status_hint(GET_MEMORY, 404, fixed_token=False)


async def test_a_create_answered_200_is_a_success() -> None:
    """A create answered 200 (not the documented 201) with a memory body is not reported failed."""
    fake = FakeAPI()

    def created_with_200(request: httpx.Request) -> httpx.Response:
        answer = fake._route(request, "/memory-blobs")
        return httpx.Response(200, content=answer.content, headers=answer.headers)

    fake.fail("POST", "/memory-blobs", created_with_200)
    async with fake.client(encryption=False) as client:
        memory = await client.user(credentials()).create_memory("kept")
    assert memory.content == "kept"
    assert len(fake.memories) == 1


async def test_a_delete_answered_204_is_a_success() -> None:
    """A delete answered 204 with no body is done, not an error."""
    fake = FakeAPI()
    memory_id = fake.add_memory("c")
    fake.fail("DELETE", f"/memory-blobs/{memory_id}", httpx.Response(204))
    async with fake.client() as client:
        assert await client.user(credentials()).delete_memory(memory_id) is None


async def test_another_2xx_with_a_broken_body_is_a_validation_error() -> None:
    """A 202 whose body is not a memory is an APIResponseValidationError, outcome unknown."""
    fake = FakeAPI()
    fake.fail("POST", "/memory-blobs", httpx.Response(202, json={"unexpected": True}))
    async with fake.client(encryption=False) as client:
        with pytest.raises(APIResponseValidationError) as info:
            await client.user(credentials()).create_memory("c")
    assert info.value.status_code == 202
    assert info.value.outcome_unknown


async def test_a_token_expired_on_arrival_is_used_not_refetched(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A token whose expires_at is before the server's Date is kept (one warning), not refetched."""
    server_date = datetime(2026, 1, 1, tzinfo=UTC)

    async def fetch() -> TokenGrant:
        return TokenGrant(Secret("tok"), server_date - timedelta(seconds=5), server_date)

    manager = TokenManager(fetch)
    with caplog.at_level(logging.WARNING, logger="memoram_async"):
        for _ in range(5):
            assert (await manager.get()).reveal() == "tok"
            assert manager.header() == "Bearer tok"
    assert manager.fetches == 1
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "tok" not in caplog.text.replace("token", "")


async def test_a_refused_expired_token_is_still_replaced() -> None:
    """After a 401, a token kept past its expiry is refreshed once and the call replayed."""
    fake = FakeAPI(token_lifetime=-30.0)
    async with fake.client() as client:
        await client.list_access_requests()
        fake.valid_tokens.clear()
        await client.list_access_requests()
        with pytest.raises(NotFoundError):
            await client.get_access_request("cm99999999")
    assert fake.token_requests == 2


async def test_a_hook_that_raises_something_else_is_a_typed_error() -> None:
    """An app hook raising a non-httpx exception gives APIConnectionError naming it, not a crash."""
    fake = FakeAPI()

    async def broken_hook(response: httpx.Response) -> None:
        raise KeyError("missing-field")

    async with httpx.AsyncClient(
        transport=httpx.MockTransport(fake.handler), event_hooks={"response": [broken_hook]}
    ) as theirs:
        client = MemoramClient(api_key=fake_api.API_KEY, base_url=BASE_URL, http_client=theirs)
        async with client:
            with pytest.raises(APIConnectionError, match="KeyError") as info:
                await client.list_access_requests()
    assert "event hooks" in str(info.value)
    assert isinstance(info.value.__cause__, Exception)
    assert fake.token_requests == 1


@pytest.mark.parametrize("value", ["", 5, ["c"]])
def test_a_next_cursor_that_is_not_text_is_a_broken_answer(value: object) -> None:
    """A page's next_cursor must be a non-empty str or null; anything else is refused."""
    with pytest.raises(ValueError, match="next_cursor"):
        next_cursor_of(value)
    assert next_cursor_of(None) is None
    assert next_cursor_of("c2") == "c2"


def test_update_fields_checks_before_sending() -> None:
    """An update with nothing to change, or a title that is not text, is refused up front."""
    unset: dict[str, Any] = dict.fromkeys(
        ("content", "title", "summary", "tags", "importance", "confidence", "source"), NOT_GIVEN
    )
    with pytest.raises(ValidationError, match="at least one field"):
        update_fields(**unset)
    with pytest.raises(ValidationError, match="title must be a str"):
        update_fields(**{**unset, "title": 3})
    assert update_fields(**{**unset, "tags": [], "importance": 2}) == {
        "tags": [],
        "importance": 2.0,
    }


def test_create_fields_leave_out_what_was_not_given() -> None:
    """A create sends only the optional fields given, checked."""
    none: dict[str, Any] = {
        "title": None,
        "summary": None,
        "tags": (),
        "importance": None,
        "confidence": None,
        "source": None,
    }
    assert create_fields(**none) == {}
    assert create_fields(**{**none, "title": "t", "confidence": 1}) == {
        "title": "t",
        "confidence": 1.0,
    }
    with pytest.raises(ValidationError, match="confidence"):
        create_fields(**{**none, "confidence": 2})


def test_a_connection_is_bound_to_its_first_event_loop() -> None:
    """The same Connection used from a second asyncio.run() raises EventLoopError naming it."""
    connection = Connection(
        base_url="http://127.0.0.1:9/api/v1",
        timeout=httpx.Timeout(1.0),
        transport=httpx.MockTransport(lambda request: httpx.Response(200)),
        http_client=None,
    )

    async def use() -> None:
        connection.client()

    asyncio.run(use())
    with pytest.raises(EventLoopError, match=r"event loop .*asyncio\.run\(\)"):
        asyncio.run(use())
    asyncio.run(connection.aclose())  # another loop: the pool is dropped, nothing raised
    assert connection.closed


async def test_connection_error_text_drops_what_the_request_sent() -> None:
    """A transport error that quotes the request body does not carry the memory key onward."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/auth/token"):
            return httpx.Response(
                200,
                json={"token": "eyJx.y.z", "expires_at": "2999-01-01T00:00:00Z"}
                | {"token_type": "Bearer"},
            )
        raise httpx.ConnectError(
            f"refused while sending {request.content.decode()}", request=request
        )

    client = MemoramClient(
        api_key="mem_" + "a" * 48,
        base_url="https://api.test/api/v1",
        transport=httpx.MockTransport(handler),
        max_retries=0,
    )
    async with client:
        with pytest.raises(APIConnectionError) as info:
            await client.request_access("mk_short", reason="r")
    assert "mk_short" not in str(info.value)


@pytest.mark.parametrize("app_params", [None, {"app": "x y", "tags": "app's"}])
async def test_a_query_reaches_the_server_as_httpx_builds_it(
    app_params: dict[str, str] | None,
) -> None:
    """The query of an SDK request is byte for byte what httpx's build_request(params=) makes."""
    fake = FakeAPI()
    search = "a b&c=d/é?#%+ü"
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(fake.handler), params=app_params
    ) as theirs:
        client = MemoramClient(api_key=fake_api.API_KEY, base_url=BASE_URL, http_client=theirs)
        user = client.user(credentials())
        async with client:
            async for _ in user.list_memories(
                tags=["ü n", "x&y"], search=search, min_importance=0.25, page_size=7
            ):
                pass
        kwargs = list_memories._get_kwargs(
            user_id=user.user_id, limit=7, tags="ü n,x&y", search_query=search, importance=0.25
        )
        expected = theirs.build_request("GET", BASE_URL + kwargs["url"], params=kwargs["params"])
    sent = [r for r in fake.requests if r.url.path.endswith("/memory-blobs")]
    assert [str(r.url) for r in sent] == [str(expected.url)]
