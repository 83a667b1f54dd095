"""The FastAPI application: loads the knowledge base at start and wires the routes.

`uvicorn server:app` and `alliance-kb serve` serve the same app. The routes
live in `kb/http/`, one module per group; this file only assembles them.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from kb.config import Settings, get_settings
from kb.http import errors
from kb.http.context import KnowledgeBase
from kb.load import load_dataset
from kb.store import EmbeddedStore

log = logging.getLogger("kb.server")


def open_knowledge_base(settings: Settings, data_dir: Path | None = None) -> KnowledgeBase:
    """Files → graphs → store, with the start-up validation summary logged."""
    dataset = load_dataset(settings, [data_dir] if data_dir else None)
    store = EmbeddedStore(
        dataset.quads, str(settings.store_location) if settings.store_location else None
    )
    log.info("loaded %d quads from %d files", len(dataset.quads), len(dataset.sources))
    return KnowledgeBase(settings=settings, dataset=dataset, store=store)


def create_app(settings: Settings | None = None, data_dir: Path | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.kb = open_knowledge_base(settings, data_dir)
        yield

    app = FastAPI(
        title="Roma Inclusion Alliance knowledge base",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    errors.install_error_handlers(app)

    @app.get("/health")
    def health() -> dict[str, object]:
        return {"status": "ok", "triples": app.state.kb.store.triple_count()}

    return app


app = create_app()
