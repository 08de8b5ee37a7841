"""The v1 encryption envelope: known-answer vectors, keys, keyrings and their errors."""

from __future__ import annotations

import ast
import base64
import hashlib
import importlib.util
import json
import pickle
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from memoram_async._crypto import EncryptionKey, Keyring
from memoram_async._envelope import ENVELOPE_PREFIX, envelope_key_version, is_envelope, seal
from memoram_async._errors import (
    DecryptionError,
    InvalidKeyError,
    MemoramError,
    ValidationError,
)
from memoram_async._secret import Secret

ROOT = Path(__file__).resolve().parents[2]
VECTORS_PATH = ROOT / "tests" / "vectors" / "encryption-v1.json"
VECTORS: dict[str, Any] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))

USER = "6f1c2a9e-3b47-4d8a-9c15-2e7b0f4d8a61"
OTHER_USER = "0b7e4c1d-92a5-4f36-8e0d-5a1c3b9f7e24"
KEY_HEX = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
KEY2_HEX = "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f"

# The failing check named by each negative vector, and the words its DecryptionError reason holds.
REASONS = {
    "tag": "authentication failed",
    "key_version": "no key for key version",
    "algorithm": "unknown algorithm id",
    "padding": "padding is not allowed",
    "alphabet": "outside the base64url alphabet",
    "prefix": "prefix",
    "short": "too short",
    "canonical": "not canonical",
}
# Checks that need the key: the text itself is shaped like an envelope.
KEYED_CHECKS = {"tag", "key_version"}


