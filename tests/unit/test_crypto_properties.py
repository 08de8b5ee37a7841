"""Properties of the v1 envelope, checked with hypothesis."""

from __future__ import annotations

import base64
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memoram_async._crypto import (
    EncryptionKey,
    Keyring,
)
from memoram_async._envelope import ENVELOPE_PREFIX, envelope_key_version, is_envelope
from memoram_async._errors import DecryptionError

B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# Replacements outside the alphabet: standard base64, padding, the prefix's dot, space, control
# characters, look-alikes and non-ASCII.
OTHER_CHARS = "+/=. \n\t\x00!~%\u00e9\u0410\uff21\U0001f600"
USER = "6f1c2a9e-3b47-4d8a-9c15-2e7b0f4d8a61"

PROPERTY = settings(max_examples=200, deadline=None)
FEW = settings(max_examples=25, deadline=None)

keys = st.builds(
    EncryptionKey,
    st.sampled_from([16, 24, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
    st.integers(min_value=0, max_value=2**32 - 1),
)
# Short texts keep the exhaustive per-bit and per-character checks quick.
short_texts = st.text(max_size=12)


def encode(raw: bytes) -> str:
    return ENVELOPE_PREFIX + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(envelope: str) -> bytes:
    text = envelope[len(ENVELOPE_PREFIX) :]
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@PROPERTY
@given(key=keys, text=st.text(), user=st.uuids())
def test_round_trip(key: EncryptionKey, text: str, user: uuid.UUID) -> None:
    """Any text decrypts to itself, and its envelope is recognised with the key's version."""
    keyring = Keyring(key)
    envelope = keyring.encrypt(text, user)
    assert is_envelope(envelope)
    assert envelope_key_version(envelope) == key.version
    assert keyring.decrypt(envelope, str(user)) == text


@FEW
@given(key=keys, text=short_texts)
def test_every_flipped_bit_is_rejected(key: EncryptionKey, text: str) -> None:
    """Flipping any single bit of the decoded body (header, nonce, ciphertext, tag) fails."""
    keyring = Keyring(key)
    raw = decode(keyring.encrypt(text, USER))
    for index in range(len(raw)):
        for bit in range(8):
            changed = bytearray(raw)
            changed[index] ^= 1 << bit
            with pytest.raises(DecryptionError):
                keyring.decrypt(encode(bytes(changed)), USER)


@PROPERTY
@given(key=keys, text=short_texts, data=st.data())
def test_any_flipped_bit_is_rejected(key: EncryptionKey, text: str, data: st.DataObject) -> None:
    """A single flipped bit anywhere in a body of any length fails."""
    keyring = Keyring(key)
    raw = bytearray(decode(keyring.encrypt(text, USER)))
    position = data.draw(st.integers(min_value=0, max_value=len(raw) * 8 - 1))
    raw[position // 8] ^= 1 << (position % 8)
    with pytest.raises(DecryptionError):
        keyring.decrypt(encode(bytes(raw)), USER)


@PROPERTY
@given(key=keys, text=short_texts, data=st.data())
def test_any_changed_character_is_rejected(
    key: EncryptionKey, text: str, data: st.DataObject
) -> None:
    """Replacing any one character of an envelope with any other character fails."""
    keyring = Keyring(key)
    envelope = keyring.encrypt(text, USER)
    index = data.draw(st.integers(min_value=0, max_value=len(envelope) - 1))
    replacement = data.draw(
        st.sampled_from(B64URL + OTHER_CHARS).filter(lambda c: c != envelope[index])
        | st.characters().filter(lambda c: c != envelope[index])
    )
    changed = envelope[:index] + replacement + envelope[index + 1 :]
    with pytest.raises(DecryptionError):
        keyring.decrypt(changed, USER)


@pytest.mark.parametrize("length", [0, 1, 2], ids=["rest-0", "rest-2", "rest-3"])
def test_every_changed_character_is_rejected(length: int) -> None:
    """Any character replaced at any position is refused, for each body length mod 4."""
    keyring = Keyring(EncryptionKey(bytes(range(32)), 7))
    envelope = keyring.encrypt("x" * length, USER)
    assert (len(envelope) - len(ENVELOPE_PREFIX)) % 4 == [0, 2, 3][length]
    for index, original in enumerate(envelope):
        for replacement in B64URL + OTHER_CHARS:
            if replacement != original:
                changed = envelope[:index] + replacement + envelope[index + 1 :]
                with pytest.raises(DecryptionError):
                    keyring.decrypt(changed, USER)


@PROPERTY
@given(key=keys, text=short_texts, data=st.data())
def test_truncated_or_extended_envelope_is_rejected(
    key: EncryptionKey, text: str, data: st.DataObject
) -> None:
    """Dropping a tail of an envelope, or appending base64url characters, fails."""
    keyring = Keyring(key)
    envelope = keyring.encrypt(text, USER)
    cut = data.draw(st.integers(min_value=0, max_value=len(envelope) - 1))
    extra = data.draw(st.text(alphabet=B64URL, min_size=1, max_size=8))
    for changed in (envelope[:cut], envelope + extra):
        with pytest.raises(DecryptionError):
            keyring.decrypt(changed, USER)


@PROPERTY
@given(key=keys, text=st.text(), users=st.lists(st.uuids(), min_size=2, max_size=2, unique=True))
def test_envelope_is_bound_to_its_user(
    key: EncryptionKey, text: str, users: list[uuid.UUID]
) -> None:
    """An envelope written for one user never decrypts for another."""
    keyring = Keyring(key)
    envelope = keyring.encrypt(text, users[0])
    with pytest.raises(DecryptionError, match="authentication failed"):
        keyring.decrypt(envelope, users[1])


@PROPERTY
@given(
    v2=st.binary(min_size=32, max_size=32),
    v1=st.binary(min_size=16, max_size=16),
    text=st.text(),
)
def test_version_2_envelope_needs_the_version_2_key(v2: bytes, v1: bytes, text: str) -> None:
    """A version-2 envelope needs the version-2 key: missing it fails, holding it as older works."""
    envelope = Keyring(EncryptionKey(v2, 2)).encrypt(text, USER)
    assert envelope_key_version(envelope) == 2
    without = Keyring(EncryptionKey(v1, 1))
    with pytest.raises(DecryptionError, match="no key for key version 2"):
        without.decrypt(envelope, USER)
    with pytest.raises(DecryptionError, match="no key for key version 2"):
        without.reencrypt(envelope, USER)
    rotated = Keyring(EncryptionKey(v1, 3), [EncryptionKey(v2, 2)])
    assert rotated.decrypt(envelope, USER) == text


@PROPERTY
@given(old=keys, new=keys, text=st.text())
def test_reencrypt_moves_to_the_current_version(
    old: EncryptionKey, new: EncryptionKey, text: str
) -> None:
    """Re-encryption gives an envelope of the current version with the same plaintext."""
    if old.version == new.version:
        new = EncryptionKey(bytes(32), (old.version + 1) % 2**32)
    envelope = Keyring(old).encrypt(text, USER)
    keyring = Keyring(new, [old])
    assert keyring.needs_reencryption(envelope)
    moved = keyring.reencrypt(envelope, USER)
    assert envelope_key_version(moved) == new.version
    assert not keyring.needs_reencryption(moved)
    assert Keyring(new).decrypt(moved, USER) == text


@PROPERTY
@given(
    text=st.text()
    | st.text(alphabet=B64URL).map(lambda t: ENVELOPE_PREFIX + t)
    | st.text(alphabet=B64URL + OTHER_CHARS, min_size=44).map(lambda t: ENVELOPE_PREFIX + t)
)
def test_arbitrary_text_fails_only_with_decryption_error(text: str) -> None:
    """Decrypting arbitrary text raises DecryptionError only; is_envelope never raises."""
    keyring = Keyring(EncryptionKey(bytes(16), 1))
    shaped = is_envelope(text)
    with pytest.raises(DecryptionError) as caught:
        keyring.decrypt(text, USER)
    if not shaped:
        assert "authentication failed" not in caught.value.reason
