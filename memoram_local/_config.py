"""The local server's options, resolved once, and the state its handlers share."""

from __future__ import annotations

import math
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ._auth import TokenAuthority
from ._constants import (
    DEFAULT_TOKEN_TTL,
    DEV_API_KEY,
    MIN_DASHBOARD_TOKEN_LENGTH,
    MIN_SECRET_BITS,
)
from ._faults import FaultInjector, FaultSpec
from ._stats import ServerStats
from ._store import Store


def new_dashboard_token() -> str:
    """A fresh random dashboard token (32 URL-safe characters, 192 bits)."""
    return secrets.token_urlsafe(24)


def estimated_bits(value: str) -> float:
    """A rough ceiling on how much a value could have been guessed with: its length times the
    Shannon entropy of its characters. It catches short and repetitive values ("aaaa...",
    "passwordpassword"), not every weak one; a random token scores far above the floor."""
    counts = Counter(value)
    per_char = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return per_char * len(value)


def check_secret(value: str, name: str) -> None:
    """Refuse a configured dashboard token or signing secret that is short, blank-bearing, or
    low in entropy (ValueError naming `name` and how to make a good one)."""
    how = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(24))'"
    if (
        len(value) < MIN_DASHBOARD_TOKEN_LENGTH
        or not value.isascii()
        or not value.isprintable()
        or " " in value
    ):
        raise ValueError(
            f"the {name} must be at least {MIN_DASHBOARD_TOKEN_LENGTH} printable ASCII"
            f" characters without spaces; {how}"
        )
    if estimated_bits(value) < MIN_SECRET_BITS:
        raise ValueError(
            f"the {name} is too predictable (repeated or few distinct characters, under"
            f" {MIN_SECRET_BITS} bits); {how}"
        )


@dataclass(frozen=True)
class LocalConfig:
    """Resolved options of one local server (`create_app` and the command line share them)."""

    api_keys: tuple[str, ...] = field(default=(DEV_API_KEY,), repr=False)
    db: str = ":memory:"
    token_ttl: int = DEFAULT_TOKEN_TTL
    auto_approve: bool = False
    faults: FaultSpec = field(default_factory=FaultSpec)
    seed: int | None = None
    secret: str | None = field(default=None, repr=False)
    allowed_hosts: frozenset[str] = frozenset()
    """Host names served besides the loopback ones (lower case, no port)."""
    dashboard_token: str = field(default_factory=new_dashboard_token, repr=False)
    """What every /local request must carry (`token` or `X-Memoram-Local-Token`)."""

    @classmethod
    def build(
        cls,
        *,
        api_keys: Iterable[str] | str | None = None,
        db: str = ":memory:",
        token_ttl: int = DEFAULT_TOKEN_TTL,
        auto_approve: bool = False,
        faults: FaultSpec | str | None = None,
        seed: int | None = None,
        secret: str | None = None,
        allowed_hosts: Iterable[str] = (),
        dashboard_token: str | None = None,
    ) -> LocalConfig:
        """Check and normalise options; bad values raise ValueError with a clear message."""
        if isinstance(api_keys, str):
            api_keys = [api_keys]
        keys = tuple(dict.fromkeys(key.strip() for key in api_keys or () if key.strip()))
        for key in keys:
            if any(char.isspace() for char in key):
                raise ValueError("an API key must not contain whitespace")
        if isinstance(token_ttl, bool) or not isinstance(token_ttl, int) or token_ttl < 1:
            raise ValueError("token_ttl must be a positive number of seconds")
        if secret is not None:
            check_secret(secret, "secret")
        if isinstance(allowed_hosts, str):
            allowed_hosts = [allowed_hosts]
        hosts = frozenset(host.strip().strip("[]").lower() for host in allowed_hosts)
        if any(not host or any(char in host for char in "/:@ ") for host in hosts):
            raise ValueError("allowed_hosts takes host names without scheme, port or path")
        if dashboard_token is not None:
            check_secret(dashboard_token, "dashboard token")
        return cls(
            api_keys=keys or (DEV_API_KEY,),
            db=db or ":memory:",
            token_ttl=token_ttl,
            auto_approve=auto_approve,
            faults=FaultSpec.coerce(faults),
            seed=seed,
            secret=secret,
            allowed_hosts=hosts,
            dashboard_token=dashboard_token or new_dashboard_token(),
        )


@dataclass(frozen=True)
class ServerContext:
    """What every handler of one app shares."""

    config: LocalConfig
    store: Store
    authority: TokenAuthority
    stats: ServerStats
    injector: FaultInjector