def load_script() -> ModuleType:
    """scripts/make_vectors.py as a module."""
    spec = importlib.util.spec_from_file_location(
        "make_vectors", ROOT / "scripts" / "make_vectors.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def body(envelope: str) -> bytes:
    """The decoded body of a well-formed envelope."""
    text = envelope[len(ENVELOPE_PREFIX) :]
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def by_name(section: str) -> list[Any]:
    return [pytest.param(v, id=v["name"]) for v in VECTORS[section]]


# --- known-answer vectors ------------------------------------------------------------------


def test_vectors_file_is_what_the_script_generates() -> None:
    """The committed vectors are exactly the output of scripts/make_vectors.py."""
    assert load_script().build() == VECTORS_PATH.read_text(encoding="utf-8")


def test_vector_script_is_independent_of_the_sdk() -> None:
    """scripts/make_vectors.py imports nothing of memoram_async: a second, independent opinion."""
    tree = ast.parse((ROOT / "scripts" / "make_vectors.py").read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name.split(".")[0] == "memoram_async"}


def test_vectors_cover_the_required_cases() -> None:
    """Empty, multi-byte UTF-8, AES-128/192/256, versions 1 and 2**32-1, and 1 MiB are present."""
    positive = VECTORS["positive"]
    assert "" in [v["plaintext"] for v in positive]
    assert any(any(ord(c) > 0xFFFF for c in v["plaintext"]) for v in positive)
    assert {len(v["key"]) // 2 for v in positive} == {16, 24, 32}
    assert {1, 2**32 - 1} <= {v["key_version"] for v in positive}
    assert VECTORS["large"][0]["plaintext_utf8_bytes"] == 1 << 20
    assert set(REASONS) == {v["error"] for v in VECTORS["negative"]}


def encrypt_with_nonce(key: EncryptionKey, content: str, user_id: str, nonce: bytes) -> str:
    """Seal under ``key`` with a chosen nonce: for the known-answer vectors only."""
    return seal(key._aead, key.version, content, user_id, nonce)


@pytest.mark.parametrize("vector", by_name("positive"))
def test_encrypt_reproduces_the_vector(vector: dict[str, Any]) -> None:
    """With the vector's nonce, encryption gives exactly the vector's envelope."""
    key = EncryptionKey.from_hex(vector["key"], vector["key_version"])
    nonce = bytes.fromhex(vector["nonce"])
    assert (
        encrypt_with_nonce(key, vector["plaintext"], vector["user_id"], nonce) == vector["envelope"]
    )


@pytest.mark.parametrize("vector", by_name("positive"))
def test_decrypt_recovers_the_vector(vector: dict[str, Any]) -> None:
    """The keyring decrypts the vector's envelope to its plaintext and reads its header."""
    keyring = Keyring.from_hex(vector["key"], vector["key_version"])
    envelope = vector["envelope"]
    assert keyring.decrypt(envelope, vector["user_id"]) == vector["plaintext"]
    assert is_envelope(envelope)
    assert envelope_key_version(envelope) == vector["key_version"]
    assert not keyring.needs_reencryption(envelope)


def test_envelope_helpers_are_public() -> None:
    """is_envelope and envelope_key_version, which docs/encryption.md documents, import from
    memoram_async and read a vector's header without a key."""
    from memoram_async import envelope_key_version as public_key_version
    from memoram_async import is_envelope as public_is_envelope

    vector = VECTORS["positive"][0]
    assert public_is_envelope(vector["envelope"])
    assert not public_is_envelope("plain text")
    assert public_key_version(vector["envelope"]) == vector["key_version"]
    with pytest.raises(DecryptionError):
        public_key_version("plain text")


@pytest.mark.parametrize("vector", by_name("large"))
def test_large_vector_both_directions(vector: dict[str, Any]) -> None:
    """The 1 MiB recipe encrypts to the recorded digest, and that envelope decrypts back."""
    text = load_script().large_plaintext(vector["plaintext_recipe"])
    data = text.encode("utf-8")
    assert len(data) == vector["plaintext_utf8_bytes"]
    assert hashlib.sha256(data).hexdigest() == vector["plaintext_sha256"]
    key = EncryptionKey.from_hex(vector["key"], vector["key_version"])
    envelope = encrypt_with_nonce(key, text, vector["user_id"], bytes.fromhex(vector["nonce"]))
    assert len(envelope) == vector["envelope_length"]
    assert envelope[:64] == vector["envelope_head"]
    assert envelope[-64:] == vector["envelope_tail"]
    assert hashlib.sha256(envelope.encode()).hexdigest() == vector["envelope_sha256"]
    decrypted = Keyring(key).decrypt(envelope, vector["user_id"])
    assert hashlib.sha256(decrypted.encode("utf-8")).hexdigest() == vector["plaintext_sha256"]


@pytest.mark.parametrize("vector", by_name("negative"))
def test_negative_vector_fails_with_its_check(vector: dict[str, Any]) -> None:
    """Each negative vector raises DecryptionError naming the check it fails, with no secrets."""
    older = {int(v): k for v, k in vector["older_keys"].items()}
    keyring = Keyring.from_hex(vector["key"], vector["key_version"], older)
    with pytest.raises(DecryptionError) as caught:
        keyring.decrypt(vector["envelope"], vector["user_id"], memory_id="mem_123456789")
    error = caught.value
    assert REASONS[vector["error"]] in error.reason
    assert error.memory_id == "mem_123456789"
    message = str(error)
    assert "mem_123456789" in message
    assert vector["key"] not in message.lower()
    assert "the user prefers tea" not in message
    assert is_envelope(vector["envelope"]) == (vector["error"] in KEYED_CHECKS)


# --- keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "algorithm"), [(16, "AES-128-GCM"), (24, "AES-192-GCM"), (32, "AES-256-GCM")]
)
def test_key_sizes_accepted(size: int, algorithm: str) -> None:
    """16, 24 and 32 bytes of hex, in either case, make AES-128/192/256 keys."""
    key = EncryptionKey.from_hex("Ab" * size, 3)
    assert key.algorithm == algorithm
    assert key.version == 3
    assert key == EncryptionKey(bytes([0xAB]) * size, 3)


@pytest.mark.parametrize(
    "hex_key",
    [
        pytest.param("", id="0-bytes"),
        pytest.param("ab" * 15, id="15-bytes"),
        pytest.param("ab" * 31, id="31-bytes"),
        pytest.param("ab" * 33, id="33-bytes"),
        pytest.param("ab" * 64, id="64-bytes"),
        pytest.param("abc" * 21, id="odd-length"),
        pytest.param("zz" * 16, id="not-hex"),
        pytest.param("0x" + "ab" * 15, id="0x-prefix"),
        pytest.param("ab" * 15 + " ab", id="space"),
        pytest.param("ab" * 16 + "\n", id="newline"),
        pytest.param("\uff10" * 32, id="fullwidth-digits"),
    ],
)
def test_bad_keys_rejected_without_echoing_them(hex_key: str) -> None:
    """Anything but 16/24/32 bytes of hex is an InvalidKeyError (a ValueError) without the key."""
    with pytest.raises(InvalidKeyError) as caught:
        EncryptionKey.from_hex(hex_key, 1)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, ValidationError)
    if hex_key.strip():
        assert hex_key.strip() not in str(caught.value)


