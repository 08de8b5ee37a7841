"""Request building: what a generated request builder describes, as an ``httpx.Request``.

The generated ``_get_kwargs`` of each operation (its typed arguments, the path with its
parameters quoted, the query, the JSON body from the models' ``to_dict``, the operation's
headers) is the request; this module puts it on the chosen ``httpx.AsyncClient`` with that
client's own ``build_request``, so the app's default headers, params, cookies and timeout apply
(the URL is absolute, so its ``base_url`` does not). The SDK's ``Authorization``,
``Content-Type`` and ``Idempotency-Key`` win on conflict. No I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from httpx._client import UseClientDefault

# What a generated request builder returns: method, url, and params, json, headers when used.
RequestSpec = Mapping[str, Any]


def build_request(
    client: httpx.AsyncClient,
    base_url: str,
    spec: RequestSpec,
    authorization: str | None,
    timeout: httpx.Timeout | UseClientDefault,
    extensions: dict[str, Any] | None,
) -> httpx.Request:
    """The request ``spec`` describes, built by ``client``.

    Args:
        client: The client it is sent through (the app's ``http_client`` or the SDK's own).
        base_url: The API's URL, which the spec's path is relative to.
        spec: What the generated ``_get_kwargs`` returned.
        authorization: The ``Authorization`` value, or None for the token call (then the
            client's default ``Authorization``, not meant for Memoram, is dropped too).
        timeout: The per-phase timeout of this request.
        extensions: httpx request extensions (the wire trace), if any.
    """
    target: str | httpx.URL = base_url + spec["url"]
    params = spec.get("params")
    if params is not None and not client.params:
        # The query goes into the one parse of the URL: handed to build_request, the params
        # would make httpx parse the whole URL a second time (the same URL either way). With
        # the app's default params, build_request merges them as usual.
        target = httpx.URL(target, params=params)
        params = None
    headers = spec.get("headers")
    if authorization is not None:
        # The builder makes a new headers dict for every request: ours goes into it.
        if headers is None:
            headers = {}
        headers["Authorization"] = authorization
    request = client.build_request(
        spec["method"],
        target,
        params=params,
        headers=headers,
        json=spec.get("json"),
        timeout=timeout,
        extensions=extensions,
    )
    if authorization is None:
        request.headers.pop("Authorization", None)
    return request


def path_of(spec: RequestSpec) -> str:
    """The concrete path a spec requests (for errors and logs; no query, no secret)."""
    path: str = spec["url"]
    return path
