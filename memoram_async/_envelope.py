"""The encryption envelope, format v1: how memory content is sealed into text and read back.

A v1 envelope is the text ``"mrm1."`` followed by unpadded base64url of::

    header (5 bytes)   alg_id (1 byte, 0x01 = AES-GCM) || key_version (4 bytes, big-endian)
    nonce (12 bytes)   os.urandom(12), fresh for every encryption
    sealed (n + 16)    AESGCM(key).encrypt(nonce, utf8(content), aad): ciphertext || tag

with ``aad = b"mrm1" || header || user_id``, the user id as its 36-character lowercase canonical
text. docs/encryption.md describes the format byte by byte and why it is built this way. This
module knows the format only; which key opens an envelope is the keyring's business (``_crypto``).
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable
from typing import Final
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ._errors import DecryptionError, ValidationError

ENVELOPE_PREFIX: Final = "mrm1."
ALG_AES_GCM: Final = 0x01
KEY_VERSION_MAX: Final = 2**32 - 1

_AAD_PREFIX: Final = b"mrm1"
_HEADER_SIZE: Final = 5
NONCE_SIZE: Final = 12
_TAG_SIZE: Final = 16
_BODY_OFFSET: Final = _HEADER_SIZE + NONCE_SIZE
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
_CANONICAL_UUID: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# What else a user id may look like: hex in either case, hyphenated or the 32 bare digits. (UUID()
# alone would also take braces, "urn:uuid:" and int()'s underscores.)
_UUID_TEXT: Final = re.compile(
    r"[0-9a-fA-F]{8}(-?)[0-9a-fA-F]{4}\1[0-9a-fA-F]{4}\1[0-9a-fA-F]{4}\1[0-9a-fA-F]{12}"
)

_REASON_TAG: Final = "authentication failed (wrong key, wrong user or altered content)"


def is_envelope(text: object) -> bool:
    """Whether ``text`` is shaped like a v1 envelope, without decrypting it. Never raises.

    Checks the prefix, strict canonical base64url, the minimum length and the algorithm id; it
    cannot tell whether the tag is valid.
    """
    return structure_error(text) is None


def envelope_key_version(envelope: str, *, memory_id: str | None = None) -> int:
    """The key version written in a v1 envelope's header (without decrypting it).

    Raises:
        DecryptionError: The text is not a well-formed v1 envelope.
    """
    reason = structure_error(envelope)
    if reason is not None:
        raise DecryptionError(reason, memory_id=memory_id)
    head = binascii.a2b_base64(envelope[_PREFIX_LEN : _PREFIX_LEN + 8].translate(_STR_TO_STANDARD))
    return int.from_bytes(head[1:_HEADER_SIZE], "big")


def seal(aead: AESGCM, version: int, content: str, user_id: str | UUID, nonce: bytes) -> str:
    """Seal ``content`` for ``user_id`` under the key ``aead`` of key version ``version``."""
    if not isinstance(content, str):
        raise ValidationError(f"memory content must be a str, not {type(content).__name__}")
    aad_user = user_bytes(user_id)
    try:
        data = content.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            "memory content cannot be encoded as UTF-8 (it holds a lone surrogate)"
        ) from None
    header = _HEADER_TAG + version.to_bytes(4, "big")
    sealed = aead.encrypt(nonce, data, _AAD_PREFIX + header + aad_user)
    del data
    # header + nonce + the first sealed byte are 18 bytes, 6 whole base64 groups, so they encode
    # apart from the rest without slicing (copying) the ciphertext.
    head = binascii.b2a_base64(header + nonce + sealed[:1], newline=False)
    tail = binascii.b2a_base64(memoryview(sealed)[1:], newline=False)
    del sealed
    return (_PREFIX_BYTES + head + tail).translate(_TO_URLSAFE, b"=").decode("ascii")


def decode(envelope: object, memory_id: str | None) -> bytes:
    """The raw bytes of a v1 envelope (header || nonce || sealed), or DecryptionError."""
    # Fast path: binascii's strict mode checks the alphabet while decoding. Only a failure pays
    # for structure_error, which names the first problem in a fixed order.
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
    reason = structure_error(envelope) or "not a well-formed envelope"
    raise DecryptionError(reason, memory_id=memory_id)


def structure_error(text: object) -> str | None:
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


def user_bytes(user_id: str | UUID) -> bytes:
    """The user id as associated data: its 36-character lowercase canonical text, ASCII."""
    if isinstance(user_id, UUID):
        return str(user_id).encode("ascii")
    if isinstance(user_id, str):
        if _CANONICAL_UUID.fullmatch(user_id):
            return user_id.encode("ascii")
        if _UUID_TEXT.fullmatch(user_id):
            return str(UUID(user_id)).encode("ascii")
    raise ValidationError("user_id must be a UUID (e.g. '123e4567-e89b-12d3-a456-426614174000')")


def unseal(
    envelope: str,
    aad_user: bytes,
    aead_for: Callable[[int], AESGCM],
    memory_id: str | None,
) -> str:
    """Authenticate and decrypt an envelope with the key ``aead_for`` gives for its version.

    ``aad_user`` is the user id as :func:`user_bytes` returns it. Raises DecryptionError.
    """
    raw = decode(envelope, memory_id)
    header = raw[:_HEADER_SIZE]
    aead = aead_for(int.from_bytes(header[1:], "big"))
    view = memoryview(raw)
    try:
        data = aead.decrypt(
            view[_HEADER_SIZE:_BODY_OFFSET], view[_BODY_OFFSET:], _AAD_PREFIX + header + aad_user
        )
    except InvalidTag:
        raise DecryptionError(_REASON_TAG, memory_id=memory_id) from None
    # For large content a lower peak lets the allocator reuse memory: measured 25% faster.
    del view, raw
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise DecryptionError("the decrypted content is not UTF-8", memory_id=memory_id) from None
