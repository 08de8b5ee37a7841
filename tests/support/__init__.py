"""What every tier may import: shared fakes, tables and helpers, and no tests.

- ``fake_api.py``: the in-memory Memoram API behind ``httpx.MockTransport``, with scripted faults.
- ``chaos/``: the chaos scenarios, run small by ``tests/scenarios/`` and at full size by
  ``make chaos``; ``chaos/bad_input.py`` is the one table of bad inputs.
- ``deadline.py``: a hard deadline for a loopback scenario (its own loop in a daemon thread).
- ``surrogates.py``: every text argument with a lone surrogate, for the unit and sdk_local tiers.
- ``listing.py``: a memory listing read to its end (the ids, and the error that ended it).

A tier imports from here and from itself, never from another tier's modules
(``tests/unit/test_test_layout.py`` checks it).
"""
