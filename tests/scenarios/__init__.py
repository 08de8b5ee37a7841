"""Scenarios: the chaos scenarios and the fake API, run at small size.

``chaos/`` holds the six reliability and security scenarios (faulty network, token churn,
hostile answers, bad input, secrets, SIGKILL durability) as a package: ``make chaos``
(``python -m scripts.chaos``) runs them at full size, the tests here run the very same code
small. ``fake_api.py`` is the in-memory Memoram API behind ``httpx.MockTransport`` that the unit
tier and the scenarios share.
"""
