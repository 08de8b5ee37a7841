"""The local server's options, resolved once, and the state its handlers share."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from ._auth import TokenAuthority
from ._constants import API_KEYS_ENV, DEFAULT_TOKEN_TTL, DEV_API_KEY
from ._faults import FaultInjector, FaultSpec
from ._stats import ServerStats
from ._store import Store


@dataclass(frozen=True)
class LocalConfig:
    """Resolved options of one local server (`create_app` and the command line share them)."""

    api_keys: tuple[str, ...] = (DEV_API_KEY,)
    db: str = ":memory:"
    token_ttl: int = DEFAULT_TOKEN_TTL
    auto_approve: bool = False
    faults: FaultSpec = field(default_factory=FaultSpec)
    seed: int | None = None
    secret: str | None = None

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
        if secret is not None and not secret:
            raise ValueError("secret must not be empty")
        return cls(
            api_keys=keys or (DEV_API_KEY,),
            db=db or ":memory:",
            token_ttl=token_ttl,
            auto_approve=auto_approve,
            faults=FaultSpec.coerce(faults),
            seed=seed,
            secret=secret,
        )


def api_keys_from_env() -> list[str]:
    """The keys in MEMORAM_LOCAL_API_KEYS (comma-separated), if any."""
    return [key for key in os.environ.get(API_KEYS_ENV, "").split(",") if key.strip()]


@dataclass(frozen=True)
class ServerContext:
    """What every handler of one app shares."""

    config: LocalConfig
    store: Store
    authority: TokenAuthority
    stats: ServerStats
    injector: FaultInjector
