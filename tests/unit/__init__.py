"""Unit tests: the SDK in process, one file per module or subject, no server and no sockets.

Everything here runs through ``httpx.MockTransport`` (the fake API in
``tests/support/fake_api.py``) or calls pure functions, so the whole tier takes seconds and is
what ``make check`` runs. Put a test here when it needs neither the local server nor the
network; name the file after the module it pins (``test_crypto.py`` for ``_crypto.py``) or
the subject that spans modules (``test_client_retries.py``). The one table of bad inputs lives in
``tests/support/chaos/bad_input.py`` (``make chaos`` uses it too) and runs in
``test_bad_input.py``.
"""
