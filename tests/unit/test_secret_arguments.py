"""A refused secret appears nowhere: not in the error, its traceback, or any frame's locals.

Every public entry point that takes a secret (api_key, token, memory_key, encryption_key,
key_version, previous_keys, content) gets values that look like secrets and are refused; the
value is looked for in ``str``/``repr`` of the error, its formatted traceback, the traceback
with captured locals (``TracebackException(capture_locals=True)``) and ``repr()`` of every
local of every frame of the error and its chain (what Sentry's ``include_local_variables``
records). The frames of this file are left out: the caller holds what it passed.
"""

from __future__ import annotations

import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final

import pytest

from memoram_async import Credentials, MemoramClient, ValidationError
from tests.support.fake_api import FakeAPI, credentials

MARK: Final = "Sx7Qm4Lp"  # in every refused value: found anywhere means the value leaked
HEX_MARK: Final = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e"  # the same, for values that must look hex
USER: Final = "123e4567-e89b-12d3-a456-426614174000"
GOOD_KEY: Final = "ab" * 32
HERE: Final = Path(__file__).resolve()

# Values a user could pass by mistake: a key with a stray space, newline or NUL, a lone
# surrogate, bytes read in binary mode. Each holds MARK.
BAD_TEXT: Final = (
    f"mem_{MARK}_0123456789 ",
    f"mem_{MARK}\n",
    f"mk_{MARK}\x00",
    f"mk_{MARK}\ud800",
    f"{MARK}".encode(),
)


def _credentials(**fields: Any) -> Credentials:
    values: dict[str, Any] = {
        "user_id": USER,
        "memory_key": "mk-good",
        "encryption_key": GOOD_KEY,
        "key_version": 2,
    }
    return Credentials(**{**values, **fields})


def _from_dict(**fields: Any) -> Credentials:
    data: dict[str, Any] = {
        "user_id": USER,
        "memory_key": "mk-good",
        "encryption_key": GOOD_KEY,
        "key_version": "2",
        **fields,
    }
    return Credentials.from_dict(data)


# (id, the call, the marker the bad value carries)
SYNC_CASES: Final[list[tuple[str, Callable[[], object], str]]] = [
    *[
        (f"api_key-{i}", lambda v=v: MemoramClient(api_key=v, base_url="http://127.0.0.1:1"), MARK)
        for i, v in enumerate(BAD_TEXT)
    ],
    *[
        (f"token-{i}", lambda v=v: MemoramClient(token=v, base_url="http://127.0.0.1:1"), MARK)
        for i, v in enumerate(BAD_TEXT)
    ],
    *[
        (f"memory_key-{i}", lambda v=v: _credentials(memory_key=v), MARK)
        for i, v in enumerate(BAD_TEXT)
    ],
    *[
        (f"encryption_key-{name}", lambda v=v: _credentials(encryption_key=v), HEX_MARK)
        for name, v in {
            "odd": HEX_MARK + "5",
            "31-bytes": HEX_MARK + "5e" * 15,
            "not-hex": HEX_MARK + "zz" + "5e" * 15,
            "bytes": (HEX_MARK * 2).encode(),
        }.items()
    ],
    ("key_version-str", lambda: _credentials(key_version=f"{MARK}{GOOD_KEY}"), MARK),
    ("key_version-bytes", lambda: _credentials(key_version=MARK.encode()), MARK),
    ("previous_keys-value", lambda: _credentials(previous_keys={1: HEX_MARK + "5"}), HEX_MARK),
    ("previous_keys-version", lambda: _credentials(previous_keys={MARK: GOOD_KEY}), MARK),
    ("previous_keys-not-a-mapping", lambda: _credentials(previous_keys=[HEX_MARK * 2]), HEX_MARK),
    ("from_dict-memory_key", lambda: _from_dict(memory_key=f"mk {MARK}"), MARK),
    ("from_dict-encryption_key", lambda: _from_dict(encryption_key=HEX_MARK + "5"), HEX_MARK),
    ("from_dict-key_version", lambda: _from_dict(key_version=MARK), MARK),
    ("from_dict-previous_keys", lambda: _from_dict(previous_keys={"1": HEX_MARK + "5"}), HEX_MARK),
]


def _frames_outside_this_file(exc: BaseException) -> list[str]:
    """``repr()`` of every local of every frame of ``exc``'s chain (causes and contexts)."""
    texts: list[str] = []
    pending: list[BaseException | None] = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        tb = current.__traceback__
        while tb is not None:
            if Path(tb.tb_frame.f_code.co_filename).resolve() != HERE:
                texts += [f"{name}={value!r}" for name, value in tb.tb_frame.f_locals.items()]
            tb = tb.tb_next
        pending += [current.__cause__, current.__context__]
    return texts


def _with_locals(exc: BaseException) -> str:
    formatted = traceback.TracebackException.from_exception(exc, capture_locals=True)
    pending: list[traceback.TracebackException | None] = [formatted]
    while pending:
        current = pending.pop()
        if current is None:
            continue
        for frame in current.stack:
            if Path(frame.filename).resolve() == HERE:
                frame.locals = None
        pending += [current.__cause__, current.__context__]
    return "".join(formatted.format())


def assert_nowhere(exc: BaseException, marker: str) -> None:
    """``marker`` is in no text a user, a logger or an error reporter could make of ``exc``."""
    assert isinstance(exc, ValidationError), repr(exc)
    texts = {
        "str": str(exc),
        "repr": repr(exc),
        "traceback": "".join(traceback.format_exception(exc)),
        "captured locals": _with_locals(exc),
    }
    for number, text in enumerate(_frames_outside_this_file(exc)):
        texts[f"frame local #{number}"] = text
    leaked = [where for where, text in texts.items() if marker in text]
    assert not leaked, f"{marker} in {leaked}: {[texts[w][:200] for w in leaked]}"
    # The scan is not blind: locals were captured at all.
    assert "=" in texts["captured locals"]


@pytest.mark.parametrize(
    ("call", "marker"), [(c, m) for _, c, m in SYNC_CASES], ids=[i for i, _, _ in SYNC_CASES]
)
def test_a_refused_secret_is_in_no_text_of_the_error(
    call: Callable[[], object], marker: str
) -> None:
    """Constructors and Credentials refuse the value without repeating it anywhere."""
    with pytest.raises(ValidationError) as caught:
        call()
    assert_nowhere(caught.value, marker)


BAD_CONTENT: Final = (f"{MARK} typed by the user \ud800", f"{MARK}".encode(), [MARK])


@pytest.mark.parametrize(
    "call",
    [
        *[lambda user, client, v=v: client.request_access(v, reason="r") for v in BAD_TEXT],
        *[lambda user, client, v=v: user.create_memory(v) for v in BAD_CONTENT],
        *[lambda user, client, v=v: user.update_memory("m1", content=v) for v in BAD_CONTENT],
    ],
    ids=[
        *[f"memory_key-{i}" for i in range(len(BAD_TEXT))],
        *[f"create-content-{i}" for i in range(len(BAD_CONTENT))],
        *[f"update-content-{i}" for i in range(len(BAD_CONTENT))],
    ],
)
async def test_a_refused_memory_key_or_content_is_in_no_text_of_the_error(
    call: Callable[[Any, MemoramClient], Awaitable[object]],
) -> None:
    """request_access, create_memory and update_memory refuse it before sending, silently."""
    api = FakeAPI()
    async with api.client() as client:
        with pytest.raises(ValidationError) as caught:
            await call(client.user(credentials()), client)
    assert_nowhere(caught.value, MARK)
    assert not api.requests
