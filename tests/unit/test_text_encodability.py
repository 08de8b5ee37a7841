"""Text arguments that cannot be encoded (a lone surrogate) are refused before any I/O."""

from __future__ import annotations

import pytest

from memoram_async import ValidationError
from tests.support.fake_api import credentials, untouched_client
from tests.support.surrogates import SURROGATE_CALLS, Call, check_surrogate_error


@pytest.mark.parametrize("case", SURROGATE_CALLS.values(), ids=SURROGATE_CALLS.keys())
async def test_a_lone_surrogate_in_any_text_argument_is_refused_before_io(
    case: tuple[str, Call],
) -> None:
    """A lone surrogate is a ValidationError naming the argument; nothing is sent."""
    name, call = case
    async with untouched_client() as c:
        with pytest.raises(ValidationError) as info:
            await call(c, c.user(credentials()))
    check_surrogate_error(info.value, name)
