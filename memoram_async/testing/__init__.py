"""Test your own app against Memoram: what the pytest fixtures give, and bodies to mock with.

The fixtures themselves live in the pytest plugin that memoram-async registers,
:mod:`memoram_pytest` (outside this package, so that loading it imports none of the SDK; list
``memoram_pytest`` in ``pytest_plugins`` for runs without plugin autoloading). Both are async
(they need pytest-asyncio, in auto or strict mode):

- ``memoram_local`` gives a :class:`MemoramLocal`: a fresh local Memoram server on a free
  loopback port (real HTTP), a configured client, and the user's side of the access flow
  (``approve``, ``reject``, ``revoke``, ``approve_next``, ``reject_next``, ``pending``,
  ``rotate_key``, ``approved_user``; all coroutines, to ``await``). Needs
  ``memoram-async[local]``. Options of the server come from a marker:
  ``@pytest.mark.memoram_local(auto_approve=True, faults="error_rate=0.2", seed=1)``.
- ``memoram_respx`` gives a :class:`MemoramRespx`: the API mocked with respx at a fake
  ``https`` URL, a valid token already routed, and builders for bodies the SDK accepts
  (memories with real encrypted content). Needs ``respx``.

Both set ``MEMORAM_API_KEY`` and ``MEMORAM_BASE_URL`` for the test, so code that builds its own
``MemoramClient()`` from the environment talks to them.

Retries and polls wait for real unless told otherwise: ``instant_retries()`` (a context manager)
or ``set_testing(True)`` make every wait of the SDK instant, as ``stamina.set_testing`` does,
so a test of retries takes no wall-clock time and patches nothing private;
``instant_client(client)`` does it for one client, with exact (jitter-free) backoff.

Importing this module imports neither the local server (starlette, uvicorn) nor respx: each
is imported by the class that needs it, on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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
from ._waits import instant_client, instant_retries, set_testing

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
    "instant_client",
    "instant_retries",
    "memory_body",
    "page_body",
    "set_testing",
    "tag_body",
    "token_body",
]

_LAZY = {"MemoramLocal": "._local", "MemoramRespx": "._respx"}


def __getattr__(name: str) -> Any:
    # The fixtures' classes, imported on first use: they need the optional dependencies.
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
