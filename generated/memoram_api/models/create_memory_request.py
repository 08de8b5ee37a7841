from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateMemoryRequest")


@_attrs_define
class CreateMemoryRequest:
    """
    Attributes:
        user_id (UUID): User's unique ID.
        memory_key (str): User's memory key (at most 256 characters).
        content (str): The memory content (plaintext or pre-encrypted depending on implementation).
        title (str | Unset): Optional title for the memory.
        summary (str | Unset): Optional brief summary of the memory.
        tags (list[str] | Unset): List of tag names (strings) to associate. New tags will be created if they don't
            exist. At most 100 tags of at most 100 characters each.
        importance (float | Unset): Optional importance score (e.g., 1-5 or 0-1). Example: 0.8.
        confidence (float | Unset): Optional confidence score (0-1). Example: 0.95.
        source (str | Unset): Optional identifier for the source application/context. Example: my-chat-app.
    """

    user_id: UUID
    memory_key: str
    content: str
    title: str | Unset = UNSET
    summary: str | Unset = UNSET
    tags: list[str] | Unset = UNSET
    importance: float | Unset = UNSET
    confidence: float | Unset = UNSET
    source: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        user_id = str(self.user_id)

        memory_key = self.memory_key

        content = self.content

        title = self.title

        summary = self.summary

        tags: list[str] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags

        importance = self.importance

        confidence = self.confidence

        source = self.source

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "user_id": user_id,
                "memoryKey": memory_key,
                "content": content,
            }
        )
        if title is not UNSET:
            field_dict["title"] = title
        if summary is not UNSET:
            field_dict["summary"] = summary
        if tags is not UNSET:
            field_dict["tags"] = tags
        if importance is not UNSET:
            field_dict["importance"] = importance
        if confidence is not UNSET:
            field_dict["confidence"] = confidence
        if source is not UNSET:
            field_dict["source"] = source

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        user_id = UUID(d.pop("user_id"))

        memory_key = d.pop("memoryKey")

        content = d.pop("content")

        title = d.pop("title", UNSET)

        summary = d.pop("summary", UNSET)

        tags = cast(list[str], d.pop("tags", UNSET))

        importance = d.pop("importance", UNSET)

        confidence = d.pop("confidence", UNSET)

        source = d.pop("source", UNSET)

        create_memory_request = cls(
            user_id=user_id,
            memory_key=memory_key,
            content=content,
            title=title,
            summary=summary,
            tags=tags,
            importance=importance,
            confidence=confidence,
            source=source,
        )

        create_memory_request.additional_properties = d
        return create_memory_request

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