def test_bad_key_types_rejected() -> None:
    """A key that is not text (or bytes, for the constructor) is an InvalidKeyError."""
    with pytest.raises(InvalidKeyError):
        EncryptionKey.from_hex(b"ab" * 16, 1)  # type: ignore[arg-type]
    with pytest.raises(InvalidKeyError):
        EncryptionKey(bytearray(16), 1)  # type: ignore[arg-type]


@pytest.mark.parametrize("version", [-1, 2**32, 2**64, True, 1.0, "1", None])
def test_key_version_out_of_range_rejected(version: Any) -> None:
    """A key version must be an int from 0 to 2**32 - 1; the refusal never echoes the value."""
    with pytest.raises(InvalidKeyError) as caught:
        EncryptionKey.from_hex(KEY_HEX, version)
    if isinstance(version, int) and not isinstance(version, bool):
        assert str(version) not in str(caught.value)


@pytest.mark.parametrize("version", [0, 2**32 - 1])
def test_key_version_bounds_accepted(version: int) -> None:
    """The ends of the key version range are valid."""
    assert EncryptionKey.from_hex(KEY_HEX, version).version == version


def test_key_accepts_a_secret() -> None:
    """A Secret holding the hex works like the hex itself."""
    assert EncryptionKey.from_hex(Secret(KEY_HEX), 1) == EncryptionKey.from_hex(KEY_HEX, 1)


def test_repr_and_str_hold_no_key_material() -> None:
    """Neither repr nor str of a key or keyring shows the key as hex or bytes."""
    raw = bytes.fromhex(KEY_HEX)
    key = EncryptionKey(raw, 5)
    keyring = Keyring(key, [EncryptionKey.from_hex(KEY2_HEX, 4)])
    for shown in (repr(key), str(key), f"{key}", repr(keyring), str(keyring), f"{keyring!r}"):
        for secret in (KEY_HEX, KEY2_HEX):
            assert secret not in shown.lower()
            assert secret[:8] not in shown.lower()
        assert repr(raw) not in shown
        assert repr(raw)[2:12] not in shown
    assert "version=5" in repr(key)
    assert repr(keyring) == "Keyring(current_version=5, versions=[4, 5])"


def test_keys_and_keyrings_are_immutable_and_not_pickled() -> None:
    """Keys and keyrings refuse attribute changes and pickling."""
    key = EncryptionKey.from_hex(KEY_HEX, 1)
    keyring = Keyring(key)
    for obj in (key, keyring):
        with pytest.raises(AttributeError):
            obj.version = 2
        with pytest.raises(AttributeError):
            del obj._current  # type: ignore[union-attr]
        with pytest.raises(TypeError):
            pickle.dumps(obj)


def test_key_equality() -> None:
    """Keys are equal when bytes and version are; hashing follows."""
    a, b = EncryptionKey.from_hex(KEY_HEX, 1), EncryptionKey.from_hex(KEY_HEX.upper(), 1)
    assert a == b
    assert hash(a) == hash(b)
    assert a != EncryptionKey.from_hex(KEY_HEX, 2)
    assert a != EncryptionKey.from_hex(KEY2_HEX, 1)
    assert a != KEY_HEX


