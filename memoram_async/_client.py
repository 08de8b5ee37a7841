"""MemoramClient: configuration, the access-request flow, and the door to a user's memories."""

from __future__ import annotations

from collections.abc import Awaitable
from types import TracebackType
from typing import TYPE_CHECKING, Self

import httpx
from memoram_api import models as api
from memoram_api.api.access_management import (
    create_access_request,
    get_access_credentials,
    get_access_request,
    list_access_requests,
)

from ._approval import DENIED, AccessDeniedError, wait_for_decision
from ._config import check_flags, resolve_settings
from ._constants import (
    APPROVAL_WAIT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TOTAL_TIMEOUT,
    MAX_APPROVAL_WAIT,
    MAX_POLL_ATTEMPT,
    MIN_POLL_ATTEMPT,
)
from ._convert import access_request_from_api, credentials_from_api, expect, list_of, same_id
from ._deprecation import warn_deprecated
from ._errors import (
    ApprovalPendingError,
    ClientClosedError,
    MemoramError,
    PermissionDeniedError,
    ValidationError,
)
from ._hints import missing_attribute, sync_with
from ._models import AccessRequest, AccessRequestStatus, Credentials
from ._operations import (
    CREATE_ACCESS_REQUEST,
    GET_ACCESS_CREDENTIALS,
    GET_ACCESS_REQUEST,
    LIST_ACCESS_REQUESTS,
)
from ._options import NOT_GIVEN, NotGiven, Options, idempotency_key, updated_options
from ._secret import Secret, conceal
from ._session import Session
from ._user import UserMemories
from ._validation import (
    check_id,
    check_max_response_bytes,
    check_memory_key,
    check_reason,
    check_seconds,
)


