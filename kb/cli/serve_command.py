"""`alliance-kb serve`: the web server (uvicorn) on the embedded or an external store."""

from __future__ import annotations

import argparse
import logging

from kb.config import get_settings


def run_serve_command(args: argparse.Namespace) -> int:
    import uvicorn

    import server

    overrides: dict[str, object] = {}
    if args.host:
        overrides["host"] = args.host
    if args.port:
        overrides["port"] = args.port
    if args.store:
        overrides["store_url"] = args.store
    if args.strict:
        overrides["strict"] = True
    settings = get_settings().model_copy(update=overrides)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = server.create_app(settings, args.data)
    try:
        # the app writes its own access log line (kb.access), with the query hash
        uvicorn.run(app, host=settings.host, port=settings.port, access_log=False, log_level="info")
    except SystemExit as exc:  # uvicorn exits 3 when the start-up fails (e.g. --strict)
        return 1 if exc.code else 0
    return 0
