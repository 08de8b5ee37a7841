"""The local server's defaults and the names of its environment variables (stdlib only)."""

from __future__ import annotations

from typing import Final

DEV_API_KEY: Final = "mem_10ca1de7000000000000000000000000000000000000c0de"
"""The development API key accepted when no other key is configured. It is public: use it only
against the local server."""

API_KEYS_ENV: Final = "MEMORAM_LOCAL_API_KEYS"
API_KEY_ENV: Final = "MEMORAM_LOCAL_API_KEY"
SECRET_ENV: Final = "MEMORAM_LOCAL_SECRET"
DASHBOARD_TOKEN_ENV: Final = "MEMORAM_LOCAL_DASHBOARD_TOKEN"
DEFAULT_TOKEN_TTL: Final = 3600
MIN_DASHBOARD_TOKEN_LENGTH: Final = 16
"""The shortest dashboard token or JWT signing secret accepted."""
MIN_SECRET_BITS: Final = 64
"""The least estimated entropy (bits) of a configured dashboard token or signing secret."""
DASHBOARD_TOKEN_HEADER: Final = "X-Memoram-Local-Token"
DASHBOARD_TOKEN_PARAM: Final = "token"
