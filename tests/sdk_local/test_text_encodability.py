"""Text arguments with a lone surrogate never reach the local server, through either seam."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from memoram_async import MemoramClient, ValidationError
from tests.support.surrogates import SURROGATE_CALLS, check_surrogate_error


@pytest.mark.parametrize("own_http_client", [False, True], ids=["sdk_pool", "user_http_client"])
async def test_a_lone_surrogate_reaches_no_local_server(own_http_client: bool) -> None:
    """Against the local server over loopback, no text argument with a surrogate is sent."""
    from memoram_local import LocalServer

    async with (
        LocalServer() as server,
        httpx.AsyncClient(trust_env=False, timeout=10.0) as http,
    ):
        options: dict[str, Any] = {"http_client": http} if own_http_client else {}
        async with MemoramClient(api_key=server.api_key, base_url=server.base_url, **options) as c:
            request = await c.request_access("memory-key-surrogate", reason="tests")
            await server.aapprove(request.id)
            user = c.user(await c.get_credentials(request.id))
            memory = await user.create_memory("kept")
            sent = server.stats.requests
            for name, call in SURROGATE_CALLS.values():
                with pytest.raises(ValidationError) as info:
                    await call(c, user)
                check_surrogate_error(info.value, name)
            assert server.stats.requests == sent
            assert [m.id async for m in user.list_memories()] == [memory.id]