# --- keyrings ------------------------------------------------------------------------------


def test_keyring_from_hex_with_older_versions() -> None:
    """from_hex builds the current key and older ones; it reads what every version wrote."""
    keyring = Keyring.from_hex(KEY2_HEX, 2, {1: KEY_HEX})
    assert keyring.current_version == 2
    written_now = keyring.encrypt("new", USER)
    assert Keyring.from_hex(KEY2_HEX, 2).decrypt(written_now, USER) == "new"
    written_under_1 = Keyring.from_hex(KEY_HEX, 1).encrypt("old", USER)
    assert keyring.decrypt(written_under_1, USER) == "old"


def test_keyring_refuses_two_keys_for_one_version() -> None:
    """Two different keys under one version are refused; a repeated identical key is not."""
    with pytest.raises(ValidationError, match="version 1"):
        Keyring.from_hex(KEY_HEX, 1, {1: KEY2_HEX})
    same = Keyring.from_hex(KEY_HEX, 1, {1: KEY_HEX})
    assert repr(same) == "Keyring(current_version=1, versions=[1])"


def test_keyring_refuses_non_keys() -> None:
    """A keyring holds EncryptionKey objects only."""
    with pytest.raises(ValidationError):
        Keyring(KEY_HEX)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Keyring(EncryptionKey.from_hex(KEY_HEX, 1), [KEY2_HEX])  # type: ignore[list-item]


def test_rotated_keyring_keeps_old_keys() -> None:
    """A keyring with a new current key still reads what the old one wrote, and moves it over."""
    old = Keyring.from_hex(KEY_HEX, 1)
    envelope = old.encrypt("before the rotation", USER)
    new = Keyring.from_hex(KEY2_HEX, 2, {1: KEY_HEX})
    assert new.needs_reencryption(envelope)
    moved = new.reencrypt(envelope, USER)
    assert envelope_key_version(moved) == 2
    assert not new.needs_reencryption(moved)
    assert Keyring.from_hex(KEY2_HEX, 2).decrypt(moved, USER) == "before the rotation"
    with pytest.raises(DecryptionError, match="no key for key version 2"):
        old.decrypt(moved, USER)


# --- encrypt and decrypt -------------------------------------------------------------------


def test_fresh_nonce_every_encryption() -> None:
    """Encrypting the same text twice gives different envelopes with different nonces."""
    keyring = Keyring.from_hex(KEY_HEX, 1)
    first, second = keyring.encrypt("same", USER), keyring.encrypt("same", USER)
    assert first != second
    assert body(first)[5:17] != body(second)[5:17]
    assert keyring.decrypt(first, USER) == keyring.decrypt(second, USER) == "same"


def test_envelope_layout() -> None:
    """The body is header (alg 1, version) || 12-byte nonce || AESGCM(ciphertext || tag)."""
    keyring = Keyring.from_hex(KEY_HEX, 258)
    envelope = keyring.encrypt("layout", USER)
    assert envelope.startswith("mrm1.")
    assert "=" not in envelope
    raw = body(envelope)
    assert raw[:5] == b"\x01\x00\x00\x01\x02"
    aad = b"mrm1" + raw[:5] + USER.encode()
    assert AESGCM(bytes.fromhex(KEY_HEX)).decrypt(raw[5:17], raw[17:], aad) == b"layout"


@pytest.mark.parametrize(
    "user_id",
    [
        uuid.UUID(USER),
        USER.upper(),
        USER.replace("-", ""),
        USER.upper().replace("-", ""),
    ],
    ids=["uuid", "upper", "compact", "upper-compact"],
)
def test_user_id_forms_are_normalised(user_id: str | uuid.UUID) -> None:
    """A UUID object or its text in any case, with or without hyphens, binds the canonical id."""
    keyring = Keyring.from_hex(KEY_HEX, 1)
    assert keyring.decrypt(keyring.encrypt("x", user_id), USER) == "x"
    assert keyring.decrypt(keyring.encrypt("x", USER), user_id) == "x"


