"""One user's memories and tags, with their content encrypted and decrypted on this side."""

from __future__ import annotations

import asyncio
import os
from typing import Any, Final
from uuid import UUID

import httpx
from memoram_api import models as api
from memoram_api.api.memory_management import (
    create_memory,
    delete_memory,
    get_memory,
    list_memories,
    update_memory,
)
from memoram_api.api.memory_tag_management import get_tag, list_tags
from memoram_api.types import UNSET, Response

from ._constants import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from ._crypto import Keyring, is_envelope
from ._errors import DecryptionError, NotFoundError, ValidationError
from ._models import (
    Credentials,
    Memory,
    ReencryptionResult,
    Tag,
    blob_id,
    expect,
    list_of,
    memory_from_api,
    stored_content,
    tag_from_api,
)
from ._operations import (
    CREATE_MEMORY,
    DELETE_MEMORY,
    GET_MEMORY,
    GET_TAG,
    LIST_MEMORIES,
    LIST_TAGS,
    UPDATE_MEMORY,
)
from ._options import NOT_GIVEN, NotGiven, Options, updated_options
from ._pagination import MemoryIterator, Page
from ._session import Session
from ._validation import (
    check_content,
    check_id,
    check_optional_text,
    check_page_size,
    check_score,
    check_tags,
)

_REENCRYPT_CONCURRENCY: Final = 8


def _text_or_unset(value: str | None, name: str) -> Any:
    checked = check_optional_text(value, name)
    return UNSET if checked is None else checked


