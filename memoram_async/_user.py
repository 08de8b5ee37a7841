"""One user's memories and tags, with their content encrypted and decrypted on this side."""

from __future__ import annotations

from typing import Any
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
from memoram_api.types import UNSET

from ._constants import DEFAULT_PAGE_SIZE, REENCRYPT_CONCURRENCY
from ._convert import memory_from_api
from ._crypto import Keyring
from ._errors import ValidationError
from ._memory_wire import (
    ListQuery,
    create_fields,
    list_query,
    parse_deleted,
    parse_tag,
    parse_tags,
    read_memory,
    read_page_answer,
    update_fields,
    updated_memory,
)
from ._models import Credentials, Memory, ReencryptionResult, Tag
from ._operations import (
    CREATE_MEMORY,
    DELETE_MEMORY,
    GET_MEMORY,
    GET_TAG,
    LIST_MEMORIES,
    LIST_TAGS,
    UPDATE_MEMORY,
)
from ._options import NOT_GIVEN, NotGiven, Options, idempotency_key, updated_options
from ._pagination import MemoryIterator, Page
from ._rotation import StoredReader, reencrypt_all
from ._secret import Plaintext
from ._session import Session
from ._validation import check_content, check_id


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
        total_timeout: float | NotGiven = NOT_GIVEN,
        max_response_bytes: int | NotGiven = NOT_GIVEN,
    ) -> UserMemories:
        """A copy with another timeout, total timeout, retry count or ``max_response_bytes``,
        sharing connections and tokens: ``user.with_options(max_response_bytes=512 * 2**20)``
        for a listing of very large memories.

        Raises:
            ValidationError: A bad timeout, retry count or ``max_response_bytes``.
        """
        options = updated_options(
            self._options, timeout, max_retries, total_timeout, max_response_bytes
        )
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
        try:
            plain = Plaintext(check_content(content))
        except ValidationError:
            del content  # a reporter records this frame's locals: not the content refused
            raise
        del content  # from here on only `plain` (its repr is redacted) holds the plaintext
        credentials = self._credentials
        user_id = credentials.user_id
        optional = create_fields(
            title=title,
            summary=summary,
            tags=tags,
            importance=importance,
            confidence=confidence,
            source=source,
        )
        body = api.CreateMemoryRequest(
            user_id=user_id,
            memory_key=credentials.memory_key.reveal_redacted(),
            # Encrypted once, before the retry loop: every attempt sends the same envelope.
            # Without encryption the plaintext itself is sent (and shows in this model's repr:
            # wrapping it in a redacting str would copy every content).
            content=(
                self._keyring.encrypt(plain.text, self._user_text) if self._encrypt else plain.text
            ),
            **optional,
        )
        return await self._session.call(
            CREATE_MEMORY,
            create_memory._get_kwargs(body=body, idempotency_key=idempotency_key()),
            lambda blob: memory_from_api(blob, user_id=user_id, content=plain.text),
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
            get_memory._get_kwargs(memory_id, user_id=self._credentials.user_id),
            lambda blob: self._memory(blob, memory_id),
            self._options,
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
        query = list_query(
            self._credentials.user_id,
            tags=tags,
            search=search,
            min_importance=min_importance,
            page_size=page_size,
        )
        if not isinstance(strict, bool):
            raise ValidationError("strict must be True or False")
        return MemoryIterator(lambda cursor: self._page(query, cursor), strict=strict)

    async def _page(self, query: ListQuery, cursor: str | None) -> Page:
        return await self._session.call_reading(
            LIST_MEMORIES,
            list_memories._get_kwargs(
                user_id=query.user_id,
                limit=query.limit,
                cursor=UNSET if cursor is None else cursor,
                tags=query.tags,
                search_query=query.search_query,
                importance=query.importance,
            ),
            lambda answer: read_page_answer(answer, self._memory),
            self._options,
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
        sent: str | NotGiven = NOT_GIVEN
        plain: Plaintext | None = None
        if content is not NOT_GIVEN:
            try:
                plain = Plaintext(check_content(content))
            except ValidationError:
                del content  # a reporter records this frame's locals: not the content refused
                raise
            sent = (
                self._keyring.encrypt(plain.text, self._user_text) if self._encrypt else plain.text
            )
        del content  # from here on only `plain` (its repr is redacted) holds the plaintext
        fields = update_fields(
            content=sent,
            title=title,
            summary=summary,
            tags=tags,
            importance=importance,
            confidence=confidence,
            source=source,
        )
        return await self._update(memory_id, fields, plain)

    async def _update(
        self, memory_id: str, fields: dict[str, Any], plain: Plaintext | None
    ) -> Memory:
        body = api.UpdateMemoryRequest(
            user_id=self._credentials.user_id,
            memory_key=self._credentials.memory_key.reveal_redacted(),
            **fields,
        )
        user_id = self._credentials.user_id
        return await self._session.call(
            UPDATE_MEMORY,
            update_memory._get_kwargs(memory_id, body=body),
            lambda blob: updated_memory(
                blob, user_id, None if plain is None else plain.text, memory_id
            ),
            self._options,
        )

    async def delete_memory(self, memory_id: str) -> None:
        """Delete a memory.

        Raises:
            ValidationError: ``memory_id`` is not a valid id.
            NotFoundError: No such memory for this user (for example, already deleted).
        """
        memory_id = check_id(memory_id, "memory_id")
        await self._session.call(
            DELETE_MEMORY,
            delete_memory._get_kwargs(memory_id, user_id=self._credentials.user_id),
            parse_deleted,
            self._options,
        )

    async def list_tags(self) -> list[Tag]:
        """All tags of the user.

        Raises:
            PermissionDeniedError: No approved access to this user (403).
        """
        return await self._session.call(
            LIST_TAGS,
            list_tags._get_kwargs(user_id=self._credentials.user_id),
            parse_tags,
            self._options,
        )

    async def get_tag(self, tag_id: str) -> Tag:
        """One tag of the user.

        Raises:
            ValidationError: ``tag_id`` is not a valid id.
            NotFoundError: No such tag for this user.
        """
        tag_id = check_id(tag_id, "tag_id")
        return await self._session.call(
            GET_TAG,
            get_tag._get_kwargs(tag_id, user_id=self._credentials.user_id),
            lambda tag: parse_tag(tag, tag_id),
            self._options,
        )

    async def reencrypt_memories(
        self, *, concurrency: int = REENCRYPT_CONCURRENCY
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
        reader = StoredReader(self._session, self._options, self._credentials.user_id)

        async def rewrite(memory_id: str, envelope: str) -> None:
            await self._update(memory_id, {"content": envelope}, None)

        return await reencrypt_all(self._keyring, self._user_text, reader, rewrite, concurrency)

    # -- conversion --------------------------------------------------------------------------

    def _memory(self, blob: api.MemoryBlob, asked: str | None = None) -> Memory:
        keyring = self._keyring if self._encrypt else None
        return read_memory(blob, keyring, self._user_text, self._credentials.user_id, asked)
