"""The emulator tier's fixtures: the local server's app in process, and LocalFlows to drive it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from memoram_local import LocalApp, LocalServer, create_app
from tests.emulator.flow import LOCAL_ORIGIN, LocalFlow


@pytest.fixture
def local_app() -> Iterator[LocalApp]:
    """An in-process local server app with an in-memory database."""
    with create_app() as app:
        yield app


@pytest.fixture
async def flow(local_app: LocalApp) -> AsyncIterator[LocalFlow]:
    """A LocalFlow talking to `local_app` through httpx.ASGITransport."""
    transport = httpx.ASGITransport(app=local_app)
    token = local_app.config.dashboard_token
    # The client carries the dashboard token on every call, as the page's cookie would.
    headers = {"X-Memoram-Local-Token": token}
    async with httpx.AsyncClient(transport=transport, headers=headers) as client:
        yield LocalFlow(client, LOCAL_ORIGIN, dashboard_token=token)


@pytest.fixture
async def live_flow(local_server: LocalServer) -> AsyncIterator[LocalFlow]:
    """A LocalFlow talking to `local_server` over loopback."""
    async with httpx.AsyncClient(
        trust_env=False, timeout=10.0, headers=local_server.dashboard_headers
    ) as client:
        yield LocalFlow(client, local_server.url, dashboard_token=local_server.dashboard_token)
