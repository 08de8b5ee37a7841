"""A body over the local server's limit, over loopback through both seams: RequestTooLargeError."""

from __future__ import annotations

import httpx
import pytest

from memoram_async import MemoramClient, RequestTooLargeError
from memoram_local import LocalServer
from tests.support.deadline import run_in_thread


@pytest.mark.parametrize("seam", ["own client", "http_client"])
def test_too_large_over_loopback_names_size_and_limit(seam: str) -> None:
    """Over loopback an oversized create gives RequestTooLargeError with both sizes; none stored."""
    content = "x" * (1024 * 1024 + 10)

    async def scenario() -> None:
        with LocalServer(auto_approve=True) as server:
            theirs = httpx.AsyncClient(trust_env=False) if seam == "http_client" else None
            async with MemoramClient(
                api_key=server.api_key,
                base_url=server.base_url,
                http_client=theirs,
                encryption=False,
            ) as client:
                request = await client.request_access("memory-key-big", reason="size")
                user = client.user(await client.get_credentials(request.id))
                with pytest.raises(RequestTooLargeError) as info:
                    await user.create_memory(content)
                assert [m async for m in user.list_memories()] == []
            if theirs is not None:
                await theirs.aclose()
        error = info.value
        assert error.limit_bytes == 1024 * 1024
        assert error.sent_bytes is not None
        assert error.sent_bytes > len(content)
        assert f"{error.sent_bytes} bytes" in str(error)
        assert "1048576 bytes" in str(error)
        assert not error.outcome_unknown

    run_in_thread(scenario, 30.0)
