"""`/sparql` (SPARQL 1.1 Protocol, query operation) and `/health`.

Requests are read here (GET, POST form, POST direct; dataset parameters;
limits), checked by `kb.store.query_text` (updates and SERVICE refused, format
negotiated), answered from the response cache or run by the query workers
(`kb.store.query_workers`) or by an external store (`kb.store.external`), and streamed back.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse

from kb.config import Settings
from kb.namespaces import STANDARD_PREFIXES, kb_prefixes
from kb.store.query_text import explain_syntax_error, inspect_query, service_refusal
from kb.store.query_workers import Execution, QueryFailed, QueryRequest, QueryTimeout, WorkerPool
from kb.store.result_formats import (
    FORMATS,
    FORMATS_BY_NAME,
    RDF_FORMATS,
    RowCap,
    negotiate,
    serialize_boolean,
    serialize_solutions,
    serialize_triples,
)
from kb.web.errors import error_response, wants_html

log = logging.getLogger("kb.web.sparql_endpoint")
access_log = logging.getLogger("kb.access")

router = APIRouter()

PREFIXES = STANDARD_PREFIXES


class ProtocolError(Exception):
    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail = status, error, detail


@dataclass
class ProtocolRequest:
    query: str | None
    default_graphs: list[str]
    named_graphs: list[str]
    format: str | None


class ResponseCache:
    """Whole responses of a read-only store, keyed by query, dataset and format (LRU)."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget = budget_bytes
        self.size = 0
        self.entries: OrderedDict[tuple[Any, ...], tuple[str, bytes, dict[str, str]]] = (
            OrderedDict()
        )

    def get(self, key: tuple[Any, ...]) -> tuple[str, bytes, dict[str, str]] | None:
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
        return entry

    def clear(self) -> None:
        """Forget every response (the store changed)."""
        self.entries.clear()
        self.size = 0

    def put(self, key: tuple[Any, ...], media: str, body: bytes, headers: dict[str, str]) -> None:
        if len(body) > self.budget // 8 or key in self.entries:
            return
        self.entries[key] = (media, body, headers)
        self.size += len(body)
        while self.size > self.budget and self.entries:
            _, (_, old, _) = self.entries.popitem(last=False)
            self.size -= len(old)


@dataclass
class SparqlService:
    """What /sparql needs, built once per app in the lifespan."""

    settings: Settings
    store: Any  # EmbeddedStore or ExternalStore
    pool: WorkerPool | None
    triples: int = 0  # as counted at start-up (an external store's; see `counts`)
    graph_counts: dict[str, int] = field(default_factory=dict)
    cache: ResponseCache | None = None

    @property
    def generation(self) -> int:
        """The store's state: bumped by every commit (an external store's never changes)."""
        generation: int = getattr(self.store, "generation", 0)
        return generation

    def counts(self) -> tuple[int, dict[str, int]]:
        """Triples, and triples per named graph, now (the embedded store keeps them up to
        date without a lock; an external store's are those counted at start-up)."""
        if getattr(self.store, "writable", False):
            return self.store.triple_count(), self.store.graph_counts()
        return self.triples, self.graph_counts


def get_service(request: Request) -> SparqlService:
    service: SparqlService = request.app.state.sparql
    return service


# -- reading the request -----------------------------------------------------------------


