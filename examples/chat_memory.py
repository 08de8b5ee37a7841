"""A chat app that remembers facts about each of its users, and recalls them in later turns.

`ChatMemory` is the part you would keep: it connects users (access request, approval,
credentials), remembers facts with tags, and recalls them by tag or by words. Content is
encrypted on this side, so the server cannot search it: a tag narrows the listing on the server,
and words are matched here, on the decrypted text.

`main()` plays a short scripted conversation. Environment: MEMORAM_API_KEY, MEMORAM_BASE_URL
(optional) and MEMORAM_MEMORY_KEY (the Memory Key the user gave the app).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from memoram_async import MemoramClient, MemoramError, Memory, UserMemories

SOURCE = "chat_memory example"


class ChatMemory:
    """Long-term memory for a chat app: one Memoram user per chat user."""

    def __init__(self, client: MemoramClient, *, reason: str = "Remember what you tell the chat"):
        self._client = client
        self._reason = reason
        self._users: dict[str, UserMemories] = {}

    async def connect(self, user: str, memory_key: str, *, timeout: float = 300.0) -> None:  # noqa: ASYNC109
        """Ask the user for access and wait until they approve it in Memoram.

        A real app stores the credentials (``Credentials.to_dict()``, encrypted at rest) and
        connects each user once; this one keeps them in memory.
        """
        request = await self._client.request_access(memory_key, reason=self._reason)
        await self._client.wait_for_approval(request.id, timeout=timeout)
        credentials = await self._client.get_credentials(request.id)
        self._users[user] = self._client.user(credentials)

    def _memories(self, user: str) -> UserMemories:
        try:
            return self._users[user]
        except KeyError:
            raise LookupError(f"{user} is not connected: call connect() first") from None

    async def remember(
        self, user: str, fact: str, tags: Sequence[str] = (), *, importance: float = 0.5
    ) -> Memory:
        """Store one fact about the user."""
        return await self._memories(user).create_memory(
            fact, tags=list(tags), importance=importance, source=SOURCE
        )

    async def recall(
        self, user: str, *, tag: str | None = None, words: str | None = None, limit: int = 5
    ) -> list[str]:
        """The user's facts with this tag and/or all these words, most important first."""
        wanted = [word.casefold() for word in (words or "").split()]
        found: list[Memory] = []
        tags = [tag] if tag else None
        async for memory in self._memories(user).list_memories(tags=tags):
            text = (memory.content or "").casefold()
            if all(word in text for word in wanted):
                found.append(memory)
        found.sort(key=lambda memory: memory.importance or 0.0, reverse=True)
        return [memory.content or "" for memory in found[:limit]]


@dataclass
class Turn:
    """One line the user types: facts to remember, or a question to answer from memory."""

    says: str
    remember: list[tuple[str, list[str]]] = field(default_factory=list)
    recall_tag: str | None = None
    recall_words: str | None = None


SCRIPT = [
    Turn(
        "I'm vegetarian, and I'm allergic to peanuts.",
        remember=[("Is vegetarian", ["food"]), ("Allergic to peanuts", ["food", "health"])],
    ),
    Turn("I moved to Lisbon last spring.", remember=[("Lives in Lisbon", ["places"])]),
    Turn("I run every morning before work.", remember=[("Runs every morning", ["habits"])]),
    Turn("What should I cook tonight?", recall_tag="food"),
    Turn("Anything I should watch out for at a Thai place?", recall_words="allergic"),
    Turn("Where do I live again?", recall_tag="places"),
]


async def converse(memory: ChatMemory, user: str, script: Sequence[Turn] = SCRIPT) -> None:
    """Play the script for one connected user, printing both sides."""
    for turn in script:
        print(f"{user}: {turn.says}")
        for fact, tags in turn.remember:
            await memory.remember(user, fact, tags)
        if turn.remember:
            print(f"  bot: Noted ({len(turn.remember)} fact(s) remembered).")
        if turn.recall_tag or turn.recall_words:
            facts = await memory.recall(user, tag=turn.recall_tag, words=turn.recall_words)
            print(f"  bot: From what you told me: {'; '.join(facts) or 'nothing yet'}.")


async def main() -> int:
    """Connect one user and play the conversation."""
    memory_key = os.environ.get("MEMORAM_MEMORY_KEY")
    if not memory_key:
        print("Set MEMORAM_MEMORY_KEY to the Memory Key a user gave your app.", file=sys.stderr)
        return 2
    async with MemoramClient() as client:
        memory = ChatMemory(client)
        print("Connecting: approve the request in the Memoram dashboard...")
        await memory.connect("you", memory_key)
        await converse(memory, "you")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except MemoramError as exc:
        print(f"Memoram error: {exc}", file=sys.stderr)
        sys.exit(1)
