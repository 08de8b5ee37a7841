"""Test your own app against Memoram: a pytest plugin, registered when memoram-async is installed.

Two fixtures, both async (they need pytest-asyncio, in auto or strict mode):

- ``memoram_local``: a fresh local Memoram server on a free loopback port (real HTTP), a
  configured client, and the user's side of the access flow (``approve``, ``reject``,
  ``revoke``, ``approve_next``, ``reject_next``, ``pending``, ``rotate_key``,
  ``approved_user``; all coroutines, to ``await``). Needs ``memoram-async[local]``. Options
  of the server come from a marker: ``@pytest.mark.memoram_local(auto_approve=True,
  faults="error_rate=0.2", seed=1)``.
- ``memoram_respx``: the API mocked with respx at a fake ``https`` URL, a valid token already
  routed, and builders for bodies the SDK accepts (memories with real encrypted content).
  Needs ``respx``.

Both set ``MEMORAM_API_KEY`` and ``MEMORAM_BASE_URL`` for the test, so code that builds its own
``MemoramClient()`` from the environment talks to them.

Importing this module imports neither the local server (starlette, uvicorn) nor respx: each
is imported by its fixture, which fails with an install hint when it is missing.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

import pytest

from ._bodies import (
    FAKE_API_KEY,
    FAKE_BASE_URL,
    FAKE_ENCRYPTION_KEY,
    FAKE_MEMORY_KEY,
    FAKE_USER_ID,
    access_request_body,
    credentials_body,
    error_body,
    fake_credentials,
    memory_body,
    page_body,
    tag_body,
    token_body,
)

if TYPE_CHECKING:
    from ._local import MemoramLocal
    from ._respx import MemoramRespx

__all__ = [
    "FAKE_API_KEY",
    "FAKE_BASE_URL",
    "FAKE_ENCRYPTION_KEY",
    "FAKE_MEMORY_KEY",
    "FAKE_USER_ID",
    "MemoramLocal",
    "MemoramRespx",
    "access_request_body",
    "credentials_body",
    "error_body",
    "fake_credentials",
    "memoram_local",
    "memoram_respx",
    "memory_body",
    "page_body",
    "tag_body",
    "token_body",
]

_LAZY = {"MemoramLocal": "._local", "MemoramRespx": "._respx"}
_F = TypeVar("_F", bound=Callable[..., Any])


def __getattr__(name: str) -> Any:
    # The fixtures' classes, imported on first use: they need the optional dependencies.
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``memoram_local`` marker (for ``--strict-markers``)."""
    config.addinivalue_line(
        "markers",
        "memoram_local(**options): options of the memoram_local fixture's LocalServer "
        "(auto_approve, faults, seed, token_ttl, api_keys, ...)",
    )


def _async_fixture(func: _F) -> _F:
    try:
        import pytest_asyncio
    except ImportError:  # pragma: no cover - pytest-asyncio is how async tests run

        def missing() -> None:
            pytest.fail(
                f"the {func.__name__} fixture is async and needs pytest-asyncio: "
                "pip install pytest-asyncio",
                pytrace=False,
            )

        return cast(_F, pytest.fixture(name=func.__name__)(missing))
    return cast(_F, pytest_asyncio.fixture(func))


def _top_module(exc: ImportError) -> str:
    return (exc.name or str(exc)).split(".")[0]


def _needs(extra: str, missing: str) -> NoReturn:
    pytest.fail(
        f"memoram_async.testing: this fixture needs {extra} (missing module: {missing})",
        pytrace=False,
    )


@_async_fixture
async def memoram_local(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[MemoramLocal]:
    """A fresh local Memoram server over loopback HTTP, a client, and the user's dashboard."""
    missing: str | None = None
    try:
        from memoram_local import LocalServer

        from ._local import MemoramLocal
    except ImportError as exc:
        missing = _top_module(exc)
    if missing is not None:  # failed outside the except: no chained traceback for the user
        _needs("the local server: pip install 'memoram-async[local]'", missing)
    marker = request.node.get_closest_marker("memoram_local")
    options: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    if marker is not None and marker.args:
        raise pytest.UsageError("@pytest.mark.memoram_local takes keyword arguments only")
    async with LocalServer(**options) as server:
        local = MemoramLocal(server)
        for name, value in local.env.items():
            monkeypatch.setenv(name, value)
        try:
            yield local
        finally:
            await local.aclose()


@_async_fixture
async def memoram_respx(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[MemoramRespx]:
    """The Memoram API mocked with respx: add routes, build bodies, use the ready client."""
    missing: str | None = None
    try:
        import respx

        from ._respx import MemoramRespx
    except ImportError as exc:
        missing = _top_module(exc)
    if missing is not None:
        _needs("respx: pip install respx", missing)
    with respx.mock(
        base_url=FAKE_BASE_URL, assert_all_called=False, assert_all_mocked=True
    ) as router:
        mocked = MemoramRespx(router)
        for name, value in mocked.env.items():
            monkeypatch.setenv(name, value)
        try:
            yield mocked
        finally:
            await mocked.client.aclose()
