"""The local server's own tests: its API rules, dashboard, guard, faults, command line and spec.

The emulator is tested here without the SDK in the way: in process through
``httpx.ASGITransport`` (the ``flow`` fixture), over loopback (``live_flow``, ``local_server``),
as a ``memoram-local`` subprocess, and by schemathesis against ``openapi.yaml``. The SDK's own
behaviour against the server belongs in ``tests/sdk_local/``.
"""
