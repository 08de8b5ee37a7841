"""The keys that open memory envelopes: a user's ``EncryptionKey`` and its ``Keyring``.

The envelope format itself lives in ``_envelope``; this module picks the key by the version an
envelope names, and keeps key material out of every repr, comparison timing and pickle.
"""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final, NoReturn, final
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ._envelope import (
    KEY_VERSION_MAX,
    NONCE_SIZE,
    envelope_key_version,
    seal,
    unseal,
    user_bytes,
)
from ._errors import DecryptionError, InvalidKeyError, ValidationError
from ._secret import Secret, conceal, type_name

KEY_SIZES: Final = (16, 24, 32)
_HEX: Final = re.compile(r"[0-9a-fA-F]*")
_EMPTY: Final[Mapping[int, str | Secret]] = MappingProxyType({})


@final
class EncryptionKey:
    """A user's symmetric key (16, 24 or 32 bytes: AES-128/192/256) and its key version.

    Immutable. Its repr and str show the version only, never key material; it cannot be pickled.

    Attributes:
        version: The key version written into every envelope, 0 to 2**32 - 1.
    """

    __slots__ = ("_aead", "_key", "version")

    version: int
    _key: bytes
    _aead: AESGCM

    def __init__(self, key: bytes, version: int) -> None:
        """Make a key from raw bytes.

        Args:
            key: 16, 24 or 32 bytes.
            version: The key version, 0 to 2**32 - 1.

        Raises:
            InvalidKeyError: The key has another length, or the version is out of range.
        """
        if not isinstance(key, bytes):
            raise InvalidKeyError(f"an encryption key must be bytes, not {type(key).__name__}")
        if len(key) not in KEY_SIZES:
            raise InvalidKeyError(
                f"an encryption key must be 16, 24 or 32 bytes (32, 48 or 64 hex digits) "
                f"for AES-128/192/256, not {len(key)} bytes"
            )
        object.__setattr__(self, "version", _check_version(version))
        object.__setattr__(self, "_key", key)
        # Built once per key: AESGCM construction costs more than sealing a small item.
        object.__setattr__(self, "_aead", AESGCM(key))

    @classmethod
    def from_hex(cls, hex_key: str | Secret, version: int) -> EncryptionKey:
        """Make a key from its hex text, as the access request's credentials carry it.

        Args:
            hex_key: 32, 48 or 64 hex digits (either case), as a str or a Secret.
            version: The key version, 0 to 2**32 - 1.

        Raises:
            InvalidKeyError: Not hex, not 16/24/32 bytes, or the version is out of range. The
                message never contains the key.
        """
        # Only redacting values in this frame: it is on the traceback of every error below.
        hex_key = conceal(hex_key)
        text = hex_key.reveal_redacted() if isinstance(hex_key, Secret) else hex_key
        if not isinstance(text, str):
            raise InvalidKeyError(f"an encryption key must be hex text, not {type_name(text)}")
        if not _HEX.fullmatch(text):
            raise InvalidKeyError("the encryption key is not hex (only 0-9, a-f and A-F allowed)")
        if len(text) % 2:
            raise InvalidKeyError(
                f"the encryption key has an odd number of hex digits ({len(text)})"
            )
        # Checked here rather than in __init__, whose frame would hold the raw key bytes.
        if len(text) // 2 not in KEY_SIZES:
            raise InvalidKeyError(
                f"an encryption key must be 32, 48 or 64 hex digits (16, 24 or 32 bytes) "
                f"for AES-128/192/256, not {len(text)} hex digits"
            )
        return cls(bytes.fromhex(text), _check_version(version))

    @property
    def algorithm(self) -> str:
        """The cipher this key selects, e.g. ``"AES-256-GCM"``."""
        return f"AES-{len(self._key) * 8}-GCM"

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"EncryptionKey is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"EncryptionKey is immutable; cannot delete {name!r}")

    def __repr__(self) -> str:
        return f"EncryptionKey(version={self.version}, key=<redacted {self.algorithm}>)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EncryptionKey):
            return NotImplemented
        return self.version == other.version and hmac.compare_digest(self._key, other._key)

    def __hash__(self) -> int:
        return hash((EncryptionKey, self.version))

    def __reduce__(self) -> NoReturn:
        raise TypeError("an EncryptionKey is not pickled; store its hex deliberately")


