"""Fixtures every tier may use; each tier's own fixtures live in its conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from memoram_async.local import LocalServer


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    """A LocalServer on a free loopback port (in-memory database)."""
    with LocalServer() as server:
        yield server
