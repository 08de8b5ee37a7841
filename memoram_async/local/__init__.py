"""Deprecated: the local server moved to its own package, `memoram_local`.

`import memoram_async.local` keeps working for the 0.1.x releases and warns; import from
`memoram_local` instead (same names, same `[local]` extra)::

    from memoram_local import LocalServer
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import memoram_local

if TYPE_CHECKING:
    from memoram_local import (
        DEV_API_KEY,
        FaultSpec,
        LocalApp,
        LocalConfig,
        LocalServer,
        LocalServerError,
        ServerStats,
        create_app,
    )

__all__ = [
    "DEV_API_KEY",
    "FaultSpec",
    "LocalApp",
    "LocalConfig",
    "LocalServer",
    "LocalServerError",
    "ServerStats",
    "create_app",
]

MOVED_MESSAGE = (
    "memoram_async.local is deprecated and will be removed in a later release: "
    "import from memoram_local instead (e.g. `from memoram_local import LocalServer`)"
)

warnings.warn(MOVED_MESSAGE, DeprecationWarning, stacklevel=2)


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(memoram_local, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
