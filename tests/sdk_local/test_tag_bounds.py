"""Tag bounds over loopback: what the SDK lets through the local server stores; more is refused
before anything is sent, naming ``tags``."""

from __future__ import annotations

import httpx
import pytest

from memoram_async import MemoramClient, ValidationError
from memoram_async._constants import MAX_TAG_LENGTH, MAX_TAGS
from memoram_local import LocalServer
from tests.support.deadline import run_in_thread


@pytest.mark.parametrize("seam", ["own client", "http_client"])
def test_the_most_tags_the_sdk_allows_are_stored_and_one_more_is_refused(seam: str) -> None:
    """100 tags of 100 characters are stored; 101 tags, or one of 101 characters, never leave."""
    fullest = [f"{i:03d}".ljust(MAX_TAG_LENGTH, "t") for i in range(MAX_TAGS)]

    async def scenario() -> None:
        sent: list[str] = []

        async def note(request: httpx.Request) -> None:
            sent.append(f"{request.method} {request.url.path}")

        with LocalServer(auto_approve=True) as server:
            theirs = (
                httpx.AsyncClient(trust_env=False, event_hooks={"request": [note]})
                if seam == "http_client"
                else None
            )
            async with MemoramClient(
                api_key=server.api_key, base_url=server.base_url, http_client=theirs
            ) as client:
                request = await client.request_access("memory-key-tags", reason="tags")
                user = client.user(await client.get_credentials(request.id))
                memory = await user.create_memory("many tags", tags=fullest)
                assert sorted((await user.get_memory(memory.id)).tags) == fullest
                before = len(sent)
                for tags in ([*fullest, "one more"], ["ok", "t" * (MAX_TAG_LENGTH + 1)]):
                    with pytest.raises(ValidationError, match="tags"):
                        await user.create_memory("refused", tags=tags)
                    with pytest.raises(ValidationError, match="tags"):
                        await user.update_memory(memory.id, tags=tags)
                assert len(sent) == before  # nothing was sent for the refused calls
                assert len([m async for m in user.list_memories()]) == 1
            if theirs is not None:
                await theirs.aclose()

    run_in_thread(scenario, 60.0)