@pytest.mark.parametrize(
    "user_id",
    [
        "",
        "not-a-uuid",
        USER[:-1],
        USER + "0",
        "{" + USER + "}",
        "urn:uuid:" + USER,
        "1234567_234567812345678123456781",
        USER[:13] + USER[14:],
        12345,
        None,
        uuid.UUID(USER).bytes,
    ],
)
def test_bad_user_id_is_a_validation_error(user_id: Any) -> None:
    """A user id that is not a UUID is bad input (ValidationError) for encrypt and decrypt."""
    keyring = Keyring.from_hex(KEY_HEX, 1)
    envelope = keyring.encrypt("x", USER)
    with pytest.raises(ValidationError, match="user_id"):
        keyring.encrypt("x", user_id)
    with pytest.raises(ValidationError, match="user_id"):
        keyring.decrypt(envelope, user_id)
    with pytest.raises(ValidationError):
        keyring.decrypt("not even an envelope", user_id)


@pytest.mark.parametrize("content", [b"bytes", None, 42, "lone \ud800 surrogate"])
def test_bad_content_is_a_validation_error(content: Any) -> None:
    """Content that is not a str, or not encodable as UTF-8, is refused before encrypting."""
    keyring = Keyring.from_hex(KEY_HEX, 1)
    with pytest.raises(ValidationError, match="content"):
        keyring.encrypt(content, USER)


def test_wrong_user_and_wrong_key_fail_the_tag() -> None:
    """An envelope does not open for another user or under another key of the same version."""
    keyring = Keyring.from_hex(KEY_HEX, 1)
    envelope = keyring.encrypt("secret plans", USER)
    for ring, user in ((keyring, OTHER_USER), (Keyring.from_hex(KEY2_HEX, 1), USER)):
        with pytest.raises(DecryptionError, match="authentication failed") as caught:
            ring.decrypt(envelope, user)
        assert "secret plans" not in str(caught.value)
        assert KEY_HEX not in str(caught.value)
        assert KEY2_HEX not in str(caught.value)
        assert caught.value.__cause__ is None


def test_decrypted_bytes_that_are_not_utf8() -> None:
    """A correctly sealed body that is not UTF-8 is a DecryptionError, not a UnicodeError."""
    head = b"\x01\x00\x00\x00\x01"
    nonce = bytes(12)
    sealed = AESGCM(bytes.fromhex(KEY_HEX)).encrypt(
        nonce, b"\xff\xfe", b"mrm1" + head + USER.encode()
    )
    envelope = "mrm1." + base64.urlsafe_b64encode(head + nonce + sealed).rstrip(b"=").decode()
    with pytest.raises(DecryptionError, match="not UTF-8"):
        Keyring.from_hex(KEY_HEX, 1).decrypt(envelope, USER)


@pytest.mark.parametrize("value", [None, 42, b"mrm1.AQAAAAE", ["mrm1."]])
def test_non_text_is_a_decryption_error(value: Any) -> None:
    """Content that is not text is a DecryptionError for decrypt and False for is_envelope."""
    with pytest.raises(DecryptionError, match="not text"):
        Keyring.from_hex(KEY_HEX, 1).decrypt(value, USER)
    assert is_envelope(value) is False


def test_errors_are_memoram_errors() -> None:
    """DecryptionError and InvalidKeyError are part of the SDK's tree."""
    assert issubclass(DecryptionError, MemoramError)
    assert issubclass(InvalidKeyError, MemoramError)


# --- is_envelope and envelope_key_version --------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "mrm1.",
        "mrm1." + "A" * 43,
        "plain text",
        "MRM1." + "A" * 44,
        "mrm1." + "A" * 44,
        "mrm1.\u00e9" * 20,
    ],
)
def test_is_envelope_false_for_non_envelopes(text: str) -> None:
    """Short, unprefixed, mis-cased, non-ASCII or wrong-algorithm texts are not envelopes."""
    assert is_envelope(text) is False


