"""The encryption envelope (format v1) for memory content, and the keys that open it.

A v1 envelope is the text ``"mrm1."`` followed by unpadded base64url of::

    header (5 bytes)   alg_id (1 byte, 0x01 = AES-GCM) || key_version (4 bytes, big-endian)
    nonce (12 bytes)   os.urandom(12), fresh for every encryption
    sealed (n + 16)    AESGCM(key).encrypt(nonce, utf8(content), aad): ciphertext || tag

with ``aad = b"mrm1" || header || user_id``, the user id as its 36-character lowercase canonical
text. docs/encryption.md describes the format byte by byte and why it is built this way.
"""

from __future__ import annotations

import binascii
import hmac
import os
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final, NoReturn, final
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ._errors import DecryptionError, InvalidKeyError, ValidationError
from ._secret import Secret

__all__ = [
    "ENVELOPE_PREFIX",
    "EncryptionKey",
    "Keyring",
    "envelope_key_version",
    "is_envelope",
]

ENVELOPE_PREFIX: Final = "mrm1."
ALG_AES_GCM: Final = 0x01
KEY_VERSION_MAX: Final = 2**32 - 1
KEY_SIZES: Final = (16, 24, 32)

_AAD_PREFIX: Final = b"mrm1"
_HEADER_SIZE: Final = 5
_NONCE_SIZE: Final = 12
_TAG_SIZE: Final = 16
_BODY_OFFSET: Final = _HEADER_SIZE + _NONCE_SIZE
_PREFIX_LEN: Final = len(ENVELOPE_PREFIX)
_PREFIX_BYTES: Final = ENVELOPE_PREFIX.encode("ascii")
# header + nonce + tag = 33 bytes, exactly 44 base64 characters.
_MIN_BODY_CHARS: Final = (_BODY_OFFSET + _TAG_SIZE) * 4 // 3

_ALPHABET: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# base64url -> standard base64 for binascii, in one C-level pass. Every byte outside the url-safe
# alphabet (including '+', '/' and '=', which binascii would otherwise accept) becomes '!', which
# binascii's strict mode refuses.
_TO_STANDARD: Final = bytes(
    b if b in _ALPHABET[:62] else {45: 43, 95: 47}.get(b, 33) for b in range(256)
)
_TO_URLSAFE: Final = bytes.maketrans(b"+/", b"-_")
_PADDING: Final = {2: b"==", 3: b"="}
_HEADER_TAG: Final = bytes((ALG_AES_GCM,))
_STR_TO_STANDARD: Final = str.maketrans("-_", "+/")
# The last character of an unpadded body whose length is 2 or 3 (mod 4) carries 4 or 2 unused
# bits; a canonical encoding leaves them zero, so that each envelope has exactly one text form.
_CANONICAL_LAST: Final = {2: frozenset("AQgw"), 3: frozenset("AEIMQUYcgkosw048")}
_HEX: Final = re.compile(r"[0-9a-fA-F]*")
_CANONICAL_UUID: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# What else a user id may look like: hex in either case, hyphenated or the 32 bare digits. (UUID()
# alone would also take braces, "urn:uuid:" and int()'s underscores.)
_UUID_TEXT: Final = re.compile(
    r"[0-9a-fA-F]{8}(-?)[0-9a-fA-F]{4}\1[0-9a-fA-F]{4}\1[0-9a-fA-F]{4}\1[0-9a-fA-F]{12}"
)

_EMPTY: Final[Mapping[int, str | Secret]] = MappingProxyType({})

