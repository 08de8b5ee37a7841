from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.memory_blob import MemoryBlob


T = TypeVar("T", bound="MemoryBlobList")


@_attrs_define
class MemoryBlobList:
    """
    Attributes:
        memory_blobs (list[MemoryBlob]):
        next_cursor (None | str): Cursor of the next page; null on the last page.
    """

    memory_blobs: list[MemoryBlob]
    next_cursor: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        memory_blobs = []
        for memory_blobs_item_data in self.memory_blobs:
            memory_blobs_item = memory_blobs_item_data.to_dict()
            memory_blobs.append(memory_blobs_item)

        next_cursor: None | str
        next_cursor = self.next_cursor

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "memoryBlobs": memory_blobs,
                "next_cursor": next_cursor,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.memory_blob import MemoryBlob

        d = dict(src_dict)
        memory_blobs = []
        _memory_blobs = d.pop("memoryBlobs")
        for memory_blobs_item_data in _memory_blobs:
            memory_blobs_item = MemoryBlob.from_dict(memory_blobs_item_data)

            memory_blobs.append(memory_blobs_item)

        def _parse_next_cursor(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_cursor = _parse_next_cursor(d.pop("next_cursor"))

        memory_blob_list = cls(
            memory_blobs=memory_blobs,
            next_cursor=next_cursor,
        )

        memory_blob_list.additional_properties = d
        return memory_blob_list

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
