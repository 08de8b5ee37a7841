"""A memory key over 256 characters over loopback, through both seams: refused before sending."""

from __future__ import annotations

import httpx
import pytest

from memoram_async import MemoramClient, ValidationError
from memoram_local import LocalServer
from tests.support.deadline import run_in_thread


@pytest.mark.parametrize("seam", ["own client", "http_client"])
def test_a_memory_key_over_256_characters_never_reaches_the_server(seam: str) -> None:
    """request_access with 257 (and 1 MiB of) characters raises ValidationError naming
    memory_key, not the key; 256 characters are sent; the server creates only that request."""
    long_key = "mk-" + "q" * 254  # 257 characters

    async def scenario() -> None:
        with LocalServer(auto_approve=True) as server:
            theirs = httpx.AsyncClient(trust_env=False) if seam == "http_client" else None
            async with MemoramClient(
                api_key=server.api_key, base_url=server.base_url, http_client=theirs
            ) as client:
                for key in (long_key, "mk-" + "q" * (1024 * 1024)):
                    with pytest.raises(ValidationError, match="memory_key is too long") as info:
                        await client.request_access(key, reason="bounded")
                    assert "qqqqqqqq" not in str(info.value)
                await client.request_access(long_key[:256], reason="bounded")
            if theirs is not None:
                await theirs.aclose()
            assert server.stats.access_requests_created == 1

    run_in_thread(scenario, 30.0)
