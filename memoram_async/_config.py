"""MemoramClient's arguments and environment, checked and resolved into its settings.

Everything here runs at construction, before anything is sent: a bad argument is a
``ValidationError`` naming it.
"""

from __future__ import annotations

import os

import attrs
import httpx

from ._constants import API_KEY_ENV, BASE_URL_ENV, DEFAULT_BASE_URL, DEFAULT_TIMEOUT
from ._errors import ValidationError
from ._options import NOT_GIVEN, NotGiven, check_total_timeout
from ._secret import Secret, conceal
from ._validation import (
    check_api_key,
    check_base_url,
    check_max_retries,
    check_secret_text,
    check_timeout,
)


@attrs.frozen
class Settings:
    """A client's resolved settings.

    Attributes:
        base_url: The checked API URL, without a trailing slash.
        api_key: The developer API key, or None when a fixed token is used.
        token: The fixed developer token, or None when tokens come from the API key.
        timeout: The per-attempt timeout of calls that set none.
        total_timeout: The budget of a whole call, for calls that set none.
        max_retries: Retries after a transient failure.
    """

    base_url: str
    api_key: Secret | None
    token: Secret | None
    timeout: httpx.Timeout
    total_timeout: float
    max_retries: int


def check_flags(**flags: object) -> None:
    """Each flag is a real bool (``encryption=1`` is refused, not taken as True)."""
    for name, flag in flags.items():
        if not isinstance(flag, bool):
            raise ValidationError(f"{name} must be True or False")


def resolve_settings(
    *,
    api_key: str | Secret | None,
    base_url: str | None,
    token: str | Secret | None,
    timeout: float | httpx.Timeout | NotGiven,
    total_timeout: float,
    max_retries: int,
    http_client: httpx.AsyncClient | None,
    transport: httpx.AsyncBaseTransport | None,
    allow_insecure_http: bool,
) -> Settings:
    """The settings from the arguments, then the environment, then the defaults.

    Raises:
        ValidationError: A bad argument, or no API key and no token.
    """
    key, fixed_token = _credentials(api_key, token)
    url = base_url if base_url is not None else os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    url = check_base_url(url, allow_insecure_http=allow_insecure_http)
    _check_seams(http_client, transport)
    return Settings(
        base_url=url,
        api_key=key,
        token=fixed_token,
        timeout=_attempt_timeout(timeout, http_client),
        total_timeout=check_total_timeout(total_timeout),
        max_retries=check_max_retries(max_retries),
    )


def _credentials(
    api_key: str | Secret | None, token: str | Secret | None
) -> tuple[Secret | None, Secret | None]:
    """The API key or the fixed token (exactly one), from the arguments or the environment."""
    if token is not None:
        if api_key is not None:
            raise ValidationError("pass api_key or token, not both")
        return None, check_secret_text(token, "token")
    raw_key = conceal(api_key if api_key is not None else os.environ.get(API_KEY_ENV))
    if raw_key is None or raw_key == "":
        raise ValidationError(
            f"No API key: pass api_key=... or set the {API_KEY_ENV} environment variable "
            "(or pass token= with a developer JWT)"
        )
    return check_api_key(raw_key), None


def _check_seams(
    http_client: httpx.AsyncClient | None, transport: httpx.AsyncBaseTransport | None
) -> None:
    if http_client is not None and transport is not None:
        raise ValidationError("pass http_client or transport, not both")
    if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
        raise ValidationError("http_client must be an httpx.AsyncClient")
    if transport is not None and not isinstance(transport, httpx.AsyncBaseTransport):
        raise ValidationError("transport must be an httpx.AsyncBaseTransport")


def _attempt_timeout(
    timeout: float | httpx.Timeout | NotGiven, http_client: httpx.AsyncClient | None
) -> httpx.Timeout:
    if timeout is not NOT_GIVEN:
        return check_timeout(timeout)
    theirs = http_client.timeout if http_client is not None else None
    # Their client's timeout, unless it leaves a phase unbounded: then our default.
    bounded = theirs is not None and None not in theirs.as_dict().values()
    return check_timeout(theirs if bounded else DEFAULT_TIMEOUT)
