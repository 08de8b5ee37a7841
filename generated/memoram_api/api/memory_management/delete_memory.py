from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.delete_memory_response import DeleteMemoryResponse
from ...models.error import Error
from ...types import UNSET, Response


def _get_kwargs(
    blob_id: str,
    *,
    user_id: UUID,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_user_id = str(user_id)
    params["user_id"] = json_user_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/memory-blobs/{blob_id}".format(
            blob_id=quote(str(blob_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DeleteMemoryResponse | Error | None:
    if response.status_code == 200:
        response_200 = DeleteMemoryResponse.from_dict(response.json())

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
) -> Response[DeleteMemoryResponse | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    blob_id: str,
    *,
    client: AuthenticatedClient,
    user_id: UUID,
) -> Response[DeleteMemoryResponse | Error]:
    """Delete Memory

     Delete one memory blob.

    Args:
        blob_id (str):
        user_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeleteMemoryResponse | Error]
    """

    kwargs = _get_kwargs(
        blob_id=blob_id,
        user_id=user_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    blob_id: str,
    *,
    client: AuthenticatedClient,
    user_id: UUID,
) -> DeleteMemoryResponse | Error | None:
    """Delete Memory

     Delete one memory blob.

    Args:
        blob_id (str):
        user_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeleteMemoryResponse | Error
    """

    return sync_detailed(
        blob_id=blob_id,
        client=client,
        user_id=user_id,
    ).parsed


async def asyncio_detailed(
    blob_id: str,
    *,
    client: AuthenticatedClient,
    user_id: UUID,
) -> Response[DeleteMemoryResponse | Error]:
    """Delete Memory

     Delete one memory blob.

    Args:
        blob_id (str):
        user_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeleteMemoryResponse | Error]
    """

    kwargs = _get_kwargs(
        blob_id=blob_id,
        user_id=user_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    blob_id: str,
    *,
    client: AuthenticatedClient,
    user_id: UUID,
) -> DeleteMemoryResponse | Error | None:
    """Delete Memory

     Delete one memory blob.

    Args:
        blob_id (str):
        user_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeleteMemoryResponse | Error
    """

    return (
        await asyncio_detailed(
            blob_id=blob_id,
            client=client,
            user_id=user_id,
        )
    ).parsed
