"""Redaction finds what the request sent however it is echoed back (with format and control
characters inserted, in another case, cut short, or quoted by an app hook's exception), and the
fields it knows are the spec's own wire names."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from memoram_async import APIConnectionError, APIStatusError, MemoramClient
from memoram_async._redact import _SENT_SECRET_FIELDS, clean_text, fold, remove_secrets
from tests.support.fake_api import API_KEY, BASE_URL, MEMORY_KEY, FakeAPI, credentials

# How an echo may come back: each inserts or changes what a plain comparison would miss.
MANGLINGS = {
    "as sent": lambda key: key,
    "zero-width space inside": lambda key: key[:5] + "\u200b" + key[5:],
    "NUL inside": lambda key: key[:3] + "\x00" + key[3:],
    "ESC sequence inside": lambda key: key[:4] + "\x1b[0m" + key[4:],
    "ESC sequence eating its first letter": lambda key: "\x1b[" + key,
    "unterminated OSC before it": lambda key: "\x1b]0;" + key,
    "bidi override inside": lambda key: key[:6] + "\u202e" + key[6:],
    "soft hyphen and BOM": lambda key: "\ufeff" + key[:2] + "\u00ad" + key[2:],
    "newline inside": lambda key: key[:7] + "\n" + key[7:],
    "upper-cased": str.upper,
    "upper-cased with zero-width joiners": lambda key: "\u200d".join(key.upper()),
}
_ESCAPE = re.compile(r"\\(?:x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8}|[nrt])")


def revealed(shown: str) -> str:
    """What a reader of ``shown`` can still put together: escapes dropped, case folded."""
    return fold(_ESCAPE.sub("", shown))


def carries(shown: str, secret: str) -> bool:
    """Whether ``shown`` still gives away ``secret`` (or any 12 characters of it in a row)."""
    text = revealed(shown)
    folded = fold(secret)
    return any(folded[i : i + 12] in text for i in range(max(len(folded) - 11, 1)))


@pytest.mark.parametrize("mangling", sorted(MANGLINGS))
def test_a_mangled_echo_of_a_sent_secret_is_redacted(mangling: str) -> None:
    """The memory key echoed with hidden characters or in another case is still removed."""
    echo = MANGLINGS[mangling](MEMORY_KEY)
    shown = clean_text(f"memoryKey {echo} is not valid", redact=[MEMORY_KEY])
    assert shown is not None
    assert not carries(shown, MEMORY_KEY), shown
    assert shown.startswith("memoryKey ")
    assert shown.endswith("[redacted] is not valid")


def test_an_echo_cut_short_by_the_length_bound_is_redacted() -> None:
    """A long secret whose echo is cut before its end still loses the part that is shown."""
    content = "my diary: " + "dear diary, today I " * 200
    shown = clean_text("refused: " + content.upper(), redact=[content])
    assert shown == "refused: [redacted]"


def test_only_the_echo_is_removed_and_the_rest_is_shown_escaped() -> None:
    """Text around a redacted echo stays readable, its hidden characters escaped."""
    shown = remove_secrets("a\x1bb " + MEMORY_KEY.upper() + "\u200b c", [MEMORY_KEY])
    assert shown == "a\x1bb [redacted]\u200b c"
    assert clean_text("a\x1bb " + MEMORY_KEY + " c", redact=[MEMORY_KEY]) == "a\\x1bb [redacted] c"


def test_short_values_are_not_redacted() -> None:
    """Values under six characters are left alone: replacing them would garble the message."""
    assert clean_text("the key abc is wrong", redact=["abc"]) == "the key abc is wrong"


def test_folding_removes_control_and_format_characters_and_case() -> None:
    """fold() is the comparison: NUL, ESC, ZWSP, bidi, soft hyphen gone; case folded (ß too)."""
    assert fold("A\x00b\x1bC\u200bd\u202eE\u00adF") == "abcdef"
    assert fold("STRAẞE") == fold("strasse")


# -- the attacks, through the SDK --------------------------------------------------------------


@pytest.mark.parametrize("mangling", sorted(MANGLINGS))
async def test_a_server_echoing_the_memory_key_mangled_gets_it_into_no_message(
    mangling: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A 400 whose message, code and request id echo the memory key mangled: the key is in
    neither the exception's text, its attributes, nor any log line."""
    echo = MANGLINGS[mangling](MEMORY_KEY)
    fake = FakeAPI()
    fake.fail(
        "POST",
        "/memory-blobs",
        httpx.Response(
            400,
            json={"error": f"bad_{echo}", "message": f"memoryKey {echo} unknown"},
            headers={"x-request-id": f"req-{echo}".encode()},
        ),
    )
    caplog.set_level(logging.DEBUG, logger="memoram_async")
    async with fake.client() as client:
        with pytest.raises(APIStatusError) as info:
            await client.user(credentials()).create_memory("hello")
    error = info.value
    for text in (str(error), error.message, error.request_id or "", error.error_code or ""):
        assert not carries(text, MEMORY_KEY), text
    assert "[redacted]" in str(error)
    for record in caplog.records:
        assert not carries(record.getMessage(), MEMORY_KEY)


