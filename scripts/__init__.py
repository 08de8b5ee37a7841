"""The project's scripts: ``make demo``, ``make bench``, ``make chaos`` and the code checks.

A package so that the entry points import their library code as packages, not through
``sys.path``: run them from the repository root as ``python -m scripts.bench`` and
``python -m scripts.chaos`` (the Makefile does). The chaos scenarios live in
``tests.support.chaos``.
"""
