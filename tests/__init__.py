"""The test suite, in tiers: each folder says in its ``__init__.py`` what belongs there.

- ``unit/``: fast, in-process tests of the SDK, one file per subject (``make test-unit``; the
  fast tier of ``make check``).
- ``emulator/``: the local server's own tests (``make test-emulator``).
- ``sdk_local/``: the SDK and its pytest plugin against the local server over loopback
  (``make test-sdk-local``).
- ``scenarios/``: the chaos scenarios, run at small size (``make test-scenarios``).
- ``e2e/``: examples, README, release, browser, benchmark smoke (``make test-e2e``).

``support/`` holds what every tier may import (the fake API, the chaos scenarios, shared
tables); no tier imports another tier's modules. ``make test`` runs them all with branch
coverage of ``memoram_async``. ``typing/`` is type-checked as a user's code, and ``vectors/``
holds the encryption known-answer vectors.
"""
