"""The 12 operations of Memoram API v1, as openapi.yaml declares them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ._auth import format_timestamp
from ._config import ServerContext
from ._errors import PayloadTooLarge, Unauthorized
from ._schema import Idempotency
from ._store import Store
from ._validation import (
    MAX_BODY_BYTES,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    MEMORY_KEY_MAX_LENGTH,
    REASON_MAX_LENGTH,
    idempotency_key,
    optional_int,
    optional_number,
    optional_str,
    optional_str_list,
    parse_json_object,
    query_cursor,
    query_limit,
    query_number,
    query_tags,
    query_uuid,
    required_str,
    required_uuid,
)

T = TypeVar("T")


def context(request: Request) -> ServerContext:
    """The shared state of the app serving `request`."""
    return cast(ServerContext, request.app.state.context)


async def _run(method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking method of an app's Store on that store's database thread."""
    store = getattr(method, "__self__", None)
    if not isinstance(store, Store):
        raise TypeError("_run takes a bound method of the app's Store")
    return await store.run(method, *args, **kwargs)


def _too_large(size: str) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The request body ({size}) is over this server's limit of {MAX_BODY_BYTES} bytes"
        f" ({MAX_BODY_BYTES // 1024 // 1024} MiB); nothing was stored."
    )


async def _body(request: Request) -> dict[str, Any]:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large(f"{int(declared)} bytes")
    # Read in chunks and stop at the limit: a chunked body declares no length.
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > MAX_BODY_BYTES:
            raise _too_large(f"more than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return parse_json_object(b"".join(chunks))


def _idempotency(request: Request, body: dict[str, Any]) -> Idempotency | None:
    key = idempotency_key(request.headers)
    if key is None:
        return None
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    material = f"{request.method} {request.url.path}\n{canonical}".encode("utf-8", "surrogatepass")
    return key, hashlib.sha256(material).hexdigest()


def _created(ctx: ServerContext, body: dict[str, Any], replayed: bool, counter: str) -> Response:
    ctx.stats.record("idempotent_replays" if replayed else counter)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return JSONResponse(body, status_code=201, headers=headers)


async def create_token(request: Request) -> Response:
    """POST /auth/token."""
    ctx = context(request)
    body = await _body(request)
    api_key = required_str(body, "api_key")
    expires_in = optional_int(body, "expires_in")
    connector = ctx.authority.connector_for(api_key)
    if connector is None:
        raise Unauthorized("The API key is unknown or revoked.")
    issued = ctx.authority.issue(connector, expires_in)
    ctx.stats.record("tokens_issued")
    return JSONResponse(
        {
            "token": issued.token,
            "expires_at": format_timestamp(issued.expires_at),
            "token_type": "Bearer",
        },
        headers={"Cache-Control": "no-store"},
    )


async def access_requests(request: Request) -> Response:
    """POST and GET /access-requests."""
    ctx = context(request)
    connector = ctx.authority.verify(request.headers)
    if request.method == "GET":
        items = await _run(ctx.store.list_access_requests, connector)
        return JSONResponse({"items": items, "total": len(items)})
    body = await _body(request)
    idempotency = _idempotency(request, body)
    memory_key = required_str(body, "memoryKey", max_length=MEMORY_KEY_MAX_LENGTH)
    reason = required_str(body, "reason", max_length=REASON_MAX_LENGTH)
    view, replayed = await _run(
        ctx.store.create_access_request,
        connector,
        memory_key,
        reason,
        auto_approve=ctx.config.auto_approve,
        idempotency=idempotency,
    )
    return _created(ctx, view, replayed, "access_requests_created")


async def access_request(request: Request) -> Response:
    """GET /access-requests/{requestId}."""
    ctx = context(request)
    connector = ctx.authority.verify(request.headers)
    view = await _run(ctx.store.get_access_request, connector, request.path_params["requestId"])
    return JSONResponse(view)


async def access_credentials(request: Request) -> Response:
    """GET /access-requests/{requestId}/credentials."""
    ctx = context(request)
    connector = ctx.authority.verify(request.headers)
    view = await _run(ctx.store.credentials, connector, request.path_params["requestId"])
    return JSONResponse(view, headers={"Cache-Control": "no-store"})


def _memory_fields(body: dict[str, Any], *, content_required: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if content_required:
        fields["content"] = required_str(body, "content")
    elif (content := optional_str(body, "content")) is not None:
        fields["content"] = content
    for name in ("title", "summary", "source"):
        if (text := optional_str(body, name)) is not None:
            fields[name] = text
    for name in ("importance", "confidence"):
        if (number := optional_number(body, name)) is not None:
            fields[name] = number
    return fields


async def memory_blobs(request: Request) -> Response:
    """GET and POST /memory-blobs."""
    ctx = context(request)
    connector = ctx.authority.verify(request.headers)
    if request.method == "GET":
        query = request.query_params
        user_id = query_uuid(query, "user_id")
        page = await _run(
            ctx.store.list_memories,
            connector,
            user_id,
            limit=query_limit(query),
            cursor=query_cursor(query),
            tags=query_tags(query),
            search=query.get("searchQuery"),
            importance=query_number(query, "importance"),
        )
        return JSONResponse(page)
    body = await _body(request)
    idempotency = _idempotency(request, body)
    user_id = required_uuid(body, "user_id")
    memory_key = required_str(body, "memoryKey", max_length=MEMORY_KEY_MAX_LENGTH)
    fields = _memory_fields(body, content_required=True)
    tags = optional_str_list(body, "tags", max_items=MAX_TAGS, max_length=MAX_TAG_LENGTH) or []
    view, replayed = await _run(
        ctx.store.create_memory,
        connector,
        user_id,
        memory_key,
        fields,
        tags,
        idempotency=idempotency,
    )
    return _created(ctx, view, replayed, "memories_created")


async def memory_blob(request: Request) -> Response:
    """GET, PATCH and DELETE /memory-blobs/{blobId}."""
    ctx = context(request)
    connector = ctx.authority.verify(request.headers)
    blob_id = request.path_params["blobId"]
    if request.method == "PATCH":
        body = await _body(request)
        user_id = required_uuid(body, "user_id")
        memory_key = required_str(body, "memoryKey", max_length=MEMORY_KEY_MAX_LENGTH)
        changes = _memory_fields(body, content_required=False)
        tags = optional_str_list(body, "tags", max_items=MAX_TAGS, max_length=MAX_TAG_LENGTH)
        view = await _run(
            ctx.store.update_memory, connector, user_id, memory_key, blob_id, changes, tags
        )
        return JSONResponse(view)
    user_id = query_uuid(request.query_params, "user_id")
    if request.method == "DELETE":
        return JSONResponse(await _run(ctx.store.delete_memory, connector, user_id, blob_id))
    return JSONResponse(await _run(ctx.store.get_memory, connector, user_id, blob_id))


async def tags(request: Request) -> Response:
    """GET /tags."""
    ctx = context(request)
    connector = ctx.authority.verify(request.headers)
    user_id = query_uuid(request.query_params, "user_id")
    return JSONResponse({"items": await _run(ctx.store.list_tags, connector, user_id)})


async def tag(request: Request) -> Response:
    """GET /tags/{tagId}."""
    ctx = context(request)
    connector = ctx.authority.verify(request.headers)
    user_id = query_uuid(request.query_params, "user_id")
    view = await _run(ctx.store.get_tag, connector, user_id, request.path_params["tagId"])
    return JSONResponse(view)
