"""One SSL context per process and configuration, shared by every HTTP client the SDK builds.

Building an ``ssl.SSLContext`` loads the whole CA bundle (40 to 130 ms of CPU, inside the event
loop when a client is created there); httpx builds a new one for every client and transport
unless it is handed one. A context is safe to share between connections, clients and event
loops as long as nobody changes it, and nothing outside this module can reach ours.
"""

from __future__ import annotations

import functools
import os
import ssl

import httpx

# httpx reads these when trust_env is on: they are part of the configuration.
_CA_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR")


def shared_ssl_context(*, trust_env: bool = True) -> ssl.SSLContext:
    """The verifying context httpx would build for ``verify=True``, built once per process.

    With ``trust_env``, ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` are part of the key: changing
    them gives a new context, as a new httpx client would.
    """
    ca_from_env = tuple(os.environ.get(name) or None for name in _CA_VARIABLES)
    return _context(ca_from_env if trust_env else (None, None), trust_env)


@functools.cache
def _context(ca_from_env: tuple[str | None, ...], trust_env: bool) -> ssl.SSLContext:
    # httpx.create_ssl_context makes the same choices as a client's own transport would.
    return httpx.create_ssl_context(verify=True, trust_env=trust_env)