def test_envelope_key_version_of_malformed_text() -> None:
    """Reading the version of a text that is not an envelope is a DecryptionError."""
    with pytest.raises(DecryptionError, match="prefix") as caught:
        envelope_key_version("hello", memory_id="mem_1")
    assert caught.value.memory_id == "mem_1"
    with pytest.raises(DecryptionError):
        Keyring.from_hex(KEY_HEX, 1).needs_reencryption("mrm1.!!")


def test_needs_reencryption_compares_with_the_current_version() -> None:
    """An envelope of an older version needs re-encryption; one of the current version does not."""
    v1 = Keyring.from_hex(KEY_HEX, 1)
    v2 = Keyring.from_hex(KEY2_HEX, 2, {1: KEY_HEX})
    old, new = v1.encrypt("a", USER), v2.encrypt("a", USER)
    assert v2.needs_reencryption(old)
    assert not v2.needs_reencryption(new)
    assert v1.needs_reencryption(new)


def test_reencrypt_of_unreadable_envelope_fails() -> None:
    """Re-encryption needs the key of the envelope's version."""
    envelope = Keyring.from_hex(KEY2_HEX, 2).encrypt("a", USER)
    with pytest.raises(DecryptionError, match="no key for key version 2") as caught:
        Keyring.from_hex(KEY_HEX, 1).reencrypt(envelope, USER, memory_id="mem_9")
    assert "mem_9" in str(caught.value)


# --- the recipes in docs/encryption.md -----------------------------------------------------

DOCS = (ROOT / "docs" / "encryption.md").read_text(encoding="utf-8")


def docs_block(language: str) -> str:
    """The first fenced code block of a language in docs/encryption.md."""
    match = re.search(rf"```{language}\n(.*?)```", DOCS, re.DOTALL)
    assert match is not None
    return match.group(1)


def test_docs_example_is_a_vector() -> None:
    """The worked example in the docs is the ascii-aes128 vector, character for character."""
    vector = next(v for v in VECTORS["positive"] if v["name"] == "ascii-aes128")
    for field in ("key", "nonce", "user_id", "envelope"):
        assert vector[field] in DOCS


def test_docs_python_recipe_decrypts_the_vectors() -> None:
    """The stand-alone Python recipe in the docs decrypts every positive vector."""
    namespace: dict[str, Any] = {}
    exec(docs_block("python"), namespace)  # noqa: S102 - our own documentation
    for vector in VECTORS["positive"]:
        plaintext = namespace["decrypt_mrm1"](vector["envelope"], vector["user_id"], vector["key"])
        assert plaintext == vector["plaintext"]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_docs_node_recipe_decrypts_the_vectors(tmp_path: Path) -> None:
    """The Node.js recipe in the docs decrypts every positive vector and refuses every negative."""
    (tmp_path / "recipe.js").write_text(docs_block("js"), encoding="utf-8")
    (tmp_path / "run.js").write_text(
        """
const { decryptMrm1 } = require("./recipe.js");
const vectors = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
const out = { positive: [], negative: [] };
for (const v of vectors.positive) {
  out.positive.push(decryptMrm1(v.envelope, v.user_id, { [v.key_version]: v.key }));
}
for (const v of vectors.negative) {
  const keys = { ...v.older_keys, [v.key_version]: v.key };
  try { decryptMrm1(v.envelope, v.user_id, keys); out.negative.push(v.name); } catch (e) {}
}
process.stdout.write(JSON.stringify(out));
""",
        encoding="utf-8",
    )
    result = subprocess.run(
        ["node", str(tmp_path / "run.js"), str(VECTORS_PATH)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    out = json.loads(result.stdout)
    assert out["positive"] == [v["plaintext"] for v in VECTORS["positive"]]
    assert out["negative"] == []
