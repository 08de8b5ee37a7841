"""Deprecated: `python -m memoram_async.local` runs `python -m memoram_local`, saying so on stderr.

A DeprecationWarning raised while runpy imports this package is hidden by Python's default
filters, so the command names its replacement in one line of its own.
"""

import sys

from memoram_local._cli import main

sys.stderr.write(
    "memoram_async.local is deprecated: run `python -m memoram_local` (or `memoram-local`)\n"
)
raise SystemExit(main())