def _single(params: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in params if k == name]
    if len(values) > 1:
        raise ProtocolError(400, "Bad Request", f"more than one '{name}' parameter")
    return values[0] if values else None


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ProtocolError(413, "Payload Too Large", f"the request body exceeds {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ProtocolError(413, "Payload Too Large", f"the request body exceeds {limit} bytes")
    return bytes(body)


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


async def read_protocol_request(request: Request, settings: Settings) -> ProtocolRequest:
    raw_qs = request.scope.get("query_string", b"")
    if request.method == "GET" and len(raw_qs) > settings.max_query_length * 3 + 4096:
        raise ProtocolError(414, "URI Too Long", "the request URI is too long")
    try:
        url_params = parse_qsl(raw_qs.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise ProtocolError(400, "Bad Request", "the request URI is not UTF-8") from None
    params = list(url_params)
    query: str | None = None
    if request.method == "POST":
        content_type = request.headers.get("content-type", "")
        media = content_type.split(";")[0].strip().lower()
        if media == "application/sparql-update":
            raise ProtocolError(403, "Forbidden", "this endpoint is read-only: updates are refused")
        body = await _read_body(request, settings.max_body_bytes)
        charset = _charset(content_type)
        if charset not in (None, "utf-8", "utf8"):
            raise ProtocolError(415, "Unsupported Media Type", "the request must be UTF-8")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(400, "Bad Request", "the request body is not UTF-8") from None
        if media == "application/x-www-form-urlencoded":
            params += parse_qsl(text, keep_blank_values=True)
        elif media == "application/sparql-query":
            if any(k == "query" for k, _ in url_params):
                raise ProtocolError(400, "Bad Request", "a query both in the URL and the body")
            query = text
        else:
            raise ProtocolError(
                415,
                "Unsupported Media Type",
                "POST a query as application/x-www-form-urlencoded or application/sparql-query",
            )
    if any(k in ("update", "using-graph-uri", "using-named-graph-uri") for k, _ in params):
        raise ProtocolError(403, "Forbidden", "this endpoint is read-only: updates are refused")
    if query is None:
        query = _single(params, "query")
    if query is not None and len(query) > settings.max_query_length:
        status, error = (414, "URI Too Long") if request.method == "GET" else (413, "Too Large")
        raise ProtocolError(
            status, error, f"the query is longer than {settings.max_query_length} characters"
        )
    return ProtocolRequest(
        query=query,
        default_graphs=_graph_iris(params, "default-graph-uri"),
        named_graphs=_graph_iris(params, "named-graph-uri"),
        format=_single(params, "format") or _single(params, "output"),
    )


def _graph_iris(params: list[tuple[str, str]], name: str) -> list[str]:
    """The values of a dataset parameter, each an absolute IRI (else 400)."""
    import pyoxigraph as ox

    values = [v for k, v in params if k == name]
    for value in values:
        try:
            ox.NamedNode(value)
        except ValueError:
            raise ProtocolError(
                400, "Bad Request", f"{name}: {value!r} is not an absolute IRI"
            ) from None
    return values


# -- answering -----------------------------------------------------------------------------


def _result_headers(settings: Settings, truncated: bool | None) -> dict[str, str]:
    headers = {"Vary": "Accept", "X-Query-Max-Rows": str(settings.max_result_rows)}
    if truncated:
        headers["X-Query-Truncated"] = "true"
    return headers


class ClientGone(Exception):
    pass


#: A query still running after this long gets a watcher that stops it if its client leaves.
WATCH_AFTER_S = 0.05


async def _unless_disconnected(request: Request, work: Awaitable[Any]) -> Any:
    """Await `work`, but cancel it (and so stop its worker) if the client disconnects.

    Most queries end within `WATCH_AFTER_S`: they cost one timer, no task. A longer one gets
    a watcher task reading the request's messages, which cancels this task on a disconnect.
    """
    loop = asyncio.get_running_loop()
    me = asyncio.current_task()
    assert me is not None
    gone = False
    watcher: asyncio.Task[None] | None = None

    async def watch() -> None:
        nonlocal gone
        while (await request.receive())["type"] != "http.disconnect":
            pass
        gone = True
        me.cancel()

    def start_watching() -> None:
        nonlocal watcher
        watcher = loop.create_task(watch())

    timer = loop.call_later(WATCH_AFTER_S, start_watching)
    try:
        return await work
    except asyncio.CancelledError:
        if gone and me.uncancel() == 0:
            raise ClientGone() from None
        raise
    finally:
        timer.cancel()
        if watcher is not None:
            watcher.cancel()


def _failure(request: Request, exc: Exception, settings: Settings, query: str = "") -> Response:
    if isinstance(exc, QueryTimeout):
        return error_response(
            request,
            503,
            "Query Timeout",
            f"the query was stopped after {settings.query_timeout_s:g} s",
        )
    if isinstance(exc, QueryFailed) and exc.status == 400 and query:  # a syntax error
        known = {**STANDARD_PREFIXES, **kb_prefixes(settings.base_iri)}
        return error_response(
            request, 400, exc.error, explain_syntax_error(query, exc.detail, known)
        )
    if isinstance(exc, QueryFailed | ProtocolError):
        return error_response(request, exc.status, exc.error, exc.detail)
    raise exc


async def _run_embedded(
    request: Request, service: SparqlService, req: QueryRequest, generation: int
) -> tuple[Response, bytes | None, str | None]:
    """The response, and its body and media type if it may be cached: whole, and from a
    worker that saw the store's `generation` (a worker of an older one is still answering
    just after a commit)."""
    assert service.pool is not None
    settings = service.settings
    pool = service.pool

    async def start() -> Execution:
        return await pool.run_first(req, settings.query_timeout_s)

    execution: Execution = await _unless_disconnected(request, start())
    fmt = FORMATS_BY_NAME[execution.header["format"]]
    if execution.complete:
        body = execution.first or b""
        headers = _result_headers(settings, execution.trailer.get("truncated"))
        response = Response(body, media_type=fmt.content_type, headers=headers)
        if execution.generation != generation:
            return response, None, None
        return response, body, fmt.content_type
    return (
        StreamingResponse(
            execution.chunks(),
            media_type=fmt.content_type,
            headers=_result_headers(settings, None),
        ),
        None,
        None,
    )


def _external_serialize(
    service: SparqlService, req: QueryRequest, default_graphs: list[str], named_graphs: list[str]
) -> tuple[str, bytes, bool]:
    kind, payload = service.store.run(req.query, default_graphs, named_graphs)
    fmt = req.formats.get(kind)
    if fmt is None:
        raise QueryFailed(406, "Not Acceptable", f"no acceptable format for a {kind} result")
    out = io.BytesIO()
    cap = RowCap(req.max_rows)
    if kind == "solutions":
        variables, rows = payload
        serialize_solutions(variables, rows, fmt, out.write, cap)
    elif kind == "boolean":
        serialize_boolean(bool(payload), fmt, out.write)
    else:
        serialize_triples(payload, fmt, out.write, cap, req.prefixes)
    return fmt, out.getvalue(), cap.truncated


async def _run_external(
    request: Request, service: SparqlService, req: QueryRequest
) -> tuple[Response, bytes | None, str | None]:
    settings = service.settings
    work = asyncio.to_thread(
        _external_serialize, service, req, req.default_graphs, req.named_graphs
    )
    try:
        fmt_name, body, truncated = await asyncio.wait_for(
            _unless_disconnected(request, work), settings.query_timeout_s + 1
        )
    except TimeoutError:
        raise QueryTimeout() from None
    fmt = FORMATS_BY_NAME[fmt_name]
    headers = _result_headers(settings, truncated)
    return Response(body, media_type=fmt.content_type, headers=headers), body, fmt.content_type


def query_hash(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()[:16]


async def sparql_endpoint(request: Request) -> Response:
    """SPARQL 1.1 Protocol query operation (read-only)."""
    service = get_service(request)
    settings = service.settings
    try:
        preq = await read_protocol_request(request, settings)
    except ProtocolError as exc:
        return error_response(request, exc.status, exc.error, exc.detail)
    if preq.query is None:
        return service_description_or_editor(request, service, preq)
    request.state.query_hash = query_hash(preq.query)
    formats = negotiate(request.headers.get("accept"), preq.format)
    base_iri = endpoint_url(request, settings)
    generation = service.generation
    key = (
        preq.query,
        tuple(preq.default_graphs),
        tuple(preq.named_graphs),
        tuple(formats.items()),
        base_iri,
        generation,
    )
    if service.cache is not None:
        hit = service.cache.get(key)
        if hit is not None:
            hit_media, hit_body, hit_headers = hit
            return Response(
                hit_body, media_type=hit_media, headers={**hit_headers, "X-Cache": "hit"}
            )
    info = inspect_query(preq.query)
    if info.is_update:
        return error_response(
            request, 403, "Forbidden", "this endpoint is read-only: updates are refused"
        )
    refusal = service_refusal(info, settings.federation_enabled, settings.service_allowlist)
    if refusal:
        return error_response(request, 403, "Forbidden", refusal)
    if info.form is not None and formats[info.form] is None:
        offered = ", ".join(f.media_type for f in FORMATS if info.form in f.kinds)
        return error_response(
            request, 406, "Not Acceptable", f"this result can be served as: {offered}"
        )
    req = QueryRequest(
        query=preq.query,
        formats=formats,
        default_graphs=preq.default_graphs,
        named_graphs=preq.named_graphs,
        max_rows=settings.max_result_rows,
        prefixes=PREFIXES if info.form in ("graph", None) else {},
        base_iri=base_iri,
        has_dataset_clause=info.has_dataset_clause,
    )
    body: bytes | None
    media: str | None
    try:
        if service.pool is not None:
            response, body, media = await _run_embedded(request, service, req, generation)
        else:
            response, body, media = await _run_external(request, service, req)
    except ClientGone:
        log.info("client went away; query %s stopped", request.state.query_hash)
        return Response(status_code=499)
    except (QueryTimeout, QueryFailed) as exc:
        return _failure(request, exc, settings, preq.query)
    if service.cache is not None and body is not None and media is not None:
        service.cache.put(key, media, body, _cacheable(response))
    return response


# A plain Starlette route: FastAPI's parameter machinery costs ~0.1 ms a request here.
router.add_route("/sparql", sparql_endpoint, methods=["GET", "POST"], include_in_schema=False)


def _cacheable(response: Response) -> dict[str, str]:
    keep = ("vary", "x-query-max-rows", "x-query-truncated")
    return {k: v for k, v in response.headers.items() if k in keep}


# -- service description -----------------------------------------------------------------


def endpoint_url(request: Request, settings: Settings) -> str:
    """The endpoint's own URL (the base of relative IRIs in queries)."""
    if settings.public_url:
        return settings.public_url.rstrip("/") + "/sparql"
    scope = request.scope
    host = request.headers.get("host")
    if not host:
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] in (None, 80, 443) else f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{scope['path']}"


def service_description(url: str, service: SparqlService) -> list[Any]:
    """The SPARQL 1.1 Service Description of this endpoint, as pyoxigraph triples."""
    import pyoxigraph as ox

    sd = "http://www.w3.org/ns/sparql-service-description#"
    void = "http://rdfs.org/ns/void#"
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

    def n(iri: str) -> ox.NamedNode:
        return ox.NamedNode(iri)

    me = n(url)
    total, graph_counts = service.counts()
    triples = [
        ox.Triple(me, rdf_type, n(sd + "Service")),
        ox.Triple(me, n(sd + "endpoint"), me),
        ox.Triple(me, n(sd + "supportedLanguage"), n(sd + "SPARQL11Query")),
        ox.Triple(me, n(sd + "feature"), n(sd + "UnionDefaultGraph")),
    ]
    if service.settings.federation_enabled and service.settings.service_allowlist:
        triples.append(ox.Triple(me, n(sd + "feature"), n(sd + "BasicFederatedQuery")))
    for fmt in FORMATS:
        triples.append(ox.Triple(me, n(sd + "resultFormat"), n(fmt.sd_iri)))
    dataset, default_graph = ox.BlankNode("dataset"), ox.BlankNode("defaultGraph")
    triples += [
        ox.Triple(me, n(sd + "defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, n(sd + "Dataset")),
        ox.Triple(dataset, n(sd + "defaultGraph"), default_graph),
        ox.Triple(default_graph, rdf_type, n(sd + "Graph")),
        ox.Triple(default_graph, n(void + "triples"), ox.Literal(total)),
    ]
    for i, (graph, count) in enumerate(sorted(graph_counts.items())):
        named, g = ox.BlankNode(f"ng{i}"), ox.BlankNode(f"g{i}")
        triples += [
            ox.Triple(dataset, n(sd + "namedGraph"), named),
            ox.Triple(named, rdf_type, n(sd + "NamedGraph")),
            ox.Triple(named, n(sd + "name"), n(graph)),
            ox.Triple(named, n(sd + "graph"), g),
            ox.Triple(g, rdf_type, n(sd + "Graph")),
            ox.Triple(g, n(void + "triples"), ox.Literal(count)),
        ]
    return list(dict.fromkeys(triples))


def service_description_or_editor(
    request: Request, service: SparqlService, preq: ProtocolRequest
) -> Response:
    accept = request.headers.get("accept", "")
    if preq.format is None and wants_html(request):
        return query_editor(request)
    fmt_name = negotiate(accept or None, preq.format)["graph"]
    if fmt_name is None:
        return error_response(request, 406, "Not Acceptable", "no acceptable RDF format")
    import pyoxigraph as ox

    body = ox.serialize(
        service_description(endpoint_url(request, service.settings), service),
        format=RDF_FORMATS[fmt_name],
        prefixes={
            "sd": "http://www.w3.org/ns/sparql-service-description#",
            "void": "http://rdfs.org/ns/void#",
        }
        if fmt_name == "turtle"
        else None,
    )
    return Response(
        body, media_type=FORMATS_BY_NAME[fmt_name].content_type, headers={"Vary": "Accept"}
    )


def query_editor(request: Request) -> Response:
    """The HTML query editor of kb.web.query_editor, or a minimal form until it exists."""
    try:
        from kb.web import query_editor as editor

        render: Callable[[Request], Response] | None = getattr(editor, "render_query_editor", None)
    except ImportError:
        render = None
    if render is not None:
        return render(request)
    return HTMLResponse(
        "<!doctype html><html lang=en><meta charset=utf-8><title>SPARQL endpoint</title>"
        "<main><h1>SPARQL endpoint</h1><form method=post action=/sparql>"
        "<textarea name=query rows=12 cols=80>SELECT * WHERE { ?s ?p ?o } LIMIT 10</textarea>"
        "<p><button>Run</button></p></form></main></html>",
        headers={"Vary": "Accept"},
    )


@router.get("/health")
async def health(request: Request) -> Response:
    """`ok` (200) while queries can run; `degraded` (503, with why) while they cannot, for
    example while a query worker zygote that died is being replaced."""
    service = get_service(request)
    triples, _ = service.counts()
    body: dict[str, Any] = {"status": "ok", "triples": triples, "generation": service.generation}
    if service.pool is not None:
        pool = service.pool.health()
        body["workers"] = pool.workers
        if not pool.ok:
            body.update(
                status="degraded",
                error="Service Unavailable",
                detail="queries cannot run: " + "; ".join(pool.problems),
            )
            return JSONResponse(body, status_code=503, headers={"Retry-After": "1"})
    return JSONResponse(body)


# -- middleware: CORS for /sparql, one access log line per request ---------------------------

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Any]


async def sparql_asgi(
    scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]
) -> None:
    """`/sparql` as a bare ASGI app (see `SparqlMiddleware`)."""
    request = Request(scope, receive, send)
    response = await sparql_endpoint(request)
    await response(scope, receive, send)


class SparqlMiddleware:
    """Pure ASGI: CORS on /sparql (preflight included) and a JSON access log line.

    `GET` and `POST /sparql` go straight to the endpoint (through `direct`: the endpoint
    behind the strict-input check), not through the routing and the middleware below this
    one: they are the hot path, and the rest adds about 0.1 ms of Python to each request.
    """

    def __init__(self, app: ASGIApp, direct: ASGIApp | None = None) -> None:
        self.app = app
        self.direct = direct

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        path: str = scope.get("path", "")
        cors = path == "/sparql" or path == "/sparql/"
        status = {"code": 0}
        if cors and scope["method"] == "OPTIONS":
            headers = [
                (b"access-control-allow-origin", b"*"),
                (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
                (b"access-control-allow-headers", b"Accept, Content-Type"),
                (b"access-control-max-age", b"86400"),
                (b"content-length", b"0"),
            ]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            status["code"] = 204
        else:

            async def send_wrapper(message: Any) -> None:
                if message["type"] == "http.response.start":
                    status["code"] = message["status"]
                    if cors:
                        message["headers"] = [
                            *message.get("headers", []),
                            (b"access-control-allow-origin", b"*"),
                            (
                                b"access-control-expose-headers",
                                b"X-Query-Truncated, X-Query-Max-Rows",
                            ),
                        ]
                await send(message)

            target = self.app
            if self.direct is not None and path == "/sparql" and scope["method"] in ("GET", "POST"):
                target = self.direct
            await target(scope, receive, send_wrapper)
        if access_log.isEnabledFor(logging.INFO):
            state = scope.get("state") or {}
            access_log.info(
                json.dumps(
                    {
                        "method": scope["method"],
                        "path": path,
                        "status": status["code"],
                        "duration_ms": round((time.perf_counter() - start) * 1000, 2),
                        "query_hash": state.get("query_hash"),
                    }
                )
            )
