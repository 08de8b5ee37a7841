"""`python -m memoram_local`: the `memoram-local` command."""

from ._cli import main

raise SystemExit(main())
