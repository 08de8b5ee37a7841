"""Scenario 5: no secret in logs, reprs or errors on any path; plain http:// to remote refused."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from memoram_async import BadRequestError, MemoramClient, RateLimitError, ValidationError
from tests.support.chaos.secret_leaks import Secrets, frame_locals, run_secrets, with_locals
from tests.support.fake_api import FakeAPI, credentials
from tests.support.stub_resolver import StubResolver


async def test_no_secret_anywhere_in_the_flow_and_the_error_paths() -> None:
    """The whole flow and every error path at DEBUG leak no key, token, memory key or content."""
    result = await run_secrets()
    assert result.ok, result.summary()
    assert not result.untyped
    assert result.calls >= 40
    # Every kind of failure the scenario means to visit was visited.
    for kind in (
        "ApprovalPendingError",
        "AccessDeniedError",
        "AuthenticationError",
        "DecryptionError",
        "NotFoundError",
        "RateLimitError",
        "InternalServerError",
        "APIResponseValidationError",
        "APITimeoutError",
        "APIConnectionError",
        "ClientClosedError",
        "InvalidKeyError",
        "ValidationError",
    ):
        assert result.failed[kind] >= 1, kind


def test_the_scanner_finds_every_form_of_a_planted_key() -> None:
    """The leak scan is not blind: hex (both cases), halves, bytes repr and base64 are found."""
    found = Secrets()
    key = "0f" * 32
    found.add_key(key)
    found.add("a JWT", "eyJh.eyJz.c2lnbmF0dXJl")
    for text in (
        f"x {key} y",
        key.upper(),
        f"k={key[:32]}",
        repr(bytes.fromhex(key)),
        base64.b64encode(bytes.fromhex(key)).decode(),
        "sig c2lnbmF0dXJl",
    ):
        assert found.leaks([text]), text
    assert not found.leaks(["nothing to see", "0f0f"])


def test_the_frame_scan_sees_a_local_outside_the_scenario() -> None:
    """The captured-locals scan is not blind: a plain secret in a frame outside tests/ is found."""
    key = "mem_" + "cd" * 24
    found = Secrets()
    found.add("the API key", key)
    outside = compile("def send(api_key):\n    raise ValueError('refused')\n", "<sdk>", "exec")
    namespace: dict[str, Any] = {}
    exec(outside, namespace)  # noqa: S102 - defines a function whose frame is not under tests/
    with pytest.raises(ValueError, match="refused") as caught:
        namespace["send"](key)
    assert found.leaks([with_locals(caught.value)])
    assert found.leaks(frame_locals(caught.value))


@pytest.mark.parametrize(
    ("field", "status", "error"),
    [("memoryKey", 400, BadRequestError), ("content", 429, RateLimitError)],
)
async def test_an_error_that_echoes_the_request_is_redacted(
    field: str, status: int, error: type[Exception]
) -> None:
    """A server repeating the memory key or content it was sent does not put it in the error."""
    api = FakeAPI()
    seen: dict[str, str] = {}

    def echo(request: httpx.Request) -> httpx.Response:
        seen["value"] = json.loads(request.content)[field]
        said = f"refused {field}={seen['value']}, bearer {request.headers['authorization']}"
        return httpx.Response(status, json={"message": said}, headers={"retry-after": "3600"})

    api.fail("POST", "/memory-blobs", echo)
    async with api.client(encryption=False) as client:
        with pytest.raises(error) as caught:
            await client.user(credentials()).create_memory("secret words typed by the user")
    token = next(iter(api.valid_tokens))
    text = str(caught.value)
    assert "refused" in text
    assert "[redacted]" in text
    assert seen["value"] not in text
    assert token not in text


@pytest.mark.parametrize(
    "url", ["http://api.memoram.app/api/v1", "http://10.1.2.3:8765/api/v1", "http://localhost.x"]
)
async def test_plain_http_to_a_remote_host_needs_the_explicit_option(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """http:// to a host that is not loopback (an IP at once, a name by the addresses it resolves
    to) is refused before anything is sent, naming the option that allows it."""
    StubResolver({"api.memoram.app": ["192.0.2.80"], "localhost.x": ["192.0.2.81"]}).install(
        monkeypatch
    )
    fake = FakeAPI()
    with pytest.raises(ValidationError, match="allow_insecure_http=True"):
        async with fake.client(base_url=url, max_retries=0) as client:
            await client.list_access_requests()
    assert fake.requests == []
    assert MemoramClient(api_key="mem_x", base_url=url, allow_insecure_http=True).base_url == url


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8765/api/v1", "http://localhost:1", "http://[::1]:2/api/v1"]
)
def test_plain_http_to_loopback_is_fine(url: str) -> None:
    """The local server over loopback needs no option."""
    assert MemoramClient(api_key="mem_x", base_url=url).base_url == url
