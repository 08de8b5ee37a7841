"""Hostile server text over loopback: forged log lines, terminal escapes, bidi and zero-width
characters, and a mangled echo of the memory key, through the SDK's own client and a user's
httpx client; plus a user's event hook that quotes the request body in its exception.

A loopback proxy (tests/sdk_local/test_evolving_server.py) in front of a real LocalServer
rewrites the create's answer into the attacker's error.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
import pytest

from memoram_async import APIConnectionError, APIStatusError, MemoramClient
from memoram_async._redact import fold
from memoram_local import LocalServer
from tests.sdk_local.test_evolving_server import Answer, EvolvingProxy, ProxyServer, Rule
from tests.support.deadline import run_in_thread

MEMORY_KEY = "mk_loopback_Secret_0042"
FORGED = "\n2026-01-01 12:00:00 CRITICAL auth: admin login OK\x1b[31m\u202egpj.exe\u200b"
HIDDEN = ("\n", "\x1b", "\u202e", "\u200b", "\x00")
# What a mangled echo looks like: a zero-width space, a NUL, an ESC sequence, another case.
ECHO = "MK_LOOP\u200bBACK_\x00SECRET\x1b[0m_0042"
_ESCAPE = re.compile(r"\\(?:x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8}|[nrt])")
SEAMS = ["own client", "http_client"]
DEADLINE = 30.0


def gives_away_the_key(text: str) -> bool:
    """Whether a reader of ``text`` can put the memory key together (escapes dropped, any case,
    any 12 characters of it in a row)."""
    seen = fold(_ESCAPE.sub("", text))
    key = fold(MEMORY_KEY)
    return any(key[i : i + 12] in seen for i in range(len(key) - 11))


def attacker_error(answer: Answer) -> None:
    """The create is answered 400 with the forged line and the mangled key in every field."""
    answer.status = 400
    answer.body = {"error": f"bad{FORGED}", "message": f"memoryKey {ECHO} refused{FORGED}"}
    answer.headers["x-request-id"] = "req\u202e\u200b-1"


@pytest.mark.parametrize("seam", SEAMS)
def test_hostile_error_text_reaches_no_message_or_log_line_raw(
    seam: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The attacker's 400 shows escaped and bounded, the mangled key redacted, in the exception
    and in every log line."""
    caplog.set_level(logging.DEBUG, logger="memoram_async")
    caught: list[APIStatusError] = []

    async def scenario() -> None:
        with (
            LocalServer(auto_approve=True) as local,
            ProxyServer(EvolvingProxy(local.url)) as proxy,
        ):
            proxy.proxy.rules.append(Rule("POST", r"/memory-blobs", attacker_error))
            theirs = httpx.AsyncClient(trust_env=False) if seam == "http_client" else None
            async with MemoramClient(
                api_key=local.api_key, base_url=proxy.base_url, http_client=theirs, max_retries=0
            ) as client:
                request = await client.request_access(MEMORY_KEY, reason="hostile text")
                user = client.user(await client.get_credentials(request.id))
                with pytest.raises(APIStatusError) as info:
                    await user.create_memory("my words")
                caught.append(info.value)
            if theirs is not None:
                await theirs.aclose()

    run_in_thread(scenario, DEADLINE)
    (error,) = caught
    shown: dict[str, Any] = {
        "str": str(error),
        "request_id": error.request_id,
        "error_code": error.error_code,
    }
    for name, text in shown.items():
        assert isinstance(text, str)
        assert text.isprintable(), f"{name}: {text!r}"
        assert not [c for c in HIDDEN if c in text], f"{name}: {text!r}"
        assert not gives_away_the_key(text), f"{name}: {text!r}"
    assert "\\n2026-01-01 12:00:00 CRITICAL" in str(error)
    assert "[redacted]" in str(error)
    assert caplog.records
    for record in caplog.records:
        line = record.getMessage()
        assert line.isprintable(), line
        assert not gives_away_the_key(line), line


def test_an_app_hook_quoting_the_body_leaks_no_memory_key_over_loopback() -> None:
    """A user's httpx request hook that raises with the request body (memory key) in its text:
    the SDK's APIConnectionError names the hook's failure but not the key."""
    caught: list[APIConnectionError] = []

    async def nosy_hook(request: httpx.Request) -> None:
        if request.url.path.endswith("/access-requests") and request.method == "POST":
            raise RuntimeError(f"audit log refused {request.content.decode().upper()!r}")

    async def scenario() -> None:
        with LocalServer(auto_approve=True) as local:
            theirs = httpx.AsyncClient(trust_env=False, event_hooks={"request": [nosy_hook]})
            async with (
                theirs,
                MemoramClient(
                    api_key=local.api_key,
                    base_url=local.base_url,
                    http_client=theirs,
                    max_retries=0,
                ) as client,
            ):
                with pytest.raises(APIConnectionError) as info:
                    await client.request_access(MEMORY_KEY, reason="hooked")
                caught.append(info.value)
            assert local.stats.access_requests_created == 0

    run_in_thread(scenario, DEADLINE)
    (error,) = caught
    assert "RuntimeError: audit log refused" in str(error)
    assert not gives_away_the_key(str(error)), str(error)
