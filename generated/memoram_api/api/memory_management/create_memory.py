from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_memory_request import CreateMemoryRequest
from ...models.error import Error
from ...models.memory_blob_response import MemoryBlobResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: CreateMemoryRequest,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/memory-blobs",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | MemoryBlobResponse | None:
    if response.status_code == 201:
        response_201 = MemoryBlobResponse.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 409:
        response_409 = Error.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Error.from_dict(response.json())

        return response_413

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
) -> Response[Error | MemoryBlobResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateMemoryRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[Error | MemoryBlobResponse]:
    """Create Memory

     Create a new memory blob for a user. Requires the user's ID and Memory Key obtained from an approved
    access request. Content should ideally be encrypted client-side before sending, or the API/SDK can
    handle encryption.

    Args:
        idempotency_key (str | Unset):
        body (CreateMemoryRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | MemoryBlobResponse]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: CreateMemoryRequest,
    idempotency_key: str | Unset = UNSET,
) -> Error | MemoryBlobResponse | None:
    """Create Memory

     Create a new memory blob for a user. Requires the user's ID and Memory Key obtained from an approved
    access request. Content should ideally be encrypted client-side before sending, or the API/SDK can
    handle encryption.

    Args:
        idempotency_key (str | Unset):
        body (CreateMemoryRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | MemoryBlobResponse
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateMemoryRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[Error | MemoryBlobResponse]:
    """Create Memory

     Create a new memory blob for a user. Requires the user's ID and Memory Key obtained from an approved
    access request. Content should ideally be encrypted client-side before sending, or the API/SDK can
    handle encryption.

    Args:
        idempotency_key (str | Unset):
        body (CreateMemoryRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | MemoryBlobResponse]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: CreateMemoryRequest,
    idempotency_key: str | Unset = UNSET,
) -> Error | MemoryBlobResponse | None:
    """Create Memory

     Create a new memory blob for a user. Requires the user's ID and Memory Key obtained from an approved
    access request. Content should ideally be encrypted client-side before sending, or the API/SDK can
    handle encryption.

    Args:
        idempotency_key (str | Unset):
        body (CreateMemoryRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | MemoryBlobResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