@final
class Keyring:
    """The current key of a user, and older versions for content written before a rotation.

    ``encrypt`` always uses the current key; ``decrypt`` picks the key by the version written in
    the envelope. Immutable and safe to share between tasks and threads.
    """

    __slots__ = ("_current", "_keys")

    _current: EncryptionKey
    _keys: dict[int, EncryptionKey]

    def __init__(self, current: EncryptionKey, older: Iterable[EncryptionKey] = ()) -> None:
        """Make a keyring.

        Args:
            current: The key new content is encrypted with.
            older: Keys of earlier versions, to read content written under them.

        Raises:
            ValidationError: Not EncryptionKey objects, or two different keys with one version.
        """
        keys: dict[int, EncryptionKey] = {}
        for key in (current, *older):
            if not isinstance(key, EncryptionKey):
                raise ValidationError(
                    f"a keyring holds EncryptionKey objects, not {type(key).__name__}"
                )
            known = keys.setdefault(key.version, key)
            if known != key:
                raise ValidationError(
                    f"two different encryption keys for key version {key.version}"
                )
        object.__setattr__(self, "_current", current)
        object.__setattr__(self, "_keys", keys)

    @classmethod
    def from_hex(
        cls,
        current_hex: str | Secret,
        current_version: int,
        older: Mapping[int, str | Secret] = _EMPTY,
    ) -> Keyring:
        """Make a keyring from hex keys.

        Args:
            current_hex: The current key, as the credentials' ``encryption_key``.
            current_version: Its version, the credentials' ``key_version``.
            older: Older keys by version.

        Raises:
            InvalidKeyError: A key is not 16/24/32 bytes of hex, or a version is out of range.
            ValidationError: Two different keys for one version.
        """
        current = EncryptionKey.from_hex(current_hex, current_version)
        return cls(current, [EncryptionKey.from_hex(h, v) for v, h in older.items()])

    @property
    def current_version(self) -> int:
        """The version of the current key."""
        return self._current.version

    def encrypt(self, content: str, user_id: str | UUID) -> str:
        """Encrypt memory content for a user under the current key, with a fresh random nonce.

        Args:
            content: Any text.
            user_id: The user's id: a UUID, or its text (hex in either case, with or without
                hyphens).

        Returns:
            A v1 envelope, ``"mrm1."`` and base64url text.

        Raises:
            ValidationError: ``content`` is not a str or not encodable as UTF-8 (a lone
                surrogate), or ``user_id`` is not a UUID.
        """
        current = self._current
        return seal(current._aead, current.version, content, user_id, os.urandom(NONCE_SIZE))

    def decrypt(self, envelope: str, user_id: str | UUID, *, memory_id: str | None = None) -> str:
        """Decrypt an envelope written for this user under any key version of this keyring.

        Args:
            envelope: The memory's content as the server returned it.
            user_id: The user the envelope was written for.
            memory_id: The memory's id, named in the error when decryption fails.

        Returns:
            The content.

        Raises:
            DecryptionError: Not a well-formed v1 envelope, a key version this keyring lacks, or
                a failed authentication tag (wrong key, wrong user, altered content).
            ValidationError: ``user_id`` is not a UUID.
        """
        aad_user = user_bytes(user_id)

        def aead_for(version: int) -> AESGCM:
            key = self._keys.get(version)
            if key is None:
                raise DecryptionError(
                    f"no key for key version {version} (this keyring has {_list(self._keys)})",
                    memory_id=memory_id,
                )
            return key._aead

        return unseal(envelope, aad_user, aead_for, memory_id)

    def reencrypt(self, envelope: str, user_id: str | UUID, *, memory_id: str | None = None) -> str:
        """Decrypt an envelope under whatever version it names and encrypt it under the current key.

        Raises:
            DecryptionError: As :meth:`decrypt`.
            ValidationError: ``user_id`` is not a UUID.
        """
        return self.encrypt(self.decrypt(envelope, user_id, memory_id=memory_id), user_id)

    def needs_reencryption(self, envelope: str, *, memory_id: str | None = None) -> bool:
        """Whether the envelope was written under a key version other than the current one.

        Raises:
            DecryptionError: The text is not a well-formed v1 envelope.
        """
        return envelope_key_version(envelope, memory_id=memory_id) != self._current.version

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"Keyring is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"Keyring is immutable; cannot delete {name!r}")

    def __repr__(self) -> str:
        return f"Keyring(current_version={self.current_version}, versions=[{_list(self._keys)}])"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Keyring is not pickled; store its hex keys deliberately")


def _check_version(version: int) -> int:
    if isinstance(version, bool) or not isinstance(version, int):
        raise InvalidKeyError(f"key_version must be an int, not {type(version).__name__}")
    if not 0 <= version <= KEY_VERSION_MAX:
        raise InvalidKeyError("key_version must be between 0 and 2**32 - 1")
    return version


def _list(keys: Mapping[int, EncryptionKey]) -> str:
    return ", ".join(str(v) for v in sorted(keys))
