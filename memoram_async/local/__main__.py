"""Deprecated: `python -m memoram_async.local` runs `python -m memoram_local` (and warns)."""

from memoram_local._cli import main

raise SystemExit(main())
