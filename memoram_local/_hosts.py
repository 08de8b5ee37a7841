"""Which host names are this machine: the one loopback check of the local server.

Used for the `--host` the server binds to and for the `Host` header of every request (the
DNS-rebinding guard). `localhost`, any name under `.localhost` (RFC 6761 reserves them for
loopback; browsers never ask DNS for them), and loopback IP literals (127.0.0.0/8, ::1).
"""

from __future__ import annotations

import ipaddress
from typing import Final

_LOOPBACK_NAMES: Final = frozenset({"localhost"})


def is_loopback_name(host: str) -> bool:
    """Whether a bare host name or IP literal (brackets allowed) names this machine."""
    host = host.strip().strip("[]").lower().rstrip(".")
    if not host:
        return False
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def hostname_of(authority: str) -> str:
    """The host of a `Host` header value (`name`, `name:port`, `[v6]:port`), lower-cased."""
    authority = authority.strip().lower()
    if authority.startswith("["):
        return authority[1 : authority.find("]")] if "]" in authority else ""
    return authority.rsplit(":", 1)[0] if authority.count(":") == 1 else authority
