"""The public value objects: ``Memory``, ``Tag``, ``AccessRequest`` and its status,
``Credentials``, ``ReencryptionResult``.

Frozen attrs classes whose reprs hold no secret. ``Credentials`` checks what a user builds it
from; what the server sends is checked and converted by ``_convert.py``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any
from uuid import UUID

import attrs

from ._crypto import Keyring
from ._errors import ValidationError
from ._secret import Secret, conceal, type_name
from ._validation import check_memory_key, check_secret_text, check_uuid


class AccessRequestStatus(enum.StrEnum):
    """Where an access request stands; compares equal to its wire string (``"pending"`` ...).

    A status added by a newer API is not a member: :attr:`AccessRequest.status` is then that
    status as a plain ``str`` (``request.status == "expired"``), never equal to a member.
    """

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    REVOKED = "revoked"


@attrs.frozen(kw_only=True)
class AccessRequest:
    """A request for access to one user's memories.

    Attributes:
        id: The request's id, used to poll it and to fetch the credentials.
        status: ``pending`` until the user decides; then ``approved``, ``rejected`` or
            ``revoked``. A status a newer API added is kept as its ``str`` (e.g. ``"expired"``).
        reason: The reason the application gave (shown to the user).
        memory_key: The Memory Key the user gave the application (a Secret).
        user_id: The user's id, once the request is linked to a user.
        ai_connector_id: The developer application that asked.
        created_at: When it was created.
        updated_at: When it last changed.
    """

    id: str
    status: AccessRequestStatus | str
    reason: str
    memory_key: Secret = attrs.field(repr=False)
    user_id: UUID | None
    ai_connector_id: str
    created_at: datetime
    updated_at: datetime

    @property
    def is_decided(self) -> bool:
        """True once the request is no longer pending (approved, rejected, revoked, or a status
        this SDK does not know: waiting for it to change could last forever)."""
        return self.status is not AccessRequestStatus.PENDING


def _keys_converter(value: Mapping[int, str | Secret] | None) -> Mapping[int, Secret]:
    if value is None:
        return MappingProxyType({})
    if not isinstance(value, Mapping):
        raise ValidationError(f"previous_keys must be a mapping, not {type(value).__name__}")
    keys: dict[int, Secret] = {}
    for version, key in value.items():
        keys[_version(version, "previous_keys version")] = check_secret_text(
            key, "previous_keys key"
        )
    return MappingProxyType(dict(sorted(keys.items())))


def _conceal_keys(keys: object) -> Any:
    """``previous_keys`` with each text in it redacting (a list of keys given by mistake too);
    anything else is left to the checks."""
    if isinstance(keys, Mapping):
        return {conceal(version): conceal(key) for version, key in keys.items()}
    if isinstance(keys, list | tuple | set | frozenset):
        return type(keys)(conceal(key) for key in keys)
    return keys


def _version(value: object, name: str = "key_version") -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        # Never the value itself: a key passed in the wrong place would be printed.
        shown = (
            "a negative int"
            if isinstance(value, int)
            else "text that is not a whole number"
            if isinstance(value, str)
            else type_name(value)
        )
        raise ValidationError(f"{name} must be a non-negative int, not {shown}")
    return value


def _user_id_converter(value: object) -> UUID:
    return check_uuid(value, "user_id")


def _memory_key_converter(value: object) -> Secret:
    return check_memory_key(value)


def _encryption_key_converter(value: object) -> Secret:
    return check_secret_text(value, "encryption_key")


@attrs.frozen(kw_only=True, init=False)
class Credentials:
    """What an approved access request grants: everything needed to use one user's memories.

    Build it from the values the API returns (or that you stored with :meth:`to_dict`). The
    memory key and the encryption keys are held as :class:`Secret`, so printing the object never
    shows them.

    Attributes:
        user_id: The user's id (a str is converted).
        memory_key: The user's memory key.
        encryption_key: The user's current encryption key, hex.
        key_version: The version of ``encryption_key``.
        previous_keys: Older encryption keys by version, kept to read memories written before
            a key rotation (see :meth:`rotated_to`).

    Raises:
        ValidationError: A field has the wrong type or form.
    """

    user_id: UUID = attrs.field(converter=_user_id_converter)
    memory_key: Secret = attrs.field(converter=_memory_key_converter, repr=False)
    encryption_key: Secret = attrs.field(converter=_encryption_key_converter, repr=False)
    key_version: int = attrs.field(converter=_version)
    previous_keys: Mapping[int, Secret] = attrs.field(
        factory=dict, converter=_keys_converter, hash=False, repr=lambda keys: repr(dict(keys))
    )
    _keyring: Keyring = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __init__(
        self,
        *,
        user_id: UUID | str,
        memory_key: str | Secret,
        encryption_key: str | Secret,
        key_version: int | str,
        previous_keys: Mapping[int, str | Secret] | None = None,
    ) -> None:
        # Redacting from the first line on: this frame and the converters' are on the traceback
        # of a bad value, and error reporters record their locals.
        memory_key, encryption_key = conceal(memory_key), conceal(encryption_key)
        key_version, previous_keys = conceal(key_version), _conceal_keys(previous_keys)
        self.__attrs_init__(
            user_id=user_id,
            memory_key=memory_key,
            encryption_key=encryption_key,
            key_version=key_version,
            previous_keys=previous_keys,
        )

    def __repr__(self) -> str:
        # Written out rather than attrs' so that a half-built object has one too: a traceback
        # with captured locals shows `self` of __init__ when a value is refused.
        if not hasattr(self, "previous_keys"):
            return "Credentials(<not built>)"
        return (
            f"Credentials(user_id={self.user_id!r}, key_version={self.key_version!r}, "
            f"previous_keys={dict(self.previous_keys)!r})"
        )

    def __attrs_post_init__(self) -> None:
        if self.key_version in self.previous_keys:
            raise ValidationError(
                f"previous_keys must not hold the current key_version {self.key_version}"
            )
        # Checks every key now (InvalidKeyError), and is reused by every client.user(self).
        keyring = Keyring.from_hex(self.encryption_key, self.key_version, self.previous_keys)
        object.__setattr__(self, "_keyring", keyring)

    def rotated_to(self, new: Credentials) -> Credentials:
        """The new credentials of the same user, keeping this one's keys to read older memories.

        Use it after a key rotation: pass the credentials fetched after the rotation, keep the
        result, and call ``reencrypt_memories()`` to move every memory to the new key.

        Raises:
            ValidationError: ``new`` belongs to another user, is older than this one (the
                arguments swapped: re-encrypting would move memories back to the old key), or
                reuses this key version with a different key.
        """
        if new.user_id != self.user_id:
            raise ValidationError("rotated_to() needs credentials of the same user")
        if new.key_version < self.key_version:
            raise ValidationError(
                f"rotated_to() needs newer credentials: key version {new.key_version} is older "
                f"than this one's {self.key_version} (call it on the old credentials)"
            )
        older = {**self.previous_keys, self.key_version: self.encryption_key}
        for version, key in older.items():
            known = new.previous_keys.get(version)
            if version == new.key_version and key != new.encryption_key:
                raise ValidationError(f"key version {version} has two different keys")
            if known is not None and known != key:
                raise ValidationError(f"key version {version} has two different keys")
        merged = {**older, **new.previous_keys}
        merged.pop(new.key_version, None)
        return attrs.evolve(new, previous_keys=merged)

    def to_dict(self) -> dict[str, Any]:
        """The credentials as JSON-ready plain values, secrets revealed: store them encrypted.

        ``Credentials.from_dict(creds.to_dict()) == creds``.
        """
        return {
            "user_id": str(self.user_id),
            "memory_key": self.memory_key.reveal(),
            "encryption_key": self.encryption_key.reveal(),
            "key_version": self.key_version,
            "previous_keys": {str(v): k.reveal() for v, k in self.previous_keys.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Credentials:
        """Rebuild credentials from :meth:`to_dict` output or the API's credentials body.

        Raises:
            ValidationError: A field is missing or malformed.
        """
        if not isinstance(data, Mapping):
            raise ValidationError(f"credentials must be a mapping, not {type(data).__name__}")
        data = {  # redacting from here on, as in __init__
            name: _conceal_keys(value) if name == "previous_keys" else conceal(value)
            for name, value in data.items()
        }
        missing = [
            f for f in ("user_id", "memory_key", "encryption_key", "key_version") if f not in data
        ]
        if missing:
            raise ValidationError(f"credentials lack {', '.join(missing)}")
        return cls(
            user_id=data["user_id"],
            memory_key=data["memory_key"],
            encryption_key=data["encryption_key"],
            key_version=data["key_version"],
            previous_keys=data.get("previous_keys") or {},
        )


@attrs.frozen(kw_only=True)
class Memory:
    """One memory of a user, with its content decrypted.

    The repr shows the id, the title, the tags and the scores, and hides ``content`` and
    ``summary``: the content is the one field encrypted end to end (the server never sees it),
    so it must not reach a log line or a traceback as plaintext, and the summary is hidden with it
    because it usually restates the content. Title and tags are shown because they are labels the
    server stores and searches unencrypted anyway (keep secrets out of them), they are what makes
    a repr tell memories apart, and a :class:`Tag` shows its name too. ``tag_ids`` are left out
    of the repr: the tag names say the same.

    ``content`` is None only in what ``update_memory`` returns when the content was not changed:
    the API answers an update without the content, and the SDK does not guess it (read it with
    ``get_memory``).

    Attributes:
        id: The memory's id.
        user_id: The user it belongs to.
        content: The plaintext content.
        title: Its title, if any.
        summary: Its summary, if any.
        tags: Its tag names.
        tag_ids: The ids of its tags.
        importance: Its importance score, if any (any scale; 0..1 or 1..5 are common).
        confidence: Its confidence score, 0..1, if any.
        source: The application or context it came from, if any.
        created_at: When it was created, if the server said.
        updated_at: When it last changed, if the server said.
    """

    id: str
    user_id: UUID
    content: str | None = attrs.field(repr=False)
    title: str | None = None
    summary: str | None = attrs.field(default=None, repr=False)
    tags: tuple[str, ...] = ()
    tag_ids: tuple[str, ...] = attrs.field(default=(), repr=False)
    importance: float | None = None
    confidence: float | None = None
    source: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class Tag:
    """A tag of a user's memories (tags are created by naming them on a memory).

    The repr shows the id and the name (a label the server stores unencrypted, as a
    :class:`Memory`'s repr shows its tags); the description is left out.

    Attributes:
        id: The tag's id.
        name: Its name.
        description: Its description, if any (not in the repr).
        color: Its color, ``#RRGGBB``.
        is_enabled: Whether it is enabled.
        created_at: When it was created.
        updated_at: When it last changed.
    """

    id: str
    name: str
    description: str | None = attrs.field(repr=False)
    color: str
    is_enabled: bool
    created_at: datetime
    updated_at: datetime


@attrs.frozen(kw_only=True)
class ReencryptionResult:
    """What ``reencrypt_memories()`` did.

    Attributes:
        scanned: Memories looked at.
        reencrypted: Memories rewritten under the current key version.
        failed_ids: Memories that could not be decrypted (left unchanged).
        skipped_ids: Memories changed or deleted by someone else while the rewrite ran (left
            as they were; run it again to cover what was changed).
    """

    scanned: int
    reencrypted: int
    failed_ids: tuple[str, ...] = ()
    skipped_ids: tuple[str, ...] = ()
