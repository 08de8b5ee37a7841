from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AccessCredentials")


@_attrs_define
class AccessCredentials:
    """
    Attributes:
        user_id (UUID):
        memory_key (str):
        encryption_key (str): The user's symmetric key, hex-encoded.
        key_version (int):
    """

    user_id: UUID
    memory_key: str
    encryption_key: str
    key_version: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        user_id = str(self.user_id)

        memory_key = self.memory_key

        encryption_key = self.encryption_key

        key_version = self.key_version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "user_id": user_id,
                "memory_key": memory_key,
                "encryption_key": encryption_key,
                "key_version": key_version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        user_id = UUID(d.pop("user_id"))

        memory_key = d.pop("memory_key")

        encryption_key = d.pop("encryption_key")

        key_version = d.pop("key_version")

        access_credentials = cls(
            user_id=user_id,
            memory_key=memory_key,
            encryption_key=encryption_key,
            key_version=key_version,
        )

        access_credentials.additional_properties = d
        return access_credentials

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
