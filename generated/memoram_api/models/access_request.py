from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.access_request_status import (
    AccessRequestStatus,
    check_access_request_status,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="AccessRequest")


@_attrs_define
class AccessRequest:
    """
    Attributes:
        id (str):  Example: cm8r8ny2i001mm24853tqfd62.
        status (AccessRequestStatus | str): An open enum: one of AccessRequestStatus, or a status added later (clients
            keep it as a string and must not fail on it).
        reason (str):
        memory_key (str):
        ai_connector_id (str): The developer application that asked.
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        user_id (None | Unset | UUID): Missing or null until the request is linked to a user.
    """

    id: str
    status: AccessRequestStatus | str
    reason: str
    memory_key: str
    ai_connector_id: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    user_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        status: str
        if isinstance(self.status, str):
            status = self.status
        else:
            status = self.status

        reason = self.reason

        memory_key = self.memory_key

        ai_connector_id = self.ai_connector_id

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        elif isinstance(self.user_id, UUID):
            user_id = str(self.user_id)
        else:
            user_id = self.user_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
                "reason": reason,
                "memoryKey": memory_key,
                "aiConnectorId": ai_connector_id,
                "createdAt": created_at,
                "updatedAt": updated_at,
            }
        )
        if user_id is not UNSET:
            field_dict["user_id"] = user_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        def _parse_status(data: object) -> AccessRequestStatus | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = check_access_request_status(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AccessRequestStatus | str, data)

        status = _parse_status(d.pop("status"))

        reason = d.pop("reason")

        memory_key = d.pop("memoryKey")

        ai_connector_id = d.pop("aiConnectorId")

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updatedAt"))

        def _parse_user_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                user_id_type_0 = UUID(data)

                return user_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        access_request = cls(
            id=id,
            status=status,
            reason=reason,
            memory_key=memory_key,
            ai_connector_id=ai_connector_id,
            created_at=created_at,
            updated_at=updated_at,
            user_id=user_id,
        )

        access_request.additional_properties = d
        return access_request

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
