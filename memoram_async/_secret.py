"""Secret: a string that cannot be printed, logged or compared by accident."""

from __future__ import annotations

import hmac
from typing import Any, Final, NoReturn, final

REDACTED: Final = "**********"


@final
class RedactedStr(str):
    """A str whose ``repr`` is redacted (internal): how a secret travels through the SDK's frames.

    It is the real text everywhere the wire needs it: ``str(x)``, f-strings, concatenation,
    ``.encode()``, httpx headers and JSON bodies (``json`` encodes any str subclass as its
    text), and those give back a plain ``str`` (a format spec narrower than the text may return
    the object itself). Only ``repr`` hides it, and ``repr`` is what a traceback with captured
    locals, an error reporter (Sentry records each frame's locals with it) and the ``repr`` of a
    generated request model or of a ``dict`` call. It refuses ``pickle`` and ``copy``, so it is
    not stored by accident either.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"'{REDACTED}'"

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("a redacted secret is not pickled or copied; use str(value) deliberately")


@final
class Plaintext:
    """Memory content held without a copy, with a redacted repr (internal).

    The SDK's own frames keep a caller's content in one of these once it is checked, so a
    traceback with captured locals of a failed create or update does not show it. Wrapping is
    free: the text is referenced, never copied (content can be megabytes).
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Plaintext('{REDACTED}')"

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("memory content is not pickled here")


@final
class RedactedBytes(bytes):
    """Bytes given where a secret str was expected (a key read in binary mode), with a redacted
    repr (internal): they are refused, and the refusal's frames must not show them."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"b'{REDACTED}'"

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("a redacted secret is not pickled or copied")


def conceal(value: object) -> Any:
    """``value`` as a :class:`RedactedStr` (or :class:`RedactedBytes`) when it is text (or
    bytes), unchanged otherwise (internal).

    Public entry points rebind their secret arguments with it first, so neither their own frame
    nor any frame they call holds the plain value, even when it turns out to be invalid.
    """
    if isinstance(value, str):
        return value if type(value) is RedactedStr else RedactedStr(value)
    if isinstance(value, bytes | bytearray):
        return value if type(value) is RedactedBytes else RedactedBytes(value)
    return value


def type_name(value: object) -> str:
    """The name of ``value``'s type as the caller gave it (``str`` for a RedactedStr)."""
    if type(value) is RedactedStr:
        return "str"
    if type(value) is RedactedBytes:
        return "bytes"
    return type(value).__name__


@final
class Secret:
    """A secret string (API key, JWT, memory key, encryption key) with a redacted repr and str.

    The value is reached only through :meth:`reveal`, so an f-string, a log record or a traceback
    that shows the object shows ``**********`` instead. Equality is constant-time.
    """

    __slots__ = ("_redacted", "_value")

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"a secret must be a str, not {type(value).__name__}")
        # A RedactedStr given is kept as is for reveal_redacted(); reveal() stays a plain str.
        self._redacted: RedactedStr | None = value if type(value) is RedactedStr else None
        self._value = value if type(value) is str else str.__str__(value)

    @classmethod
    def coerce(cls, value: str | Secret) -> Secret:
        """Wrap a plain string; pass a Secret through unchanged.

        Raises:
            TypeError: ``value`` is neither a str nor a Secret.
        """
        return value if isinstance(value, Secret) else cls(value)

    def reveal(self) -> str:
        """The secret itself. Call it only where the value must leave the process."""
        return self._value

    def reveal_redacted(self) -> str:
        """The secret as a str whose ``repr`` is redacted: the real text on the wire (headers,
        JSON bodies, f-strings), ``**********`` in a ``repr``, so a generated request model or a
        frame's captured locals that hold it do not show it. It refuses to be pickled."""
        redacted = self._redacted
        if redacted is None:
            redacted = self._redacted = RedactedStr(self._value)
        return redacted

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
