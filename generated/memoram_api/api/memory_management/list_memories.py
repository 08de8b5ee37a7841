from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.memory_blob_list import MemoryBlobList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    user_id: UUID,
    limit: int | Unset = 10,
    cursor: str | Unset = UNSET,
    tags: str | Unset = UNSET,
    search_query: str | Unset = UNSET,
    importance: float | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_user_id = str(user_id)
    params["user_id"] = json_user_id

    params["limit"] = limit

    params["cursor"] = cursor

    params["tags"] = tags

    params["searchQuery"] = search_query

    params["importance"] = importance

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/memory-blobs",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | MemoryBlobList | None:
    if response.status_code == 200:
        response_200 = MemoryBlobList.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Error.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Error.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | MemoryBlobList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    user_id: UUID,
    limit: int | Unset = 10,
    cursor: str | Unset = UNSET,
    tags: str | Unset = UNSET,
    search_query: str | Unset = UNSET,
    importance: float | Unset = UNSET,
) -> Response[Error | MemoryBlobList]:
    """Get Memories

     A page of a user's memory blobs, newest first. Follow `next_cursor` until it is null. `content`
    comes back as stored (encrypted by the client).

    Args:
        user_id (UUID):
        limit (int | Unset):  Default: 10.
        cursor (str | Unset):
        tags (str | Unset):
        search_query (str | Unset):
        importance (float | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | MemoryBlobList]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        limit=limit,
        cursor=cursor,
        tags=tags,
        search_query=search_query,
        importance=importance,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    user_id: UUID,
    limit: int | Unset = 10,
    cursor: str | Unset = UNSET,
    tags: str | Unset = UNSET,
    search_query: str | Unset = UNSET,
    importance: float | Unset = UNSET,
) -> Error | MemoryBlobList | None:
    """Get Memories

     A page of a user's memory blobs, newest first. Follow `next_cursor` until it is null. `content`
    comes back as stored (encrypted by the client).

    Args:
        user_id (UUID):
        limit (int | Unset):  Default: 10.
        cursor (str | Unset):
        tags (str | Unset):
        search_query (str | Unset):
        importance (float | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | MemoryBlobList
    """

    return sync_detailed(
        client=client,
        user_id=user_id,
        limit=limit,
        cursor=cursor,
        tags=tags,
        search_query=search_query,
        importance=importance,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    user_id: UUID,
    limit: int | Unset = 10,
    cursor: str | Unset = UNSET,
    tags: str | Unset = UNSET,
    search_query: str | Unset = UNSET,
    importance: float | Unset = UNSET,
) -> Response[Error | MemoryBlobList]:
    """Get Memories

     A page of a user's memory blobs, newest first. Follow `next_cursor` until it is null. `content`
    comes back as stored (encrypted by the client).

    Args:
        user_id (UUID):
        limit (int | Unset):  Default: 10.
        cursor (str | Unset):
        tags (str | Unset):
        search_query (str | Unset):
        importance (float | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | MemoryBlobList]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        limit=limit,
        cursor=cursor,
        tags=tags,
        search_query=search_query,
        importance=importance,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    user_id: UUID,
    limit: int | Unset = 10,
    cursor: str | Unset = UNSET,
    tags: str | Unset = UNSET,
    search_query: str | Unset = UNSET,
    importance: float | Unset = UNSET,
) -> Error | MemoryBlobList | None:
    """Get Memories

     A page of a user's memory blobs, newest first. Follow `next_cursor` until it is null. `content`
    comes back as stored (encrypted by the client).

    Args:
        user_id (UUID):
        limit (int | Unset):  Default: 10.
        cursor (str | Unset):
        tags (str | Unset):
        search_query (str | Unset):
        importance (float | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | MemoryBlobList
    """

    return (
        await asyncio_detailed(
            client=client,
            user_id=user_id,
            limit=limit,
            cursor=cursor,
            tags=tags,
            search_query=search_query,
            importance=importance,
        )
    ).parsed
