"""The pytest plugin of memoram-async: the ``memoram_local`` and ``memoram_respx`` fixtures.

Registered under the ``pytest11`` entry point ``memoram_async`` when memoram-async is installed,
so pytest loads it in every run, before plugins such as pytest-cov start measuring. That is why
it lives outside the ``memoram_async`` package and imports nothing of it at load time: importing
any ``memoram_async`` module runs ``memoram_async/__init__.py``, the whole SDK, and the SDK would
then be imported before coverage starts (and never counted). The SDK, the local server and respx
are imported inside the fixture bodies, which fail with an install hint when something is missing.

The fixtures live here only; what they give (``MemoramLocal``, ``MemoramRespx``) and the body
builders are public in :mod:`memoram_async.testing`, which imports nothing of this module.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

import pytest

if TYPE_CHECKING:
    from memoram_async.testing import MemoramLocal, MemoramRespx

# pytest finds its hook (pytest_configure) by name; the public names are the two fixtures.
__all__ = ["memoram_local", "memoram_respx"]

_F = TypeVar("_F", bound=Callable[..., Any])


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
        from memoram_async.testing import MemoramLocal
        from memoram_local import LocalServer
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

        from memoram_async.testing import FAKE_BASE_URL, MemoramRespx
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
