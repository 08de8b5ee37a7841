"""SQLite storage for the local server: users and their keys, access requests, memories, tags,
and the Idempotency-Key records.

The connection and its transactions live in `_database.py`; the operations in
`_access_store.py` (users, keys, access requests) and `_memory_store.py` (memories, tags).
"""

from __future__ import annotations

from ._access_store import AccessStore
from ._memory_store import MemoryStore


class Store(AccessStore, MemoryStore):
    """The local server's database (thread-safe): every operation the handlers call."""


__all__ = ["Store"]
