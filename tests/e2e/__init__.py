"""End to end: what users run, run as they run it, mostly as subprocesses.

The examples and ``make demo`` against a local server, the README's first example as pasted,
the built wheel and sdist installed in a fresh venv, the dashboard in headless chromium, the
drift gate of the generated client, and a quick run of the benchmarks.
"""
