"""Write tests/vectors/encryption-v1.json: known-answer vectors for the v1 envelope.

    python scripts/make_vectors.py          # (re)write the file
    python scripts/make_vectors.py --check  # exit 1 if the committed file differs

The envelopes are built here from docs/encryption.md with `cryptography` and the standard
library only, independently of memoram_async, so the tests compare two implementations of the
format. Keys, nonces and user ids are fixed (derived from the vector's name with SHA-256), so the
output is identical on every run. The 1 MiB vector is stored as a recipe and SHA-256 digests.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

OUT = Path(__file__).resolve().parent.parent / "tests" / "vectors" / "encryption-v1.json"

PREFIX = "mrm1."
ALG_AES_GCM = 0x01
USER_A = "6f1c2a9e-3b47-4d8a-9c15-2e7b0f4d8a61"
USER_B = "0b7e4c1d-92a5-4f36-8e0d-5a1c3b9f7e24"

# 64 bytes of UTF-8 (ASCII, CJK, an emoji, a combining accent), repeated to exactly 1 MiB.
LARGE_UNIT = "memoram 1 MiB vector: 日本語 😀 e\u0301 ......................."
LARGE_TIMES = (1 << 20) // len(LARGE_UNIT.encode("utf-8"))
assert len(LARGE_UNIT.encode("utf-8")) * LARGE_TIMES == 1 << 20


def derive(label: str, size: int) -> bytes:
    """Fixed test bytes: the first ``size`` bytes of SHA-256 of the label (size <= 32)."""
    return hashlib.sha256(f"memoram-async v1 vector: {label}".encode()).digest()[:size]


def header(key_version: int, alg_id: int = ALG_AES_GCM) -> bytes:
    return bytes((alg_id,)) + key_version.to_bytes(4, "big")


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def seal(key: bytes, key_version: int, user_id: str, nonce: bytes, plaintext: str) -> str:
    """A v1 envelope, straight from the format description."""
    head = header(key_version)
    aad = b"mrm1" + head + user_id.encode("ascii")
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), aad)
    return PREFIX + b64url(head + nonce + sealed)


def large_plaintext(recipe: dict[str, Any]) -> str:
    """The plaintext of a vector stored as a recipe."""
    return str(recipe["repeat"]) * int(recipe["times"])


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


POSITIVE: list[tuple[str, str, int, int, str, str]] = [
    # name, description, key size, key_version, user id, plaintext
    ("empty-aes256", "the empty string (body = header + nonce + tag)", 32, 1, USER_A, ""),
    ("one-byte-aes256", "one byte: body length 2 (mod 4) in base64", 32, 1, USER_A, "x"),
    ("two-bytes-aes256", "two bytes: body length 3 (mod 4) in base64", 32, 1, USER_A, "xy"),
    ("ascii-aes128", "ASCII text, AES-128", 16, 1, USER_A, "Remember: the user prefers tea."),
    ("ascii-aes192", "ASCII text, AES-192", 24, 7, USER_A, "Remember: the user prefers tea."),
    ("ascii-aes256", "ASCII text, AES-256", 32, 1, USER_A, "Remember: the user prefers tea."),
    (
        "utf8-mixed-aes256",
        "multi-byte UTF-8: emoji (with ZWJ and skin tone), CJK, combining marks, RTL, NUL",
        32,
        1,
        USER_A,
        "Emoji 😀👩🏽\u200d💻 CJK 日本語 中文 한국어 combining e\u0301 n\u0303 "
        "Arabic مرحبا NUL[\x00] end",
    ),
    ("key-version-0", "the smallest key version", 32, 0, USER_A, "version zero"),
    ("key-version-max", "the largest key version, 2**32 - 1", 32, 4294967295, USER_A, "max"),
    (
        "other-user",
        "the same text and key as ascii-aes256, another user",
        32,
        1,
        USER_B,
        "Remember: the user prefers tea.",
    ),
]


def positive(
    name: str, description: str, size: int, version: int, user: str, text: str
) -> dict[str, Any]:
    key, nonce = derive(f"key {size}", size), derive(f"nonce {name}", 12)
    return {
        "name": name,
        "description": description,
        "key": key.hex(),
        "key_version": version,
        "user_id": user,
        "nonce": nonce.hex(),
        "plaintext": text,
        "envelope": seal(key, version, user, nonce, text),
    }


def large() -> dict[str, Any]:
    recipe = {"repeat": LARGE_UNIT, "times": LARGE_TIMES}
    text = large_plaintext(recipe)
    key, nonce = derive("key 32", 32), derive("nonce large", 12)
    envelope = seal(key, 1, USER_A, nonce, text)
    return {
        "name": "large-1mib-aes256",
        "description": "1 MiB of UTF-8 (recipe: `repeat` times `times`), stored as digests",
        "key": key.hex(),
        "key_version": 1,
        "user_id": USER_A,
        "nonce": nonce.hex(),
        "plaintext_recipe": recipe,
        "plaintext_utf8_bytes": len(text.encode("utf-8")),
        "plaintext_sha256": sha256(text),
        "envelope_length": len(envelope),
        "envelope_sha256": sha256(envelope),
        "envelope_head": envelope[:64],
        "envelope_tail": envelope[-64:],
    }


def negatives() -> list[dict[str, Any]]:
    """Envelopes that must fail, each with the check that fails (see tests/unit/test_crypto.py)."""
    key = derive("key 32", 32)
    other_key = derive("other key 32", 32)
    nonce = derive("nonce negative", 12)
    text = "Remember: the user prefers tea."  # 31 bytes: a body of 64 bytes, 86 characters
    good = seal(key, 1, USER_A, nonce, text)
    raw = base64.urlsafe_b64decode(good[len(PREFIX) :] + "==")

    def flip(index: int) -> str:
        changed = bytearray(raw)
        changed[index] ^= 0x01
        return PREFIX + b64url(bytes(changed))

    def alg2() -> str:
        head = header(1, alg_id=0x02)
        aad = b"mrm1" + head + USER_A.encode()
        return PREFIX + b64url(head + nonce + AESGCM(key).encrypt(nonce, text.encode(), aad))

    last = good[-1]
    # The body is 86 characters (2 mod 4): its last character holds 4 unused bits, zero here.
    non_canonical = good[:-1] + chr(ord(last) + 1)
    cases: list[tuple[str, str, str, dict[str, str], str]] = [
        # name, description, envelope, keys by version (current = 1), failing check
        ("tampered-tag", "last tag byte flipped", flip(len(raw) - 1), {}, "tag"),
        ("tampered-ciphertext", "first ciphertext byte flipped", flip(17), {}, "tag"),
        ("tampered-nonce", "a nonce byte flipped", flip(5), {}, "tag"),
        ("wrong-user", "a valid envelope, read for another user", good, {}, "tag:user_b"),
        ("wrong-key", "a valid envelope, read with another key", good, {}, "tag:other_key"),
        (
            "relabelled-version",
            "key_version changed 1 -> 2 in the header, and the keyring holds the same key for "
            "version 2: the header is authenticated",
            PREFIX + b64url(header(2) + raw[5:]),
            {"2": key.hex()},
            "tag",
        ),
        (
            "unknown-key-version",
            "a valid envelope of a version the keyring lacks",
            seal(key, 9, USER_A, nonce, text),
            {},
            "key_version",
        ),
        ("unknown-algorithm", "algorithm id 0x02, otherwise well formed", alg2(), {}, "algorithm"),
        ("padding", "the '=' padding v1 leaves out", good + "==", {}, "padding"),
        (
            "bad-char-plus",
            "a standard-base64 '+' in the body",
            good[:20] + "+" + good[21:],
            {},
            "alphabet",
        ),
        ("bad-char-dot", "a '.' in the body", good[:20] + "." + good[21:], {}, "alphabet"),
        ("bad-char-newline", "a trailing newline", good + "\n", {}, "alphabet"),
        (
            "bad-char-non-ascii",
            "a non-ASCII letter in the body",
            good[:20] + "é" + good[21:],
            {},
            "alphabet",
        ),
        ("wrong-prefix", "mrm2. instead of mrm1.", "mrm2." + good[len(PREFIX) :], {}, "prefix"),
        ("no-prefix", "plaintext, not an envelope", text, {}, "prefix"),
        (
            "short-body",
            "header + nonce + 15 bytes: one byte short of a tag",
            PREFIX + b64url(raw[:32]),
            {},
            "short",
        ),
        (
            "non-canonical-bits",
            "the last character's unused bits are not zero",
            non_canonical,
            {},
            "canonical",
        ),
        (
            "length-1-mod-4",
            "a body length of 1 (mod 4) characters is no base64",
            good + "AAA",
            {},
            "canonical",
        ),
    ]
    out = []
    for name, description, envelope, older, expect in cases:
        check, _, variant = expect.partition(":")
        out.append(
            {
                "name": name,
                "description": description,
                "key": (other_key if variant == "other_key" else key).hex(),
                "key_version": 1,
                "older_keys": older,
                "user_id": USER_B if variant == "user_b" else USER_A,
                "envelope": envelope,
                "error": check,
            }
        )
    return out


def build() -> str:
    """The complete file text."""
    document = {
        "format": "memoram-async encryption envelope v1 (docs/encryption.md)",
        "generated_by": "scripts/make_vectors.py",
        "positive": [positive(*case) for case in POSITIVE],
        "large": [large()],
        "negative": negatives(),
    }
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args(argv)
    text = build()
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is out of date: run python scripts/make_vectors.py", file=sys.stderr)
            return 1
        print(f"{OUT} is up to date")
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
