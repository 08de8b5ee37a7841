"""Developer API keys and the HS256 developer JWTs the local server issues and checks."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt

from ._errors import Unauthorized

ISSUER = "memoram-local"
AUDIENCE = "memoram-api-v1"


def connector_id(api_key: str) -> str:
    """The developer application (`aiConnectorId`) an API key belongs to; stable across restarts."""
    return "conn_" + hashlib.sha256(api_key.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class IssuedToken:
    """A freshly signed developer JWT."""

    token: str
    expires_at: datetime
    connector: str


class TokenAuthority:
    """Knows the accepted API keys, signs developer JWTs and verifies them.

    Args:
        api_keys: The accepted developer API keys.
        ttl: The longest token lifetime granted, in seconds.
        secret: The signing secret; a random one per process when None.
    """

    def __init__(self, api_keys: Sequence[str], *, ttl: int, secret: str | None = None) -> None:
        self._connectors = {key.encode("utf-8"): connector_id(key) for key in api_keys}
        self._known = frozenset(self._connectors.values())
        self.ttl = ttl
        # Hashing fixes the HMAC key at 32 bytes whatever the length of --secret.
        material = secret.encode("utf-8") if secret is not None else secrets.token_bytes(32)
        self._key = hashlib.sha256(b"memoram-local-jwt\x00" + material).digest()

    def connector_for(self, api_key: str) -> str | None:
        """The connector of an accepted key, or None; compares in constant time."""
        candidate = api_key.encode("utf-8", "surrogatepass")
        found = None
        for key, connector in self._connectors.items():
            if hmac.compare_digest(key, candidate):
                found = connector
        return found

    def issue(
        self, connector: str, expires_in: int | None = None, *, issued_at: float | None = None
    ) -> IssuedToken:
        """Sign a token for `connector` living `expires_in` seconds, clamped to 1..ttl.

        `issued_at` (Unix seconds, default now) is a seam for tests of expiry.
        """
        lifetime = self.ttl if expires_in is None else max(1, min(expires_in, self.ttl))
        if issued_at is None:
            issued_at = time.time()
        # JWT times are whole seconds (PyJWT truncates a fractional exp). Rounding the expiry up
        # makes a token live at least its whole lifetime; rounded down, it could die a second
        # early, while a client planning from `expires_at` and `Date` believed it still valid.
        expires = math.ceil(issued_at + lifetime)
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": connector,
            "iat": int(issued_at),
            "exp": expires,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(claims, self._key, algorithm="HS256")
        return IssuedToken(token, datetime.fromtimestamp(expires, UTC), connector)

    def verify(self, headers: Mapping[str, str]) -> str:
        """The connector of the request's valid bearer token; raises Unauthorized otherwise."""
        header = headers.get("authorization")
        if header is None:
            raise Unauthorized("A bearer token is required: call POST /auth/token first.")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("The Authorization header must be `Bearer <token>`.")
        try:
            claims = jwt.decode(
                token.strip(),
                self._key,
                algorithms=["HS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The token has expired: get a new one from /auth/token.") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized("The token is not valid.") from exc
        connector = claims.get("sub")
        if connector not in self._known:
            raise Unauthorized("The token's API key is no longer accepted.")
        return str(connector)


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, as the API writes date-times."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
