"""Quickstart: from an API key to a user's decrypted memories.

Run it against the real API or the local server; it reads only environment variables:

    MEMORAM_API_KEY      your developer API key (mem_...)
    MEMORAM_BASE_URL     optional; the API's URL (the production API when unset)
    MEMORAM_MEMORY_KEY   the Memory Key a user gave your app

`memoram-local` prints an `export` line that sets all three for the local server.

It asks the user for access, waits while they approve it in the Memoram dashboard, then writes
three memories, lists them by tag, reads one back, updates one and deletes one. It prints what
happens, but never the API key, the token, the memory key or the encryption key.

`make demo` runs it against the local server, whose dashboard approves the request.
"""

from __future__ import annotations

import asyncio
import os
import sys
from urllib.parse import urlsplit

from memoram_async import AccessDeniedError, ApprovalTimeoutError, MemoramClient, MemoramError

REASON = "Remember your travel and food preferences between chats"
# Only set by `make demo`: where the local server's dashboard is, to say so in the prompt.
LOCAL_DASHBOARD_ENV = "MEMORAM_LOCAL_DASHBOARD"


def dashboard_of(base_url: str) -> str:
    """Where the user approves: the local server's dashboard, or Memoram's."""
    host = urlsplit(base_url).hostname or ""
    if host in {"localhost", "::1"} or host.startswith("127."):
        return "the Dashboard: URL that memoram-local printed"
    return "https://memoram.app"


async def main() -> int:
    """Run the whole flow once; returns the exit status."""
    memory_key = os.environ.get("MEMORAM_MEMORY_KEY")
    if not memory_key:
        print("Set MEMORAM_MEMORY_KEY to the Memory Key a user gave your app.", file=sys.stderr)
        return 2

    async with MemoramClient() as client:  # MEMORAM_API_KEY and MEMORAM_BASE_URL
        print(f"Memoram API: {client.base_url}")

        request = await client.request_access(memory_key, reason=REASON)
        print(f"Asked the user for access: request {request.id} is {request.status}.")
        where = os.environ.get(LOCAL_DASHBOARD_ENV) or dashboard_of(str(client.base_url))
        print(f"Approve it in the Memoram dashboard ({where}). Waiting for the user...")
        approved = await client.wait_for_approval(request.id, timeout=300)
        print(f"The user approved request {approved.id}.")

        credentials = await client.get_credentials(request.id)
        user = client.user(credentials)
        version = credentials.key_version
        print(f"Credentials received for user {user.user_id} (key version {version}).")

        created = [
            await user.create_memory(
                "Prefers a window seat on long flights",
                title="Seat preference",
                tags=["travel", "preferences"],
                importance=0.8,
                source="quickstart",
            ),
            await user.create_memory(
                "Vegetarian; loves Sichuan food",
                title="Diet",
                tags=["food", "preferences"],
                importance=0.9,
                source="quickstart",
            ),
            await user.create_memory(
                "Visiting Lisbon in March",
                title="Next trip",
                tags=["travel"],
                importance=0.5,
                source="quickstart",
            ),
        ]
        for memory in created:
            print(f"Created memory {memory.id} tagged {', '.join(memory.tags)}.")

        print('Memories tagged "travel":')
        async for memory in user.list_memories(tags=["travel"]):
            print(f"  {memory.id}  {memory.title}: {memory.content}")

        first = await user.get_memory(created[0].id)
        print(f"Read back {first.id}, decrypted on this machine: {first.content!r}")

        updated = await user.update_memory(
            created[2].id, content="Visiting Lisbon and Porto in March", tags=["travel", "trips"]
        )
        print(f"Updated {updated.id}: new content, tags now {', '.join(updated.tags)}.")

        await user.delete_memory(created[1].id)
        print(f"Deleted {created[1].id}.")

        remaining = [memory async for memory in user.list_memories()]
        print(f"The user now has {len(remaining)} memories. Done.")
    return 0


def run() -> int:
    """The script's entry point: errors become one readable line and exit status 1."""
    try:
        return asyncio.run(main())
    except (AccessDeniedError, ApprovalTimeoutError) as exc:
        print(f"No access: {exc}", file=sys.stderr)
    except MemoramError as exc:
        # The SDK's messages say what to do next and never contain a secret.
        print(f"Memoram error: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(run())