_REASON_TAG: Final = "authentication failed (wrong key, wrong user or altered content)"


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
        text = hex_key.reveal() if isinstance(hex_key, Secret) else hex_key
        if not isinstance(text, str):
            raise InvalidKeyError(f"an encryption key must be hex text, not {type(text).__name__}")
        if not _HEX.fullmatch(text):
            raise InvalidKeyError("the encryption key is not hex (only 0-9, a-f and A-F allowed)")
        if len(text) % 2:
            raise InvalidKeyError(
                f"the encryption key has an odd number of hex digits ({len(text)})"
            )
        return cls(bytes.fromhex(text), version)

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
    def current(self) -> EncryptionKey:
        """The key new content is encrypted with."""
        return self._current

    @property
    def current_version(self) -> int:
        """The version of the current key."""
        return self._current.version

    @property
    def versions(self) -> frozenset[int]:
        """Every key version this keyring can decrypt."""
        return frozenset(self._keys)

    def rotated(self, new_current: EncryptionKey) -> Keyring:
        """A keyring whose current key is ``new_current``, keeping every key of this one."""
        return Keyring(new_current, self._keys.values())

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
        return _seal(self._current, content, user_id, os.urandom(_NONCE_SIZE))

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
        aad_user = _user_bytes(user_id)
        raw = _decode(envelope, memory_id)
        header = raw[:_HEADER_SIZE]
        version = int.from_bytes(header[1:], "big")
        key = self._keys.get(version)
        if key is None:
            raise DecryptionError(
                f"no key for key version {version} (this keyring has {_list(self._keys)})",
                memory_id=memory_id,
            )
        view = memoryview(raw)
        try:
            data = key._aead.decrypt(
                view[_HEADER_SIZE:_BODY_OFFSET],
                view[_BODY_OFFSET:],
                _AAD_PREFIX + header + aad_user,
            )
        except InvalidTag:
            raise DecryptionError(_REASON_TAG, memory_id=memory_id) from None
        # For large content a lower peak lets the allocator reuse memory: measured 25% faster.
        del view, raw
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptionError(
                "the decrypted content is not UTF-8", memory_id=memory_id
            ) from None

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


def is_envelope(text: object) -> bool:
    """Whether ``text`` is shaped like a v1 envelope, without decrypting it. Never raises.

    Checks the prefix, strict canonical base64url, the minimum length and the algorithm id; it
    cannot tell whether the tag is valid.
    """
    return _structure_error(text) is None


def envelope_key_version(envelope: str, *, memory_id: str | None = None) -> int:
    """The key version written in a v1 envelope's header (without decrypting it).

    Raises:
        DecryptionError: The text is not a well-formed v1 envelope.
    """
    reason = _structure_error(envelope)
    if reason is not None:
        raise DecryptionError(reason, memory_id=memory_id)
    head = binascii.a2b_base64(envelope[_PREFIX_LEN : _PREFIX_LEN + 8].translate(_STR_TO_STANDARD))
    return int.from_bytes(head[1:_HEADER_SIZE], "big")


def _encrypt_with_nonce(key: EncryptionKey, content: str, user_id: str | UUID, nonce: bytes) -> str:
    """Encrypt with a chosen nonce. For known-answer vectors and tests only: never reuse a nonce."""
    if not isinstance(nonce, bytes) or len(nonce) != _NONCE_SIZE:
        raise ValueError("the nonce must be 12 bytes")
    return _seal(key, content, user_id, nonce)


def _seal(key: EncryptionKey, content: str, user_id: str | UUID, nonce: bytes) -> str:
    if not isinstance(content, str):
        raise ValidationError(f"memory content must be a str, not {type(content).__name__}")
    aad_user = _user_bytes(user_id)
    try:
        data = content.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            "memory content cannot be encoded as UTF-8 (it holds a lone surrogate)"
        ) from None
    header = _HEADER_TAG + key.version.to_bytes(4, "big")
    sealed = key._aead.encrypt(nonce, data, _AAD_PREFIX + header + aad_user)
    del data
    # header + nonce + the first sealed byte are 18 bytes, 6 whole base64 groups, so they encode
    # apart from the rest without slicing (copying) the ciphertext.
    head = binascii.b2a_base64(header + nonce + sealed[:1], newline=False)
    tail = binascii.b2a_base64(memoryview(sealed)[1:], newline=False)
    del sealed
    return (_PREFIX_BYTES + head + tail).translate(_TO_URLSAFE, b"=").decode("ascii")


