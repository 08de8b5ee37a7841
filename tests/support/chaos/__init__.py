"""The chaos scenarios, shared by ``scripts/chaos.py`` (full size) and ``tests/scenarios`` (small).

One module per scenario (``network``, ``hostile``, ``bad_input``, ``secret_leaks``,
``durability``) and ``common`` for the result rows, the outcome tally and the table.
"""