class UserMemories:
    """The memories and tags of one user, as ``client.user(credentials)`` returns them.

    Content is encrypted before it is sent and decrypted when it comes back, with the user's
    key from the credentials (unless the client was made with ``encryption=False``). It shares
    its client's connections, tokens and settings; :meth:`with_options` changes timeout or retries
    for some calls.
    """

    __slots__ = ("_credentials", "_encrypt", "_keyring", "_options", "_session", "_user_text")

    def __init__(
        self, session: Session, options: Options, credentials: Credentials, *, encrypt: bool
    ) -> None:
        self._session = session
        self._options = options
        self._credentials = credentials
        self._keyring: Keyring = credentials._keyring
        self._encrypt = encrypt
        self._user_text = str(credentials.user_id)

    def __repr__(self) -> str:
        version = self._keyring.current_version
        return f"UserMemories(user_id={self._user_text!r}, key_version={version})"

    @property
    def user_id(self) -> UUID:
        """The user's id."""
        return self._credentials.user_id

    @property
    def credentials(self) -> Credentials:
        """The credentials this object uses."""
        return self._credentials

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> UserMemories:
        """A copy with another timeout or retry count, sharing connections and tokens.

        Raises:
            ValidationError: A bad timeout or retry count.
        """
        options = updated_options(self._options, timeout, max_retries)
        return UserMemories(self._session, options, self._credentials, encrypt=self._encrypt)

    # -- memories ----------------------------------------------------------------------------

    async def create_memory(
        self,
        content: str,
        *,
        title: str | None = None,
        summary: str | None = None,
        tags: tuple[str, ...] | list[str] = (),
        importance: float | None = None,
        confidence: float | None = None,
        source: str | None = None,
    ) -> Memory:
        """Store a new memory; the content is encrypted first.

        The request carries an ``Idempotency-Key`` kept across its retries. Unless the client has
        ``idempotent_creates=True``, it is retried only when it provably did not reach the server.

        Args:
            content: The memory's text.
            title: A title (sent as is: the server can search it).
            summary: A summary (sent as is: the server can search it).
            tags: Tag names, created on the server if new; no commas.
            importance: Any finite number.
            confidence: A number from 0 to 1.
            source: Where the memory comes from, e.g. your app's name.

        Returns:
            The memory, holding the content given.

        Raises:
            ValidationError: Bad arguments (nothing was sent).
            APIStatusError: The server refused; ``outcome_unknown`` says whether it may still
                have stored the memory.
            APIConnectionError: No answer; see ``outcome_unknown``.
        """
        content = check_content(content)
        credentials = self._credentials
        user_id = credentials.user_id
        # The common call passes no optional field: skip their checks then (a hot path).
        body = api.CreateMemoryRequest(
            user_id=user_id,
            memory_key=credentials.memory_key.reveal(),
            # Encrypted once, before the retry loop: every attempt sends the same envelope.
            content=self._keyring.encrypt(content, self._user_text) if self._encrypt else content,
            title=UNSET if title is None else _text_or_unset(title, "title"),
            summary=UNSET if summary is None else _text_or_unset(summary, "summary"),
            tags=list(check_tags(tags)) if tags else UNSET,
            importance=UNSET if importance is None else _score_or_unset(importance, "importance"),
            confidence=UNSET
            if confidence is None
            else _score_or_unset(confidence, "confidence", unit=True),
            source=UNSET if source is None else _text_or_unset(source, "source"),
        )

        def parse(response: Response[Any]) -> Memory:
            blob = response.parsed
            if type(blob) is not api.MemoryBlobResponse:
                blob = expect(blob, api.MemoryBlobResponse, "a memory")
            return memory_from_api(blob, user_id=user_id, content=content)

        return await self._session.call(
            CREATE_MEMORY,
            create_memory.asyncio_detailed,
            {"body": body, "idempotency_key": idempotency_key()},
            parse,
            self._options,
        )

    async def get_memory(self, memory_id: str) -> Memory:
        """One memory, decrypted.

        Raises:
            ValidationError: ``memory_id`` is not a valid id.
            NotFoundError: No such memory for this user.
            DecryptionError: Its content cannot be decrypted with these credentials.
        """
        memory_id = check_id(memory_id, "memory_id")
        return await self._session.call(
            GET_MEMORY,
            get_memory.asyncio_detailed,
            {"blob_id": memory_id, "user_id": self._credentials.user_id},
            self._parse_blob,
            self._options,
            f"/memory-blobs/{memory_id}",
        )

    def list_memories(
        self,
        *,
        tags: tuple[str, ...] | list[str] | None = None,
        search: str | None = None,
        min_importance: float | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        strict: bool = True,
    ) -> MemoryIterator:
        """Every memory of the user (newest first), decrypted, fetched page by page.

        ``async for memory in user.list_memories(tags=["work"]): ...``. Arguments are checked
        now; requests start with the iteration.

        Args:
            tags: Only memories with these tags.
            search: Text to search for. The server cannot read encrypted content, so it searches
                titles and summaries only.
            min_importance: Only memories at least this important.
            page_size: Memories per request, 1 to 100.
            strict: Raise a DecryptionError at the end if some memories could not be decrypted
                (after yielding all the others). With False, read ``.failures`` instead.

        Returns:
            An async iterator of Memory, with ``failures`` and ``failed_ids``.

        Raises:
            ValidationError: Bad arguments.
        """
        query: dict[str, Any] = {
            "user_id": self._credentials.user_id,
            "limit": check_page_size(page_size),
        }
        if tags is not None:
            query["tags"] = ",".join(check_tags(tags))
        if search is not None:
            query["search_query"] = check_optional_text(search, "search")
        if min_importance is not None:
            query["importance"] = check_score(min_importance, "min_importance")
        if not isinstance(strict, bool):
            raise ValidationError("strict must be True or False")
        return MemoryIterator(lambda cursor: self._page(query, cursor), strict=strict)

    async def _page(self, query: dict[str, Any], cursor: str | None) -> Page:
        def parse(response: Response[Any]) -> Page:
            page = expect(response.parsed, api.MemoryBlobList, "a page of memories")
            items: list[Memory | DecryptionError] = []
            for blob in list_of(page.memory_blobs, "memoryBlobs"):
                try:
                    items.append(self._memory(expect(blob, api.MemoryBlob, "a memory")))
                except DecryptionError as exc:
                    items.append(exc)
            next_cursor = page.next_cursor
            if next_cursor is not None and (not isinstance(next_cursor, str) or not next_cursor):
                raise ValueError("next_cursor is not a non-empty string or null")
            return items, next_cursor

        kwargs = query if cursor is None else {**query, "cursor": cursor}
        return await self._session.call(
            LIST_MEMORIES, list_memories.asyncio_detailed, kwargs, parse, self._options
        )

    async def update_memory(
        self,
        memory_id: str,
        *,
        content: str | NotGiven = NOT_GIVEN,
        title: str | NotGiven = NOT_GIVEN,
        summary: str | NotGiven = NOT_GIVEN,
        tags: tuple[str, ...] | list[str] | NotGiven = NOT_GIVEN,
        importance: float | NotGiven = NOT_GIVEN,
        confidence: float | NotGiven = NOT_GIVEN,
        source: str | NotGiven = NOT_GIVEN,
    ) -> Memory:
        """Change some fields of a memory; only the fields given are sent.

        Args:
            memory_id: The memory's id.
            content: New content (encrypted before sending).
            title: New title.
            summary: New summary.
            tags: New tag names, replacing all of the memory's tags (``[]`` removes them all).
            importance: New importance.
            confidence: New confidence, 0 to 1.
            source: New source.

        Returns:
            The updated memory; its ``content`` is the new content, or None when not changed
            (the API does not send content back: use get_memory to read it).

        Raises:
            ValidationError: Bad arguments, or nothing to change.
            NotFoundError: No such memory for this user.
        """
        memory_id = check_id(memory_id, "memory_id")
        fields: dict[str, Any] = {}
        if content is not NOT_GIVEN:
            plain = check_content(content)
            fields["content"] = (
                self._keyring.encrypt(plain, self._user_text) if self._encrypt else plain
            )
        for name, value in (("title", title), ("summary", summary), ("source", source)):
            if value is not NOT_GIVEN:
                if not isinstance(value, str):
                    raise ValidationError(f"{name} must be a str (use '' to clear it)")
                fields[name] = value
        if tags is not NOT_GIVEN:
            fields["tags"] = list(check_tags(tags))
        if importance is not NOT_GIVEN:
            fields["importance"] = _required_score(importance, "importance")
        if confidence is not NOT_GIVEN:
            fields["confidence"] = _required_score(confidence, "confidence", unit=True)
        if not fields:
            raise ValidationError("update_memory() needs at least one field to change")
        return await self._update(memory_id, fields, None if content is NOT_GIVEN else content)

    async def _update(self, memory_id: str, fields: dict[str, Any], content: str | None) -> Memory:
        body = api.UpdateMemoryRequest(
            user_id=self._credentials.user_id,
            memory_key=self._credentials.memory_key.reveal(),
            **fields,
        )
        user_id = self._credentials.user_id

        def parse(response: Response[Any]) -> Memory:
            blob = expect(response.parsed, api.MemoryBlobResponse, "a memory")
            return memory_from_api(blob, user_id=user_id, content=content)

        return await self._session.call(
            UPDATE_MEMORY,
            update_memory.asyncio_detailed,
            {"blob_id": memory_id, "body": body},
            parse,
            self._options,
            f"/memory-blobs/{memory_id}",
        )

    async def delete_memory(self, memory_id: str) -> None:
        """Delete a memory.

        Raises:
            ValidationError: ``memory_id`` is not a valid id.
            NotFoundError: No such memory for this user (for example, already deleted).
        """
        memory_id = check_id(memory_id, "memory_id")

        def parse(response: Response[Any]) -> None:
            expect(response.parsed, api.DeleteMemoryResponse, "a deletion result")

        await self._session.call(
            DELETE_MEMORY,
            delete_memory.asyncio_detailed,
            {"blob_id": memory_id, "user_id": self._credentials.user_id},
            parse,
            self._options,
            f"/memory-blobs/{memory_id}",
        )

    # -- tags --------------------------------------------------------------------------------

    async def list_tags(self) -> list[Tag]:
        """All tags of the user."""

        def parse(response: Response[Any]) -> list[Tag]:
            tag_list = expect(response.parsed, api.TagList, "a list of tags")
            return [
                tag_from_api(expect(t, api.Tag, "a tag")) for t in list_of(tag_list.items, "items")
            ]

        return await self._session.call(
            LIST_TAGS,
            list_tags.asyncio_detailed,
            {"user_id": self._credentials.user_id},
            parse,
            self._options,
        )

    async def get_tag(self, tag_id: str) -> Tag:
        """One tag of the user.

        Raises:
            ValidationError: ``tag_id`` is not a valid id.
            NotFoundError: No such tag for this user.
        """
        tag_id = check_id(tag_id, "tag_id")

        def parse(response: Response[Any]) -> Tag:
            return tag_from_api(expect(response.parsed, api.Tag, "a tag"))

        return await self._session.call(
            GET_TAG,
            get_tag.asyncio_detailed,
            {"tag_id": tag_id, "user_id": self._credentials.user_id},
            parse,
            self._options,
            f"/tags/{tag_id}",
        )

    # -- key rotation ------------------------------------------------------------------------

    async def reencrypt_memories(
        self, *, concurrency: int = _REENCRYPT_CONCURRENCY
    ) -> ReencryptionResult:
        """Rewrite every memory whose content uses an older key version under the current one.

        Run it after a key rotation with ``client.user(old_credentials.rotated_to(new))``, so that
        the old keys can still read what they wrote. Memories already under the current key are
        left alone, so running it again is cheap and safe.

        Args:
            concurrency: Updates in flight at once (1 to 32).

        Returns:
            How many memories were scanned and re-encrypted, and the ids that could not be
            decrypted (left unchanged).

        Raises:
            ValidationError: Encryption is off for this client, or a bad concurrency.
        """
        if not self._encrypt:
            raise ValidationError("reencrypt_memories() needs a client with encryption on")
        if isinstance(concurrency, bool) or not isinstance(concurrency, int):
            raise ValidationError("concurrency must be an int")
        if not 1 <= concurrency <= 32:
            raise ValidationError("concurrency must be between 1 and 32")
        query: dict[str, Any] = {
            "user_id": self._credentials.user_id,
            "limit": MAX_PAGE_SIZE,
        }
        limit = asyncio.Semaphore(concurrency)
        scanned = rewritten = 0
        failed: list[str] = []
        skipped: list[str] = []

        async def rewrite(memory_id: str, listed: str, envelope: str) -> None:
            # The API has no conditional update: read the memory again just before writing, so
            # content someone changed since the listing is not overwritten with the old text
            # (this narrows the race to the time between the two requests).
            async with limit:
                try:
                    if await self._stored(memory_id) != listed:
                        skipped.append(memory_id)
                        return
                    await self._update(memory_id, {"content": envelope}, None)
                except NotFoundError:  # deleted meanwhile: nothing left to rewrite
                    skipped.append(memory_id)
                    return
            nonlocal rewritten
            rewritten += 1

        cursor: str | None = None
        seen: set[str] = set()
        while True:
            raw, cursor = await self._raw_page(query, cursor)
            jobs = []
            for memory_id, stored in raw:
                scanned += 1
                try:
                    if not is_envelope(stored):
                        raise DecryptionError("not an envelope", memory_id=memory_id)
                    if not self._keyring.needs_reencryption(stored):
                        continue
                    fresh = self._keyring.reencrypt(stored, self._user_text, memory_id=memory_id)
                except DecryptionError:
                    failed.append(memory_id)
                    continue
                jobs.append(rewrite(memory_id, stored, fresh))
            # Every update is awaited before any error is raised: none is left running.
            outcomes = await asyncio.gather(*jobs, return_exceptions=True)
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    raise outcome
            if cursor is None or cursor in seen:
                break
            seen.add(cursor)
        return ReencryptionResult(
            scanned=scanned,
            reencrypted=rewritten,
            failed_ids=tuple(failed),
            skipped_ids=tuple(skipped),
        )

    async def _stored(self, memory_id: str) -> str:
        """A memory's content as stored (an envelope), without decrypting it."""
        return await self._session.call(
            GET_MEMORY,
            get_memory.asyncio_detailed,
            {"blob_id": memory_id, "user_id": self._credentials.user_id},
            lambda response: stored_content(expect(response.parsed, api.MemoryBlob, "a memory")),
            self._options,
            f"/memory-blobs/{memory_id}",
        )

    async def _raw_page(
        self, query: dict[str, Any], cursor: str | None
    ) -> tuple[list[tuple[str, str]], str | None]:
        def parse(response: Response[Any]) -> tuple[list[tuple[str, str]], str | None]:
            page = expect(response.parsed, api.MemoryBlobList, "a page of memories")
            raw = []
            for item in list_of(page.memory_blobs, "memoryBlobs"):
                blob = expect(item, api.MemoryBlob, "a memory")
                raw.append((blob_id(blob), stored_content(blob)))
            next_cursor = page.next_cursor
            if next_cursor is not None and (not isinstance(next_cursor, str) or not next_cursor):
                raise ValueError("next_cursor is not a non-empty string or null")
            return raw, next_cursor

        kwargs = query if cursor is None else {**query, "cursor": cursor}
        return await self._session.call(
            LIST_MEMORIES, list_memories.asyncio_detailed, kwargs, parse, self._options
        )

    # -- conversion --------------------------------------------------------------------------

    def _parse_blob(self, response: Response[Any]) -> Memory:
        return self._memory(expect(response.parsed, api.MemoryBlob, "a memory"))

    def _memory(self, blob: api.MemoryBlob) -> Memory:
        memory_id = blob_id(blob)
        stored = stored_content(blob)
        content = (
            self._keyring.decrypt(stored, self._user_text, memory_id=memory_id)
            if self._encrypt
            else stored
        )
        return memory_from_api(blob, user_id=self._credentials.user_id, content=content)


def idempotency_key() -> str:
    """A random (version 4) UUID as text, about twice as fast as ``str(uuid.uuid4())``."""
    bits = int.from_bytes(os.urandom(16)) & _UUID4_MASK | _UUID4_MARK
    h = bits.to_bytes(16).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_UUID4_MASK: Final = 0xFFFFFFFF_FFFF_0FFF_3FFF_FFFFFFFFFFFF
_UUID4_MARK: Final = 0x00000000_0000_4000_8000_000000000000


def _score_or_unset(value: object, name: str, *, unit: bool = False) -> Any:
    checked = check_score(value, name, unit=unit)
    return UNSET if checked is None else checked


def _required_score(value: object, name: str, *, unit: bool = False) -> float:
    checked = check_score(value, name, unit=unit)
    if checked is None:
        raise ValidationError(f"{name} must be a number")
    return checked