@pytest.mark.parametrize("mangling", ["as sent", "upper-cased", "zero-width space inside"])
async def test_an_app_hook_quoting_the_request_body_leaks_no_secret(mangling: str) -> None:
    """An app's event hook raising with the request body (memory key) and headers (token) in its
    text: the SDK's APIConnectionError names the hook's failure but carries neither secret."""
    fake = FakeAPI()

    async def nosy_hook(request: httpx.Request) -> None:
        if request.url.path.endswith("/memory-blobs"):
            body = request.content.decode()
            quoted = MANGLINGS[mangling](body)
            token = request.headers["authorization"]
            raise RuntimeError(f"audit failed for {quoted!r} sent with {token}")

    theirs = httpx.AsyncClient(
        transport=httpx.MockTransport(fake.handler), event_hooks={"request": [nosy_hook]}
    )
    client = MemoramClient(api_key=API_KEY, base_url=BASE_URL, http_client=theirs)
    async with theirs, client:
        with pytest.raises(APIConnectionError) as info:
            await client.user(credentials()).create_memory("hello")
    text = str(info.value)
    assert "RuntimeError: audit failed for" in text
    assert not carries(text, MEMORY_KEY), text
    (token,) = fake.valid_tokens
    assert not carries(text, token), text
    assert not carries(text, API_KEY), text


SPEC: dict[str, Any] = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "openapi.yaml").read_text()
)
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
# What a secret's wire name looks like: a key, a token, a password, or the memory's content.
SECRETISH_NAME = re.compile(r"key|token|secret|password|^content$", re.IGNORECASE)


def _request_schemas() -> set[str]:
    names = set()
    for methods in SPEC["paths"].values():
        for operation in methods.values():
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                names.add(media["schema"]["$ref"].rsplit("/", 1)[-1])
    return names


def test_every_redacted_field_is_a_wire_name_of_the_spec() -> None:
    """Each field redaction knows is a property of a schema in openapi.yaml (a renamed field
    fails here instead of silently leaking)."""
    properties = {name for schema in SCHEMAS.values() for name in schema.get("properties", {})}
    assert set(_SENT_SECRET_FIELDS) <= properties, set(_SENT_SECRET_FIELDS) - properties


def test_every_secret_a_request_body_carries_is_redacted() -> None:
    """Every property of a request body whose name says it is secret is redacted from what the
    server says back."""
    carried = {
        name
        for schema in _request_schemas()
        for name in SCHEMAS[schema].get("properties", {})
        if SECRETISH_NAME.search(name)
    }
    assert carried == {"api_key", "memoryKey", "content"}
    assert carried <= set(_SENT_SECRET_FIELDS)
