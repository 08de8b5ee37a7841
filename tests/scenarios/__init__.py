"""Scenarios: the chaos scenarios, run at small size.

The six reliability and security scenarios (faulty network, token churn, hostile answers, bad
input, secrets, SIGKILL durability) live in ``tests/support/chaos/``: ``make chaos``
(``python -m scripts.chaos``) runs them at full size, the tests here run the very same code
small.
"""
