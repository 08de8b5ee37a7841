"""`python -m memoram_async.local`: the `memoram-local` command."""

from ._cli import main

raise SystemExit(main())
