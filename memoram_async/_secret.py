"""Secret: a string that cannot be printed, logged or compared by accident."""

from __future__ import annotations

import hmac
from typing import Final, NoReturn, final

REDACTED: Final = "**********"


@final
class Secret:
    """A secret string (API key, JWT, memory key, encryption key) with a redacted repr and str.

    The value is reached only through :meth:`reveal`, so an f-string, a log record or a traceback
    that shows the object shows ``**********`` instead. Equality is constant-time.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"a secret must be a str, not {type(value).__name__}")
        self._value = value

    @classmethod
    def coerce(cls, value: str | Secret) -> Secret:
        """Wrap a plain string; pass a Secret through unchanged."""
        return value if isinstance(value, Secret) else cls(value)

    def reveal(self) -> str:
        """The secret itself. Call it only where the value must leave the process."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __repr__(self) -> str:
        return f"Secret('{REDACTED}')"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret is not pickled; store the revealed value deliberately")
