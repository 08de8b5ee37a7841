"""DefaultAioHttpClient: an ``httpx.AsyncClient`` that sends through aiohttp's connection pool.

httpx's own transport (httpcore) spends CPU on every request in proportion to the connections
its pool holds, so with dozens of calls in flight the client, not the network, sets the pace.
aiohttp's pool does not: with the ``aiohttp`` extra installed, pass
``MemoramClient(http_client=DefaultAioHttpClient())`` to an app that runs many calls at once.
Everything above the transport (hooks, auth, headers, redirects, timeouts, proxies) is still
httpx's, so the ``http_client=`` contract is the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import httpx

from ._constants import AIOHTTP_CONNECTION_LIMITS, DEFAULT_TIMEOUT, USER_AGENT
from ._tls import shared_ssl_context

INSTALL_HINT: Final = (
    "DefaultAioHttpClient needs httpx-aiohttp: pip install 'memoram-async[aiohttp]'"
)

# Plain http to this machine never goes through a proxy from the environment (a proxy would see
# the API key and tokens in clear text): a None mount is "the client's own transport".
_LOOPBACK_DIRECT: Final[Mapping[str, None]] = {
    "http://127.0.0.1": None,
    "http://localhost": None,
    "http://[::1]": None,
}


class DefaultAioHttpClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` on aiohttp's transport, with the SDK's defaults.

    Pass it as ``MemoramClient(http_client=DefaultAioHttpClient())`` when an app runs many
    calls at once (from a few dozen in flight on): requests per second then stay level as
    concurrency grows, where httpx's default transport slows down. It needs the ``aiohttp``
    extra (``pip install 'memoram-async[aiohttp]'``). Close it yourself (``async with`` or
    ``await client.aclose()``): like any ``http_client=``, ``MemoramClient`` never closes it.

    Any ``httpx.AsyncClient`` argument may be given; the defaults differ in: a timeout of 30 s
    (5 s to connect), up to 100 connections kept alive for 4 s (less than the 5 s after which
    common servers drop an idle one), a TLS context shared with the SDK's other clients, the
    ``memoram-async`` User-Agent, and plain ``http://`` to ``127.0.0.1``, ``localhost`` and
    ``[::1]`` never sent through a proxy from the environment.

    Raises:
        ImportError: The ``aiohttp`` extra is not installed (the message says what to install).
        ValueError: ``http2=True``: aiohttp speaks HTTP/1.1 only.
    """

    def __init__(self, **kwargs: Any) -> None:
        try:
            import httpx_aiohttp  # noqa: F401
        except ImportError as exc:
            raise ImportError(INSTALL_HINT, name="httpx_aiohttp") from exc
        if kwargs.get("http2"):
            raise ValueError(
                "DefaultAioHttpClient speaks HTTP/1.1 only (aiohttp has no HTTP/2); "
                "use httpx.AsyncClient(http2=True) for HTTP/2"
            )
        kwargs.setdefault("timeout", DEFAULT_TIMEOUT)
        kwargs.setdefault("limits", AIOHTTP_CONNECTION_LIMITS)
        kwargs.setdefault("headers", {"User-Agent": USER_AGENT})
        if "verify" not in kwargs and not kwargs.get("cert"):
            # cert= would be loaded into the context it is given: never into the shared one.
            kwargs["verify"] = shared_ssl_context(trust_env=kwargs.get("trust_env", True))
        kwargs["mounts"] = {**_LOOPBACK_DIRECT, **(kwargs.get("mounts") or {})}
        super().__init__(**kwargs)

    # httpx's hooks for the transports it builds (httpx-aiohttp's own client overrides the
    # same two); httpx passes everything but the proxy by keyword.
    def _init_transport(self, *args: Any, **kwargs: Any) -> httpx.AsyncBaseTransport:
        transport: httpx.AsyncBaseTransport | None = kwargs.pop("transport", None)
        if transport is not None:
            return transport
        from ._aiohttp_transport import AiohttpTransport

        return AiohttpTransport(**_transport_options(kwargs))

    def _init_proxy_transport(self, *args: Any, **kwargs: Any) -> httpx.AsyncBaseTransport:
        from ._aiohttp_transport import AiohttpTransport

        proxy: httpx.Proxy = args[0] if args else kwargs["proxy"]
        return AiohttpTransport(proxy=proxy, **_transport_options(kwargs))


def _transport_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    # The arguments httpx hands its transport hooks that aiohttp's transport understands.
    names = ("verify", "cert", "trust_env", "http1", "http2", "limits")
    return {name: kwargs[name] for name in names if name in kwargs}