def _decode(envelope: object, memory_id: str | None) -> bytes:
    """The raw bytes of a v1 envelope (header || nonce || sealed), or DecryptionError."""
    # Fast path: binascii's strict mode checks the alphabet while decoding. Only a failure pays
    # for _structure_error, which names the first problem in a fixed order.
    if isinstance(envelope, str) and envelope.startswith(ENVELOPE_PREFIX):
        size = len(envelope) - _PREFIX_LEN
        rest = size % 4
        if size >= _MIN_BODY_CHARS and (not rest or envelope[-1] in _CANONICAL_LAST.get(rest, ())):
            try:
                body = envelope.encode("ascii").translate(_TO_STANDARD)
                end = len(body) - rest
                raw = binascii.a2b_base64(memoryview(body)[_PREFIX_LEN:end], strict_mode=True)
                if rest:  # the last partial group, with the padding v1 leaves out restored
                    raw += binascii.a2b_base64(body[end:] + _PADDING[rest], strict_mode=True)
            except (UnicodeEncodeError, binascii.Error):
                pass
            else:
                if raw[0] == ALG_AES_GCM:
                    return raw
    reason = _structure_error(envelope) or "not a well-formed envelope"
    raise DecryptionError(reason, memory_id=memory_id)


def _structure_error(text: object) -> str | None:
    """Why ``text`` is not a well-formed v1 envelope, or None. Cost: one C pass over the text."""
    if not isinstance(text, str):
        return f"the content is not text ({type(text).__name__})"
    if not text.startswith(ENVELOPE_PREFIX):
        return f"not an envelope of this SDK (no {ENVELOPE_PREFIX!r} prefix: plaintext?)"
    size = len(text) - _PREFIX_LEN
    # The prefix's letters are in the alphabet: a body in the alphabet leaves just the prefix's ".".
    if not text.isascii() or text.encode("ascii").translate(None, _ALPHABET) != b".":
        if "=" in text:
            return "base64 padding is not allowed"
        return "a character outside the base64url alphabet (A-Z a-z 0-9 - _)"
    if size < _MIN_BODY_CHARS:
        return "too short for header, nonce and tag"
    rest = size % 4
    if rest == 1 or (rest and text[-1] not in _CANONICAL_LAST[rest]):
        return "not canonical base64url"
    # The first base64 character holds the top 6 bits of the algorithm id, the second its last 2.
    alg = (_ALPHABET.index(ord(text[_PREFIX_LEN])) << 2) | (
        _ALPHABET.index(ord(text[_PREFIX_LEN + 1])) >> 4
    )
    if alg != ALG_AES_GCM:
        return f"unknown algorithm id {alg}"
    return None


def _user_bytes(user_id: str | UUID) -> bytes:
    """The user id as associated data: its 36-character lowercase canonical text, ASCII."""
    if isinstance(user_id, UUID):
        return str(user_id).encode("ascii")
    if isinstance(user_id, str):
        if _CANONICAL_UUID.fullmatch(user_id):
            return user_id.encode("ascii")
        if _UUID_TEXT.fullmatch(user_id):
            return str(UUID(user_id)).encode("ascii")
    raise ValidationError("user_id must be a UUID (e.g. '123e4567-e89b-12d3-a456-426614174000')")


def _check_version(version: int) -> int:
    if isinstance(version, bool) or not isinstance(version, int):
        raise InvalidKeyError(f"key_version must be an int, not {type(version).__name__}")
    if not 0 <= version <= KEY_VERSION_MAX:
        raise InvalidKeyError(f"key_version must be between 0 and 2**32 - 1, not {version}")
    return version


def _list(keys: Mapping[int, EncryptionKey]) -> str:
    return ", ".join(str(v) for v in sorted(keys))
