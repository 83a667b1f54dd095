"""`alliance-kb serve`: the web server on the embedded or an external store.

The HTTP server is uvicorn (with uvloop and httptools; the default) or granian (Rust;
`ALLIANCE_HTTP_SERVER=granian`, in its embedded mode); both serve the same ASGI app in this
one process, so the query workers and their supervision are the same. Measured on /sparql
(bench/README.md, "Endpoint"), granian costs as much CPU per request as uvicorn here (the
app's Python dominates), and it answers a request line holding raw non-ASCII bytes with an
empty 400 where uvicorn says why: uvicorn stays the default. `uvicorn server:app` serves
the same app too.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import signal
from typing import Any

from kb.config import Settings, get_settings


def run_serve_command(args: argparse.Namespace) -> int:
    # Importing the app makes only objects that live as long as the server (the app freezes
    # them at start): the cyclic garbage collector's passes meanwhile find nothing and cost
    # about a tenth of the import's time.
    gc.disable()
    try:
        import server
    finally:
        gc.enable()

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
    if settings.http_server == "granian":
        return serve_with_granian(app, settings)
    return serve_with_uvicorn(app, settings)


def serve_with_uvicorn(app: Any, settings: Settings) -> int:
    import uvicorn

    try:
        # the app writes its own access log line (kb.access), with the query hash
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            access_log=False,
            log_level="info",
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )
    except SystemExit as exc:  # uvicorn exits 3 when the start-up fails (e.g. --strict)
        return 1 if exc.code else 0
    return 0


def serve_with_granian(app: Any, settings: Settings) -> int:
    """granian's embedded server in this process's event loop (uvloop); SIGINT and SIGTERM
    stop it gracefully (the app's shutdown stops the query workers)."""
    import uvloop
    from granian.constants import Interfaces
    from granian.errors import FatalError
    from granian.server.embed import Server

    logging.getLogger("_granian").setLevel(logging.WARNING)  # "embedded is experimental"
    from granian.utils.proxies import wrap_asgi_with_proxy_headers

    trusted = [a.strip() for a in settings.forwarded_allow_ips.split(",") if a.strip()]
    if trusted:  # granian itself reads no proxy headers: uvicorn's rules, as a wrapper
        app = wrap_asgi_with_proxy_headers(app, trusted_hosts=trusted)
    server = Server(
        app,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        backlog=1024,
        log_access=False,  # the app writes its own access log line (kb.access)
    )

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, server.stop)
        logging.getLogger("kb.server").info(
            "serving on http://%s:%d (granian)", settings.host, settings.port
        )
        await server.serve()

    try:
        uvloop.run(main())
    except FatalError:  # the app's start-up failed (e.g. --strict and violations)
        return 1
    return 0
