"""The FastAPI application: loads the knowledge base at start and wires the routes.

`uvicorn server:app` and `alliance-kb serve` serve the same app. The routes
live in `kb/web/`, one module per group; this file only assembles them.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from kb.config import Settings, get_settings
from kb.curation.record_changes import writer_for
from kb.sources.rdf_files import dataset_files
from kb.store.changes import ChangeSet
from kb.store.embedded import EmbeddedStore
from kb.store.query_workers import WorkerPool
from kb.store.search_index import open_search_index
from kb.web import (
    account_pages,
    dumps,
    errors,
    guide_page,
    history_pages,
    landing,
    ontology_page,
    openapi_document,
    record_forms,
    record_lists,
    record_writes,
    records,
    request_pages,
    request_queue,
    search_page,
    static_files,
    validation_page,
)
from kb.web import sparql_endpoint as sparql_routes
from kb.web.auth import CookieMiddleware
from kb.web.context import KnowledgeBase
from kb.web.strict_input import StrictUtf8Middleware

log = logging.getLogger("kb.server")


class StartupRefused(RuntimeError):
    """--strict and the data has SHACL violations."""


def open_knowledge_base(settings: Settings, data_dir: Path | None = None) -> KnowledgeBase:
    """Files → graphs → store (embedded, or the external endpoint of `store_url`)."""
    files = dataset_files(settings, [data_dir] if data_dir else None)
    if settings.store_url:
        from kb.store.external import ExternalStore

        store: EmbeddedStore | ExternalStore = ExternalStore(
            settings.store_url, files.graphs(), settings.query_timeout_s
        )
        log.info("querying the external store %s", settings.store_url)
    else:
        started = time.perf_counter()
        store = EmbeddedStore.from_files(files, settings.base_iri, settings.store_location)
        log.info(
            "%s %d files in %.2f s",
            "reused the on-disk store of" if store.reused else "loaded",
            len(files.sources),
            time.perf_counter() - started,
        )
    return KnowledgeBase(settings=settings, dataset=files, store=store)


def validate_at_startup(kb: KnowledgeBase) -> threading.Thread | None:
    """Log the SHACL summary; with `strict`, refuse to serve data with violations.

    The report of the same files, shapes and validation code is reused from the state
    directory (`kb.validation.report_cache`). Otherwise `strict` validates before serving;
    without it the server serves at once and validates in a background thread (35 s at a
    million triples): `kb.validation` stays None until the report is there. Validation
    runs on a snapshot of the store (`KnowledgeBase.isolated`), whose memory is returned
    when it ends.
    """
    settings = kb.settings
    if not settings.validate_on_start and not settings.strict:
        return None
    from kb.validation.report_cache import load_report, report_key, save_report
    from kb.validation.validator import validate_store

    key = report_key(settings, kb.state_key())
    cached = load_report(settings, key)
    if cached is not None:
        log.info("validation report of these files reused from the state directory")
        _take_report(kb, cached)
        return None

    def validate() -> None:
        state = kb.state_key()
        started = time.perf_counter()
        report = kb.isolated(lambda store: validate_store(settings, store, kb.dataset))
        log.info("validated in %.1f s", time.perf_counter() - started)
        if kb.state_key() == state:
            save_report(settings, key, report)
        _take_report(kb, report)

    if settings.strict:
        validate()
        return None

    def validate_in_background() -> None:
        try:
            validate()
        except Exception:
            log.exception("start-up validation failed")

    thread = threading.Thread(target=validate_in_background, name="startup-validation")
    thread.daemon = True
    thread.start()
    return thread


def _take_report(kb: KnowledgeBase, report: Any) -> None:
    kb.validation = report
    if report.conforms:
        log.info("validation: %s", report.summary("en"))
    elif kb.settings.strict:
        log.error("validation: %s; --strict: refusing to start", report.summary("en"))
        raise StartupRefused(report.summary("en"))
    else:
        log.warning("validation: %s; serving anyway (use --strict to refuse)", report.summary("en"))


def create_app(
    settings: Settings | None = None,
    data_dir: Path | None = None,
    knowledge_base: KnowledgeBase | None = None,
) -> FastAPI:
    """The app; `knowledge_base` (tests) replaces loading from files."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not logging.getLogger().handlers:  # `uvicorn server:app`: show our INFO lines too
            logging.basicConfig(
                level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
            )
        if knowledge_base is None:  # changes a crash interrupted: finished or aborted first
            writer_for(settings).recover_files(data_dir or settings.data_dir)
        kb = knowledge_base or open_knowledge_base(settings, data_dir)
        if knowledge_base is None:
            validate_at_startup(kb)
        app.state.kb = kb
        request_pages.purge_at_start(app)  # public requests: the retention period applied
        # what start-up made lives as long as the server: keep it out of the garbage
        # collector's full passes, here and in the processes forked below (whose memory
        # then stays shared)
        gc.collect()
        gc.freeze()
        pool = None
        if isinstance(kb.store, EmbeddedStore):
            workers = settings.query_workers or max(2, os.cpu_count() or 2)
            pool = WorkerPool(kb.store, workers)
            await pool.start()
        counts = kb.store.graph_counts()  # type: ignore[attr-defined]
        service = sparql_routes.SparqlService(
            settings=settings,
            store=kb.store,
            pool=pool,
            triples=kb.store.triple_count(),
            graph_counts=counts,
            cache=sparql_routes.ResponseCache(settings.response_cache_mb * 1024 * 1024)
            if settings.response_cache_mb > 0
            else None,
        )
        app.state.sparql = service
        if isinstance(kb.store, EmbeddedStore) and service.cache is not None:
            loop, cache = asyncio.get_running_loop(), service.cache

            def forget_responses(_change: ChangeSet, _generation: int) -> None:
                loop.call_soon_threadsafe(cache.clear)  # the cache belongs to the event loop

            kb.store.subscribe(forget_responses)
        # after the workers are forked: the index may build in a thread of its own
        app.state.search = open_search_index(
            kb.store,
            settings.base_iri,
            settings.store_location if isinstance(kb.store, EmbeddedStore) else None,
            kb.dataset.content_hash,
        )
        if isinstance(kb.store, EmbeddedStore):
            kb.store.subscribe(app.state.search.apply_change)
        try:
            yield
        finally:
            app.state.search.close()
            gc.unfreeze()
            if pool is not None:
                await pool.close()

    app = FastAPI(
        # no OpenTelemetry here: its per-request check costs ~30 µs of the /sparql hot path
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
        title="Roma Inclusion Alliance knowledge base",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    errors.install_error_handlers(app)
    # the last added runs first: the access log and CORS see the strict-input refusals too
    app.add_middleware(StrictUtf8Middleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(
        sparql_routes.SparqlMiddleware,
        direct=StrictUtf8Middleware(
            sparql_routes.sparql_asgi, max_body_bytes=settings.max_body_bytes
        ),
    )
    app.add_middleware(CookieMiddleware)
    app.include_router(sparql_routes.router)
    app.include_router(search_page.router)
    app.include_router(record_forms.router)  # /id/{kind}/{slug}/edit before /id/{kind}/{name}
    app.include_router(guide_page.router)
    # in this order: a path two routes match goes to the first (`/ontology` before
    # `/ontology{suffix}`, `/static/vendor/...` before `/static/...`)
    app.include_router(record_lists.router)
    app.include_router(records.router)
    app.include_router(landing.router)
    app.include_router(ontology_page.router)
    app.include_router(validation_page.router)
    app.include_router(static_files.router)
    app.include_router(dumps.router)
    app.include_router(account_pages.router)
    app.include_router(record_writes.router)
    app.include_router(history_pages.router)
    app.include_router(request_pages.router)
    app.include_router(request_queue.router)
    openapi_document.install(app)  # FastAPI's description, plus the plain route /sparql
    return app


app = create_app()
