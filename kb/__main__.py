"""`python -m kb ...` is the same program as `alliance-kb ...`."""

from kb.cli.main import main

raise SystemExit(main())
