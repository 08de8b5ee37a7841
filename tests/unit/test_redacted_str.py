"""RedactedStr and Secret.reveal_redacted: the real text on the wire, redacted in every repr."""

from __future__ import annotations

import copy
import json
import pickle

import httpx
import pytest
from memoram_api import models as api

from memoram_async import Secret
from memoram_async._secret import (
    REDACTED,
    Plaintext,
    RedactedBytes,
    RedactedStr,
    conceal,
    type_name,
)

SECRET = "mk-0123456789abcdef-not-for-logs"


def test_repr_is_redacted_and_everything_else_is_the_text() -> None:
    """repr hides the value; str(), f-strings, format, concatenation and encode give it back."""
    value = RedactedStr(SECRET)
    assert repr(value) == f"'{REDACTED}'"
    assert SECRET not in repr([value, {"k": value}, (value,)])
    assert value == SECRET
    for text in (str(value), f"{value}", f"{value}", "" + value, value + "", value[:]):
        assert text == SECRET
        assert type(text) is str  # a plain str: nothing downstream stays special
    assert f"{value:>5}" == SECRET
    assert value.encode() == SECRET.encode()
    assert hash(value) == hash(SECRET)


def test_json_and_httpx_send_the_text() -> None:
    """json.dumps and an httpx request's JSON body and headers carry the real value."""
    value = RedactedStr(SECRET)
    assert json.loads(json.dumps({"memoryKey": value})) == {"memoryKey": SECRET}
    request = httpx.Request(
        "POST",
        "http://127.0.0.1/x",
        json={"memoryKey": value},
        headers={"Authorization": RedactedStr("Bearer " + SECRET), "X-Key": value},
    )
    assert json.loads(request.content) == {"memoryKey": SECRET}
    assert request.headers["authorization"] == "Bearer " + SECRET
    assert request.headers["x-key"] == SECRET
    # httpx itself hides the Authorization header in the Headers repr.
    assert "Bearer" not in repr(request.headers)
    assert "'authorization': '[secure]'" in repr(request.headers)


def test_a_generated_model_built_from_it_hides_it_and_sends_it() -> None:
    """The attrs repr of a generated request model shows the redaction, to_dict the value."""
    body = api.CreateAccessRequest(memory_key=RedactedStr(SECRET), reason="r")
    assert SECRET not in repr(body)
    assert json.dumps(body.to_dict()) == json.dumps({"memoryKey": SECRET, "reason": "r"})


@pytest.mark.parametrize(
    "store",
    [
        lambda v: pickle.dumps(v),
        lambda v: pickle.dumps(v, protocol=0),
        copy.copy,
        copy.deepcopy,
    ],
    ids=["pickle", "pickle-0", "copy", "deepcopy"],
)
@pytest.mark.parametrize("make", [RedactedStr, Plaintext], ids=["RedactedStr", "Plaintext"])
def test_pickling_and_copying_are_refused(store: object, make: type) -> None:
    """A redacting value cannot be stored or copied by accident (nor is it ever made shorter)."""
    with pytest.raises(TypeError, match="not pickled"):
        store(make(SECRET))  # type: ignore[operator]


def test_reveal_redacted_is_cached_and_reveal_stays_plain() -> None:
    """reveal_redacted() returns one RedactedStr per Secret; reveal() is still a plain str."""
    secret = Secret(SECRET)
    first = secret.reveal_redacted()
    assert type(first) is RedactedStr
    assert first == SECRET
    assert secret.reveal_redacted() is first
    assert type(secret.reveal()) is str
    wrapped = Secret(RedactedStr(SECRET))
    assert type(wrapped.reveal()) is str
    assert wrapped.reveal() == SECRET
    assert wrapped == secret


def test_conceal_wraps_text_and_bytes_only() -> None:
    """conceal() makes a str or bytes redacting, once, and leaves other values as they are."""
    for given, kind in ((SECRET, RedactedStr), (SECRET.encode(), RedactedBytes)):
        concealed = conceal(given)
        assert type(concealed) is kind
        assert concealed == given
        assert SECRET not in repr(concealed)
        assert conceal(concealed) is concealed
        assert type_name(concealed) == type(given).__name__
    for other in (None, 3, Secret(SECRET), {"k": SECRET}):
        assert conceal(other) is other


def test_plaintext_holds_the_same_object() -> None:
    """Plaintext references the content (no copy) and hides it in its repr."""
    content = "q" * 100_000
    held = Plaintext(content)
    assert held.text is content
    assert "q" not in repr(held)