class MemoramClient:
    """The async client of the Memoram API.

    Constructing it sends nothing; the developer token is fetched at the first call, refreshed
    before it expires, and shared by every concurrent call. Use it as an async context manager,
    or call :meth:`aclose` when done. It belongs to the event loop it first runs on: use from
    another loop raises :class:`EventLoopError` (one client per loop, or ``async with`` in each
    ``asyncio.run()``).

    ```python
    async with MemoramClient() as client:  # MEMORAM_API_KEY from the environment
        request = await client.request_access(memory_key, reason="Remember your preferences")
        await client.wait_for_approval(request.id)
        user = client.user(await client.get_credentials(request.id))
        memory = await user.create_memory("Prefers window seats", tags=["travel"])
    ```

    Args:
        api_key: The developer API key; defaults to the ``MEMORAM_API_KEY`` environment variable.
        base_url: The API's URL; defaults to ``MEMORAM_BASE_URL``, then production.
        token: A developer JWT to use as is (never refreshed) instead of an API key.
        timeout: Seconds, or an ``httpx.Timeout``, for each attempt as a whole (a body that
            trickles in counts; its longest phase bounds the attempt). Defaults to 30 s (5 s to
            connect), or to ``http_client``'s timeout when one is given.
        total_timeout: Seconds for each call as a whole: the token fetch, every attempt, the
            bodies, and the waits between attempts (backoff, ``Retry-After``). Default 60 s. A
            ``Retry-After`` longer than what is left raises the error at once.
        max_retries: Retries after a transient failure (0 to 20).
        max_response_bytes: The largest answer body read, in bytes after decompression
            (default 128 MiB: a page of the largest memories fits). A larger success body is
            refused with ``ResponseTooLargeError`` before it is read whole (a declared
            ``Content-Length`` at once, else as soon as the count passes it); error bodies are
            only read up to 64 KiB.
        http_client: Your own ``httpx.AsyncClient`` to send through. Each request is built with
            its ``build_request`` and sent once with its ``send``: its event hooks run (a hook
            raising ``httpx.HTTPStatusError`` still gives the typed error, retries and the 401
            refresh), its pool, limits, proxies, TLS, HTTP/2, transport and timeout are used, and
            its default headers, params and cookies are sent (the SDK's ``Authorization``,
            ``Content-Type`` and ``Idempotency-Key`` win on conflict). Its ``auth=`` and
            ``base_url`` are not used for Memoram requests. It is not changed and not closed by
            this client; a closed one is an ``APIConnectionError`` before anything is sent.
        transport: An ``httpx`` async transport, e.g. ``httpx.MockTransport`` in tests.
        encryption: Encrypt content on this side (default). Turn it off only for a server that
            encrypts itself: content then travels and is stored as given.
        idempotent_creates: Retry creates like reads, for servers that honour the
            ``Idempotency-Key`` header sent with every create (the local server does).
        allow_insecure_http: Allow ``http://`` to a host that is not this machine; the API key,
            tokens and memory keys then cross the network unencrypted. Without it, a host name
            must resolve to loopback only (checked before the first request: ValidationError).

    Raises:
        ValidationError: A bad argument, or no API key and no token.
    """

    __slots__ = ("_encrypt", "_options", "_session")

    def __init__(
        self,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        *,
        token: str | Secret | None = None,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        encryption: bool = True,
        idempotent_creates: bool = False,
        allow_insecure_http: bool = False,
    ) -> None:
        # Redacting from here on: every frame below is on the traceback of a bad argument.
        api_key, token = conceal(api_key), conceal(token)
        check_flags(
            encryption=encryption,
            idempotent_creates=idempotent_creates,
            allow_insecure_http=allow_insecure_http,
        )
        settings = resolve_settings(
            api_key=api_key,
            base_url=base_url,
            token=token,
            timeout=timeout,
            total_timeout=total_timeout,
            max_retries=max_retries,
            http_client=http_client,
            transport=transport,
            allow_insecure_http=allow_insecure_http,
        )
        self._options = Options(
            max_retries=settings.max_retries,
            total_timeout=settings.total_timeout,
            max_response_bytes=check_max_response_bytes(max_response_bytes),
        )
        self._encrypt = encryption
        self._session = Session(
            base_url=settings.base_url,
            api_key=settings.api_key,
            token=settings.token,
            timeout=settings.timeout,
            transport=transport,
            http_client=http_client,
            idempotent_creates=idempotent_creates,
            token_options=self._options,
            allow_insecure_http=allow_insecure_http,
        )

    if not TYPE_CHECKING:  # hints for code no type checker saw (see _hints.py)
        __enter__ = __exit__ = sync_with
        __getattr__ = missing_attribute

    def __repr__(self) -> str:
        if not hasattr(self, "_session"):
            # Its __init__ raised: a traceback's captured locals show the half-built object.
            return "<MemoramClient (not initialised)>"
        state = " closed" if self._session.closed else ""
        return (
            f"<MemoramClient{state} base_url={self._session.base_url!r} "
            f"max_retries={self._options.max_retries}>"
        )

    @property
    def base_url(self) -> str:
        """The API's base URL."""
        return self._session.base_url

    @property
    def max_retries(self) -> int:
        """Retries after a transient failure, for this client (or copy)."""
        return self._options.max_retries

    @property
    def is_closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._session.closed

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        total_timeout: float | NotGiven = NOT_GIVEN,
        max_response_bytes: int | NotGiven = NOT_GIVEN,
    ) -> MemoramClient:
        """A copy with another timeout, total timeout, retry count or ``max_response_bytes``,
        for some calls.

        The copy shares this client's connections and token, and is closed with it; it costs
        no I/O. ``client.with_options(max_retries=0).get_access_request(...)``.

        Raises:
            ValidationError: A bad timeout, retry count or ``max_response_bytes``.
        """
        copy = object.__new__(MemoramClient)
        copy._session = self._session
        copy._encrypt = self._encrypt
        copy._options = updated_options(
            self._options, timeout, max_retries, total_timeout, max_response_bytes
        )
        return copy

    async def __aenter__(self) -> Self:
        if self._session.closed:
            raise ClientClosedError("A closed MemoramClient cannot be reopened; create a new one.")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections (never a user's own ``http_client``). Safe to call twice.

        From another event loop than the client's (e.g. after its ``asyncio.run()`` ended), the
        connections of that loop are dropped rather than closed.

        Raises:
            MemoramError: Only this (``ClientClosedError`` when closing the pool failed).
        """
        await self._session.aclose()

    def user(self, credentials: Credentials) -> UserMemories:
        """The memories of the user these credentials belong to.

        Raises:
            ValidationError: ``credentials`` is not a Credentials.
        """
        if not isinstance(credentials, Credentials):
            raise ValidationError(
                "user() needs Credentials (from get_credentials() or Credentials.from_dict())"
            )
        return UserMemories(self._session, self._options, credentials, encrypt=self._encrypt)

    # -- access requests ---------------------------------------------------------------------

    async def request_access(self, memory_key: str | Secret, *, reason: str) -> AccessRequest:
        """Ask a user for access to their memories; they approve or reject in Memoram.

        Args:
            memory_key: The Memory Key the user gave your application.
            reason: Why you ask, shown to the user (1 to 255 characters).

        Returns:
            The new request, ``pending``.

        Raises:
            ValidationError: Bad arguments (nothing was sent).
            APIStatusError: The server refused; ``outcome_unknown`` says whether the request
                may have been created anyway.
        """
        memory_key = conceal(memory_key)
        key = check_memory_key(memory_key)
        warn_deprecated("MemoramClient.request_access", ("memory_key", "reason"))
        body = api.CreateAccessRequest(
            memory_key=key.reveal_redacted(), reason=check_reason(reason)
        )
        return await self._session.call(
            CREATE_ACCESS_REQUEST,
            create_access_request._get_kwargs(body=body, idempotency_key=idempotency_key()),
            access_request_from_api,
            self._options,
        )

    async def get_access_request(self, request_id: str) -> AccessRequest:
        """One access request, to see whether the user decided.

        Raises:
            ValidationError: ``request_id`` is not a valid id.
            NotFoundError: No such request for this developer.
        """
        request_id = check_id(request_id, "request_id")
        return await self._session.call(
            GET_ACCESS_REQUEST,
            get_access_request._get_kwargs(request_id),
            lambda raw: _same_request(access_request_from_api(raw), request_id),
            self._options,
        )

    async def list_access_requests(self) -> list[AccessRequest]:
        """Every access request made by this developer application.

        Raises:
            APIStatusError: The server refused (``AuthenticationError`` for a bad API key).
        """
        return await self._session.call(
            LIST_ACCESS_REQUESTS,
            list_access_requests._get_kwargs(),
            _access_requests,
            self._options,
        )

    # The timeout bounds the polling as a whole and is part of the public contract.
    async def wait_for_approval(
        self,
        request_id: str,
        *,
        timeout: float = APPROVAL_WAIT_TIMEOUT,  # noqa: ASYNC109
    ) -> AccessRequest:
        """Poll an access request until the user decides, with growing, jittered intervals.

        Args:
            request_id: The request's id.
            timeout: Seconds to wait at most (up to a week).

        Returns:
            The request, ``approved``.

        Raises:
            AccessDeniedError: The user rejected the request (or revoked it).
            ApprovalTimeoutError: Still pending after ``timeout`` seconds, or the last polls
                failed (then its ``last_error`` is the last failure, also its cause).
            UnknownAccessStatusError: The request has a status this SDK does not know.
            ValidationError: Bad arguments.
        """
        request_id = check_id(request_id, "request_id")
        timeout = check_seconds(timeout, "timeout", allow_zero=True, maximum=MAX_APPROVAL_WAIT)
        session = self._session
        longest_attempt = session.timeout.read or MAX_POLL_ATTEMPT

        def poll(remaining: float) -> Awaitable[AccessRequest]:
            # Polling is the retry loop here: no retries inside a poll, and no poll may outlast
            # the deadline, so `timeout` bounds the whole wait.
            seconds = max(MIN_POLL_ATTEMPT, min(remaining, longest_attempt))
            return self.with_options(max_retries=0, timeout=seconds).get_access_request(request_id)

        return await wait_for_decision(
            poll,
            request_id,
            timeout,
            clock=session.clock,
            sleep=session.sleep,
            rng=session.random,
        )

    async def get_credentials(self, request_id: str) -> Credentials:
        """The credentials granted by an approved access request.

        Raises:
            ApprovalPendingError: The user has not decided yet (a 403).
            AccessDeniedError: The user rejected or revoked the request.
            PermissionDeniedError: Another 403.
            NotFoundError: No such request.
        """
        request_id = check_id(request_id, "request_id")
        spec = get_access_credentials._get_kwargs(request_id)
        try:
            return await self._session.call(
                GET_ACCESS_CREDENTIALS, spec, credentials_from_api, self._options
            )
        except PermissionDeniedError as denied:
            # The 403 does not say why: the request's status does.
            try:
                status = (await self.get_access_request(request_id)).status
            except MemoramError:
                raise denied from None
            if status is AccessRequestStatus.PENDING:
                raise ApprovalPendingError(
                    f"GET {denied.path} failed with 403 Forbidden: approval is pending, the user "
                    "has not decided yet. Wait with wait_for_approval() and ask again.",
                    method=denied.method,
                    path=denied.path,
                    status_code=denied.status_code,
                    request_id=denied.request_id,
                    error_code=denied.error_code,
                ) from None
            if status in DENIED:
                raise AccessDeniedError(request_id, str(status)) from None
            raise


def _same_request(request: AccessRequest, asked: str) -> AccessRequest:
    same_id(asked, request.id)
    return request


def _access_requests(page: api.AccessRequestList) -> list[AccessRequest]:
    return [
        access_request_from_api(expect(item, api.AccessRequest, "an access request"))
        for item in list_of(page.items, "items")
    ]
