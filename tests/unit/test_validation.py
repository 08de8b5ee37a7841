"""Bad input is refused with a typed ValidationError before any request is sent."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from memoram_async import (
    ClientClosedError,
    InvalidKeyError,
    MemoramClient,
    UserMemories,
    ValidationError,
)
from memoram_async._validation import (
    check_base_url,
    check_id,
    check_page_size,
    check_score,
    check_tags,
    check_timeout,
    is_loopback_host,
)
from tests.scenarios.fake_api import API_KEY, BASE_URL, credentials

UNTOUCHED = httpx.MockTransport(lambda request: pytest.fail(f"unexpected I/O: {request.url}"))


def client(**kwargs: Any) -> MemoramClient:
    """A client whose transport fails the test if it is ever used."""
    return MemoramClient(api_key=API_KEY, base_url=BASE_URL, transport=UNTOUCHED, **kwargs)


Call = Callable[[MemoramClient, UserMemories], Awaitable[object]]

BAD_CALLS: dict[str, Call] = {
    "request_access key int": lambda c, u: c.request_access(123, reason="r"),  # type: ignore[arg-type]
    "request_access key empty": lambda c, u: c.request_access("", reason="r"),
    "request_access key spaces": lambda c, u: c.request_access("a b", reason="r"),
    "request_access reason empty": lambda c, u: c.request_access("mk", reason=""),
    "request_access reason blank": lambda c, u: c.request_access("mk", reason="   "),
    "request_access reason long": lambda c, u: c.request_access("mk", reason="x" * 256),
    "request_access reason bytes": lambda c, u: c.request_access("mk", reason=b"r"),  # type: ignore[arg-type]
    "get_access_request empty": lambda c, u: c.get_access_request(""),
    "get_access_request slash": lambda c, u: c.get_access_request("a/b"),
    "get_access_request space": lambda c, u: c.get_access_request("a b"),
    "get_access_request None": lambda c, u: c.get_access_request(None),  # type: ignore[arg-type]
    "get_access_request long": lambda c, u: c.get_access_request("x" * 300),
    "wait_for_approval negative": lambda c, u: c.wait_for_approval("cm1", timeout=-1),
    "wait_for_approval nan": lambda c, u: c.wait_for_approval("cm1", timeout=math.nan),
    "wait_for_approval str": lambda c, u: c.wait_for_approval("cm1", timeout="5"),  # type: ignore[arg-type]
    "get_credentials newline": lambda c, u: c.get_credentials("cm1\n"),
    "create content None": lambda c, u: u.create_memory(None),  # type: ignore[arg-type]
    "create content bytes": lambda c, u: u.create_memory(b"x"),  # type: ignore[arg-type]
    "create importance nan": lambda c, u: u.create_memory("x", importance=math.nan),
    "create importance inf": lambda c, u: u.create_memory("x", importance=math.inf),
    "create importance bool": lambda c, u: u.create_memory("x", importance=True),
    "create importance str": lambda c, u: u.create_memory("x", importance="1"),  # type: ignore[arg-type]
    "create confidence 1.5": lambda c, u: u.create_memory("x", confidence=1.5),
    "create confidence -0.1": lambda c, u: u.create_memory("x", confidence=-0.1),
    "create confidence -inf": lambda c, u: u.create_memory("x", confidence=-math.inf),
    "create tag comma": lambda c, u: u.create_memory("x", tags=["a,b"]),
    "create tag empty": lambda c, u: u.create_memory("x", tags=[""]),
    "create tag padded": lambda c, u: u.create_memory("x", tags=[" travel"]),
    "list tag padded": lambda c, u: u.list_memories(tags=["travel "]).__anext__(),
    "create tag int": lambda c, u: u.create_memory("x", tags=[1]),  # type: ignore[list-item]
    "create tags str": lambda c, u: u.create_memory("x", tags="work"),  # type: ignore[arg-type]
    "create title int": lambda c, u: u.create_memory("x", title=5),  # type: ignore[arg-type]
    "create source list": lambda c, u: u.create_memory("x", source=["a"]),  # type: ignore[arg-type]
    "get_memory empty": lambda c, u: u.get_memory(""),
    "get_memory slash": lambda c, u: u.get_memory("../x"),
    "get_memory int": lambda c, u: u.get_memory(5),  # type: ignore[arg-type]
    "update nothing": lambda c, u: u.update_memory("mem_1"),
    "update content int": lambda c, u: u.update_memory("mem_1", content=1),  # type: ignore[arg-type]
    "update title None": lambda c, u: u.update_memory("mem_1", title=None),  # type: ignore[arg-type]
    "update tags comma": lambda c, u: u.update_memory("mem_1", tags=["x,y"]),
    "update confidence 2": lambda c, u: u.update_memory("mem_1", confidence=2),
    "update importance None": lambda c, u: u.update_memory("mem_1", importance=None),  # type: ignore[arg-type]
    "update bad id": lambda c, u: u.update_memory("a b", title="t"),
    "delete empty": lambda c, u: u.delete_memory(""),
    "get_tag slash": lambda c, u: u.get_tag("t/1"),
    "reencrypt concurrency 0": lambda c, u: u.reencrypt_memories(concurrency=0),
}


@pytest.mark.parametrize("call", BAD_CALLS.values(), ids=BAD_CALLS.keys())
async def test_bad_arguments_are_refused_before_io(call: Call) -> None:
    """Each bad call raises ValidationError (a ValueError) and the transport is never touched."""
    async with client() as c:
        with pytest.raises(ValidationError) as info:
            await call(c, c.user(credentials()))
        assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tags": "work"},
        {"tags": ["a,b"]},
        {"page_size": 0},
        {"page_size": 101},
        {"page_size": 10.0},
        {"page_size": True},
        {"min_importance": math.nan},
        {"search": 5},
        {"strict": "yes"},
    ],
)
async def test_list_memories_checks_arguments_at_call_time(kwargs: dict[str, Any]) -> None:
    """list_memories() refuses bad arguments immediately, before iterating (no I/O)."""
    async with client() as c:
        with pytest.raises(ValidationError):
            c.user(credentials()).list_memories(**kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"api_key": ""},
        {"api_key": "key with space"},
        {"api_key": 42},
        {"api_key": API_KEY, "token": "eyJ.x.y"},
        {"token": ""},
        {"timeout": 0},
        {"timeout": -1},
        {"timeout": math.inf},
        {"timeout": httpx.Timeout(None)},
        {"timeout": "30"},
        {"max_retries": -1},
        {"max_retries": 21},
        {"max_retries": 1.5},
        {"max_retries": True},
        {"base_url": "ftp://api.test"},
        {"base_url": "api.test/v1"},
        {"base_url": "https://api.test/v1?x=1"},
        {"base_url": "http://api.example.com/api/v1"},
        {"encryption": "no"},
        {"http_client": object()},
        {"transport": object()},
        {"http_client": None, "transport": None, "idempotent_creates": 1},
    ],
)
def test_bad_client_configuration_is_refused(kwargs: dict[str, Any]) -> None:
    """The constructor refuses bad settings with ValidationError, without I/O."""
    kwargs.setdefault("api_key", None if "token" in kwargs else API_KEY)
    kwargs.setdefault("base_url", BASE_URL)
    with pytest.raises(ValidationError):
        MemoramClient(**kwargs)


def test_missing_api_key_names_the_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """No key and no token: the error says to set MEMORAM_API_KEY."""
    monkeypatch.delenv("MEMORAM_API_KEY", raising=False)
    with pytest.raises(ValidationError, match="MEMORAM_API_KEY"):
        MemoramClient(base_url=BASE_URL)


def test_plain_http_needs_an_explicit_opt_in() -> None:
    """http:// to a remote host is refused unless allow_insecure_http=True names the risk."""
    with pytest.raises(ValidationError, match="allow_insecure_http"):
        check_base_url("http://api.memoram.app/api/v1", allow_insecure_http=False)
    assert check_base_url("http://api.memoram.app/api/v1/", allow_insecure_http=True) == (
        "http://api.memoram.app/api/v1"
    )


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.5.5.5", True),
        ("localhost", True),
        ("[::1]", True),
        ("app.localhost", True),
        ("10.0.0.1", False),
        ("example.com", False),
        ("127.0.0.1.nip.io", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    """Only this machine counts as loopback for plain http."""
    assert is_loopback_host(host) is loopback


async def test_closed_client_refuses_calls() -> None:
    """After aclose(), every call raises ClientClosedError (also a RuntimeError)."""
    c = client()
    await c.aclose()
    with pytest.raises(ClientClosedError) as info:
        await c.get_access_request("cm1")
    assert isinstance(info.value, RuntimeError)
    with pytest.raises(ClientClosedError):
        await c.user(credentials()).get_memory("mem_1")
    with pytest.raises(ClientClosedError):
        await c.with_options(max_retries=0).list_access_requests()


def test_credentials_refuse_bad_keys() -> None:
    """Credentials with a key that is not 16/24/32 bytes of hex fail with InvalidKeyError."""
    for key in ("zz" * 32, "11" * 15, "1" * 63, ""):
        with pytest.raises(ValidationError):
            credentials(encryption_key=key)
    with pytest.raises(InvalidKeyError):
        credentials(encryption_key="11" * 20)
    with pytest.raises(ValidationError):
        credentials(user_id="not-a-uuid")
    with pytest.raises(ValidationError):
        credentials(key_version=-1)
    with pytest.raises(ValidationError):
        credentials(memory_key=" ")


def test_user_needs_credentials() -> None:
    """client.user() with a dict instead of Credentials is refused."""
    with pytest.raises(ValidationError, match="Credentials"):
        client().user({"user_id": "x"})  # type: ignore[arg-type]


def test_helpers_return_normalised_values() -> None:
    """The checks return what is sent: tuples of tags, floats, timeouts, ids."""
    assert check_tags(["a", "b"]) == ("a", "b")
    assert check_score(1, "importance") == 1.0
    assert check_page_size(100) == 100
    assert check_id("mem_1", "memory_id") == "mem_1"
    assert check_timeout(5).read == 5.0
