"""Debian's chromium as the dashboard's browser tests and screenshots start it.

The flags keep a headless chromium quiet on a machine without network: no background
networking, component updates, sync or QUIC, which would otherwise try hosts it cannot reach.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

CHROMIUM: Final = Path("/usr/bin/chromium")
CHROMIUM_ARGS: Final = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
