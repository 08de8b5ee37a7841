"""Whether plain http may go to the base URL's host: decided by address, before any byte is sent.

Plain ``http://`` carries the API key, tokens and memory keys in clear text, so it is allowed to
this machine only, unless ``allow_insecure_http=True``. ``localhost`` itself and loopback IP
literals (127.0.0.0/8, ``::1``) are known at construction. Any other name, ``*.localhost`` and
``localhost.localdomain`` included, is resolved with the event loop's resolver before the first
request, and allowed only when every address it resolves to is loopback: resolvers commonly pass
such names to DNS, which may answer with any address. The verdict is kept for the client and its
``with_options`` copies.

The same verdict decides proxies: plain http to loopback never goes through one (a proxy would
see the secrets in clear text); anything else honours the proxy environment variables.

A name is resolved again by httpx when it connects; a resolver that answers differently the
second time (DNS rebinding) is not stopped here. Use ``localhost`` or ``127.0.0.1`` to rule that
out.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Final
from urllib.parse import urlsplit

import httpx

from ._errors import ValidationError
from ._printable import printable, quoted

# At most this many resolved addresses are named in the error.
_NAMED_ADDRESSES: Final = 3


def literal_verdict(host: str) -> bool | None:
    """Whether ``host`` (a URL's host) is this machine, when that is known without resolving:
    True for ``localhost`` and loopback IP literals, False for other IP literals, None for a
    name that must be resolved."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.partition("%")[0])  # without an IPv6 zone id
    except ValueError:
        return None
    return is_loopback_address(address)


def is_loopback_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """127.0.0.0/8 or ``::1``, also written as an IPv4-mapped IPv6 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _is_loopback_text(address: str) -> bool:
    try:
        return is_loopback_address(ipaddress.ip_address(address.partition("%")[0]))
    except ValueError:
        return False


def not_loopback_message(host: str, addresses: list[str]) -> str:
    """The error for plain http to a host that is not this machine: what is wrong, both fixes."""
    named = ", ".join(printable(a, 64) for a in addresses[:_NAMED_ADDRESSES])
    if len(addresses) > _NAMED_ADDRESSES:
        named += f" and {len(addresses) - _NAMED_ADDRESSES} more"
    return (
        f"base_url uses plain http:// to {quoted(host)}, which resolves to {named}: not only "
        "loopback addresses (this machine), so the API key, tokens and memory keys would cross "
        "the network unencrypted. Nothing was sent. Use https://, or pass "
        "allow_insecure_http=True if you accept the risk."
    )


class HostCheck:
    """One client's verdict on its base URL's host (shared by its ``with_options`` copies).

    Attributes:
        cleared: Whether requests may be sent without (further) checking; read on every
            request, so a settled client pays one attribute read.
        loopback: Whether the host is this machine; None until a name was resolved.
    """

    __slots__ = (
        "_allow_insecure_http",
        "_host",
        "_plain_http",
        "_port",
        "_refusal",
        "_resolving",
        "cleared",
        "loopback",
    )

    def __init__(self, base_url: str, *, allow_insecure_http: bool, decides_proxies: bool) -> None:
        """
        Args:
            base_url: The checked base URL.
            allow_insecure_http: Plain http may go anywhere; the verdict then only decides
                proxies.
            decides_proxies: The verdict decides whether the SDK's own client honours proxy
                variables (no ``transport=`` or ``http_client=`` given).
        """
        parts = urlsplit(base_url)
        self._host = parts.hostname or ""
        self._port = parts.port or (80 if parts.scheme == "http" else 443)
        self._plain_http = parts.scheme == "http"
        self._allow_insecure_http = allow_insecure_http
        self._refusal: str | None = None
        # Concurrent first requests wait for one resolution (made when first needed: a lock
        # belongs to the event loop that first waits on it).
        self._resolving: asyncio.Lock | None = None
        self.loopback = literal_verdict(self._host) if self._plain_http else False
        if self._plain_http and self.loopback is False and not allow_insecure_http:
            self._refusal = not_loopback_message(self._host, [self._host])
        needed = not allow_insecure_http or decides_proxies
        self.cleared = self._refusal is None and (self.loopback is not None or not needed)

    @property
    def bypasses_proxies(self) -> bool:
        """Whether the SDK's own client must ignore proxy environment variables: plain http to
        this machine never goes through a proxy; https keeps honouring ``HTTPS_PROXY``."""
        return self._plain_http and self.loopback is True

    async def check(self, resolve_within: float) -> None:
        """Resolve the host once (for at most ``resolve_within`` seconds) and refuse plain http
        to a host that is not this machine.

        Raises:
            ValidationError: Plain http to a host that is not loopback only (kept: every later
                request is refused the same way, without resolving again).
            httpx.ConnectError: The name could not be resolved (retried like a failed connect).
        """
        if self.loopback is None:
            if self._resolving is None:
                self._resolving = asyncio.Lock()
            async with self._resolving:
                if self.loopback is None:
                    addresses = await self._resolve(resolve_within)
                    self.loopback = bool(addresses) and all(map(_is_loopback_text, addresses))
                    if not self.loopback and not self._allow_insecure_http:
                        self._refusal = not_loopback_message(self._host, addresses)
                    self.cleared = self._refusal is None
        if self._refusal is not None:
            raise ValidationError(self._refusal)

    async def _resolve(self, within: float) -> list[str]:
        """The addresses the host resolves to; an empty list when it cannot be resolved and
        plain http may go anywhere (the verdict then only decides proxies)."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(within):
                infos = await loop.getaddrinfo(self._host, self._port, type=socket.SOCK_STREAM)
        except (OSError, TimeoutError) as exc:
            if self._allow_insecure_http:
                return []
            raise httpx.ConnectError(
                f"cannot resolve {quoted(self._host)} to check that it is this machine "
                f"({type(exc).__name__}); plain http:// goes to loopback addresses only"
            ) from None
        return list(dict.fromkeys(str(info[4][0]) for info in infos))
