"""Text arguments that cannot be encoded (a lone surrogate) are refused before any I/O."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from memoram_async import MemoramClient, ValidationError
from tests.support.fake_api import API_KEY, BASE_URL, credentials
from tests.support.surrogates import SURROGATE_CALLS, Call, check_surrogate_error

UNTOUCHED = httpx.MockTransport(lambda request: pytest.fail(f"unexpected I/O: {request.url}"))


def client(**kwargs: Any) -> MemoramClient:
    """A client whose transport fails the test if it is ever used."""
    return MemoramClient(api_key=API_KEY, base_url=BASE_URL, transport=UNTOUCHED, **kwargs)


@pytest.mark.parametrize("case", SURROGATE_CALLS.values(), ids=SURROGATE_CALLS.keys())
async def test_a_lone_surrogate_in_any_text_argument_is_refused_before_io(
    case: tuple[str, Call],
) -> None:
    """A lone surrogate is a ValidationError naming the argument; nothing is sent."""
    name, call = case
    async with client() as c:
        with pytest.raises(ValidationError) as info:
            await call(c, c.user(credentials()))
    check_surrogate_error(info.value, name)
