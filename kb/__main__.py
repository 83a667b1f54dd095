"""`python -m kb ...` is the same program as `alliance-kb ...`."""

from kb.cli import main

raise SystemExit(main())
