"""Fixtures every tier may use; each tier's own fixtures live in its conftest.py.

The local server is imported inside the fixture: the unit tier runs without the ``[local]`` extra.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from memoram_local import LocalServer


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    """A LocalServer on a free loopback port (in-memory database)."""
    from memoram_local import LocalServer

    with LocalServer() as server:
        yield server
