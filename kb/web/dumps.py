"""Open-data routes: `/dumps/`, `/dumps/{file}`, `/dumps/feed.atom`, `/catalog`,
`/.well-known/void` and `/context.jsonld`.

The files are an export of the store as the server holds it (`kb.publish.export.served_export`,
made on first use and again after a commit, cached by the store's state), so `/dumps/` always
matches `/sparql`.

Downloads are cache-friendly: a strong `ETag` (the SHA-256 of the file), `Last-Modified`
(the release date), `304 Not Modified` on `If-None-Match` / `If-Modified-Since`, single
`Range` requests (`206`, `416`), `If-Range`, and gzip for clients that accept it (never for
`alliance.nt.gz`, served as the gzip file it is). Only files listed in `SHA256SUMS` are
served: there is no path to anything else.
"""

from __future__ import annotations

import email.utils
import gzip
import html
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pyoxigraph as ox
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from kb.publish.distribution import LICENCE_URL, describe_file, dump_url, format_of
from kb.publish.void import VOID_PREFIXES
from kb.web import open_data_pages
from kb.web.context import KnowledgeBase, get_kb

router = APIRouter()
KB = Annotated[KnowledgeBase, Depends(get_kb)]

#: Files at most this large are gzip-compressed on request (and the result kept in memory).
GZIP_MAX_BYTES = 32 * 1024 * 1024
COMPRESSIBLE = (".ttl", ".jsonld", ".rdf", ".trig", ".csv", ".json", ".atom", "SHA256SUMS")


@dataclass(frozen=True)
class DumpFile:
    name: str
    path: Path
    size: int
    sha256: str
    modified: float  # the release date (the file's mtime, set by the export)

    @property
    def etag(self) -> str:
        return f'"{self.sha256}"'

    @property
    def media_type(self) -> str:
        if self.name.endswith(".gz"):
            return "application/gzip"
        fmt = format_of(self.name)
        text = fmt.media_type.startswith("text/") or fmt.media_type.endswith(("+xml", "json"))
        return f"{fmt.media_type}; charset=utf-8" if text else fmt.media_type


class Dumps:
    """The served export's files, read from its SHA256SUMS."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files: dict[str, DumpFile] = {}
        sums = directory / "SHA256SUMS"
        for line in sums.read_text(encoding="utf-8").splitlines():
            digest, _, name = line.partition("  ")
            self._add(name, digest)
        import hashlib

        self._add("SHA256SUMS", hashlib.sha256(sums.read_bytes()).hexdigest())
        self._gzipped: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def _add(self, name: str, digest: str) -> None:
        path = self.directory / name
        stat = path.stat()
        self.files[name] = DumpFile(name, path, stat.st_size, digest, stat.st_mtime)

    def gzipped(self, item: DumpFile) -> bytes:
        with self._lock:
            data = self._gzipped.get(item.name)
            if data is None:
                data = gzip.compress(item.path.read_bytes(), compresslevel=6, mtime=0)
                self._gzipped[item.name] = data
            return data


_cache: dict[int, tuple[str, Dumps]] = {}
_cache_lock = threading.Lock()


def get_dumps(kb: KnowledgeBase) -> Dumps:
    """The export of this knowledge base (made on first use, then cached)."""
    key = id(kb)
    with _cache_lock:
        cached = _cache.get(key)
        if (
            cached is not None
            and cached[0] == kb.state_key()
            and (cached[1].directory / "SHA256SUMS").is_file()
        ):
            return cached[1]
    from kb.publish.export import ExportRefusedError, served_export  # on the first download

    state = kb.state_key()
    try:
        directory = served_export(kb.settings, kb.dataset, kb.store)
    except ExportRefusedError as exc:  # e.g. served data without a release record
        raise HTTPException(503, f"no open-data export of this data: {exc}") from exc
    dumps = Dumps(directory)
    with _cache_lock:
        _cache.clear()
        _cache[key] = (state, dumps)
    return dumps


def listing(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Every downloadable file: name, URL, size, SHA-256, date, media type, title.

    Also for other pages (the landing page links the dumps).
    """
    dumps = get_dumps(kb)
    out = []
    for name in sorted(dumps.files):
        item = dumps.files[name]
        title, description = describe_file(name)
        out.append(
            {
                "name": name,
                "url": dump_url(kb.settings, name),
                "size": item.size,
                "sha256": item.sha256,
                "modified": email.utils.formatdate(item.modified, usegmt=True),
                "media_type": item.media_type.split(";")[0],
                "title": title,
                "description": description,
            }
        )
    return out


# -- content negotiation ---------------------------------------------------------------------


def _accepts(request: Request) -> list[tuple[str, float]]:
    accept = request.headers.get("accept", "") or "*/*"
    ranges = []
    for index, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        q = 1.0
        for param in fields[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if media:
            ranges.append((media, q - index * 1e-6))
    return ranges


def negotiate(request: Request, offered: list[str]) -> str | None:
    """The offered media type the client prefers (first offered on ties), None if none."""
    best: tuple[float, int, str] | None = None
    for position, media in enumerate(offered):
        kind = media.split("/")[0]
        quality = 0.0
        for accepted, q in _accepts(request):
            if accepted in (media, f"{kind}/*", "*/*"):
                specificity = 2 if accepted == media else (1 if accepted != "*/*" else 0)
                quality = max(quality, q + specificity * 1e-3)
        if quality > 0 and (best is None or (quality, -position) > (best[0], -best[1])):
            best = (quality, position, media)
    return best[2] if best else None


def _not_modified(request: Request, etag: str, modified: float) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = [t.strip() for t in if_none_match.split(",")]
        return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)
    since = request.headers.get("if-modified-since")
    if since:
        try:
            parsed = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        return int(modified) <= parsed.timestamp()
    return False


def _cache_headers(etag: str, modified: float) -> dict[str, str]:
    return {
        "ETag": etag,
        "Last-Modified": email.utils.formatdate(modified, usegmt=True),
        "Cache-Control": "public, max-age=3600",
    }


def _parse_range(header: str, size: int) -> tuple[int, int] | str | None:
    """(first, last) of a single `bytes=` range; None to ignore it; "unsatisfiable"."""
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None  # other units and multiple ranges: the whole file (allowed by RFC 9110)
    first_text, dash, last_text = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if first_text == "":
            length = int(last_text)
            if length <= 0:
                return "unsatisfiable"
            return (max(size - length, 0), size - 1) if size else "unsatisfiable"
        first = int(first_text)
        last = int(last_text) if last_text else size - 1
    except ValueError:
        return None
    if first >= size:
        return "unsatisfiable"
    if first < 0 or last < first:
        return None
    return first, min(last, size - 1)


def _read(path: Path, first: int, length: int) -> bytes:
    with open(path, "rb") as handle:
        handle.seek(first)
        return handle.read(length)


def serve_file(request: Request, dumps: Dumps, item: DumpFile) -> Response:
    headers = {**_cache_headers(item.etag, item.modified), "Accept-Ranges": "bytes"}
    compressible = item.name.endswith(COMPRESSIBLE) and item.size <= GZIP_MAX_BYTES
    if compressible:
        headers["Vary"] = "Accept-Encoding"
    wants_gzip = compressible and "gzip" in request.headers.get("accept-encoding", "").lower()
    if wants_gzip:
        headers["ETag"] = f'"{item.sha256}-gzip"'
    if _not_modified(request, headers["ETag"], item.modified):
        return Response(status_code=304, headers=headers)
    range_header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if range_header and if_range and if_range.strip() != item.etag:
        if_range_date = email.utils.parsedate_tz(if_range)
        if if_range_date is None or email.utils.mktime_tz(if_range_date) < int(item.modified):
            range_header = None  # changed since: send the whole file
    if range_header:
        wanted = _parse_range(range_header, item.size)
        if wanted == "unsatisfiable":
            return Response(
                status_code=416,
                headers={**headers, "Content-Range": f"bytes */{item.size}"},
            )
        if isinstance(wanted, tuple):
            first, last = wanted
            headers["ETag"] = item.etag  # ranges are of the identity representation
            headers["Content-Range"] = f"bytes {first}-{last}/{item.size}"
            body = b"" if request.method == "HEAD" else _read(item.path, first, last - first + 1)
            return Response(
                body,
                status_code=206,
                media_type=item.media_type,
                headers={**headers, "Content-Length": str(last - first + 1)},
            )
    if wants_gzip:
        data = dumps.gzipped(item)
        headers["Content-Encoding"] = "gzip"
        return Response(
            b"" if request.method == "HEAD" else data,
            media_type=item.media_type,
            headers={**headers, "Content-Length": str(len(data))},
        )
    body = b"" if request.method == "HEAD" else item.path.read_bytes()
    return Response(
        body, media_type=item.media_type, headers={**headers, "Content-Length": str(item.size)}
    )


# -- routes -----------------------------------------------------------------------------------


@router.api_route("/dumps", methods=["GET", "HEAD"], include_in_schema=False)
def dumps_redirect() -> Response:
    return Response(status_code=308, headers={"Location": "/dumps/"})


@router.api_route("/dumps/", methods=["GET", "HEAD"])
def dumps_index(request: Request, kb: KB, format: str | None = None) -> Response:
    """The files of the current release, as HTML (browsers) or JSON."""
    dumps = get_dumps(kb)
    sums = dumps.files["SHA256SUMS"]
    chosen = {"json": "application/json", "html": "text/html"}.get(format or "") or negotiate(
        request, ["text/html", "application/json"]
    )
    if chosen is None:
        raise HTTPException(406, "this listing is available as text/html or application/json")
    etag = f'"{sums.sha256}-{"json" if chosen == "application/json" else "html"}"'
    headers = {**_cache_headers(etag, sums.modified), "Vary": "Accept"}
    if _not_modified(request, etag, sums.modified):
        return Response(status_code=304, headers=headers)
    files = listing(kb)
    release = _release_of(kb)
    if chosen == "application/json":
        body = {
            "release": release,
            "catalog": f"{_public(kb)}/catalog",
            "void": f"{_public(kb)}/.well-known/void",
            "feed": dump_url(kb.settings, "feed.atom"),
            "licence": LICENCE_URL,
            "files": files,
        }
        return Response(
            json.dumps(body, indent=2, ensure_ascii=False),
            media_type="application/json",
            headers=headers,
        )
    return open_data_pages.render_dumps_index(request, kb, files, release, headers)


@router.api_route("/dumps/{name:path}", methods=["GET", "HEAD"])
def dump_file(name: str, request: Request, kb: KB) -> Response:
    dumps = get_dumps(kb)
    item = dumps.files.get(name)
    if item is None:
        raise HTTPException(404, f"no file {name!r} in the dumps (see /dumps/)")
    return serve_file(request, dumps, item)


RDF_OFFERS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
}
FORMAT_PARAMS = {
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "json": "application/ld+json",
    "rdf": "application/rdf+xml",
    "xml": "application/rdf+xml",
    "nt": "application/n-triples",
    "html": "text/html",
}


def _description(
    request: Request,
    kb: KB,
    file_name: str,
    prefixes: dict[str, str],
    title: str,
    format: str | None,
) -> Response:
    dumps = get_dumps(kb)
    item = dumps.files[file_name]
    offers = ["text/turtle", "text/html", *list(RDF_OFFERS)[1:]]
    if format:
        chosen = FORMAT_PARAMS.get(format.lower())
        if chosen is None:
            raise HTTPException(400, f"unknown format {format!r} (ttl, jsonld, rdf, nt or html)")
    else:
        chosen = negotiate(request, offers)
    if chosen is None:
        raise HTTPException(406, "available as " + ", ".join(offers))
    etag = f'"{item.sha256}-{chosen.split("/")[1].replace("+", "-")}"'
    headers = {**_cache_headers(etag, item.modified), "Vary": "Accept"}
    if _not_modified(request, etag, item.modified):
        return Response(status_code=304, headers=headers)
    data = item.path.read_bytes()
    if chosen == "text/turtle":
        return Response(data, media_type="text/turtle; charset=utf-8", headers=headers)
    triples = [
        t.triple if isinstance(t, ox.Quad) else t
        for t in ox.parse(data, format=ox.RdfFormat.TURTLE)
    ]
    if chosen == "text/html" and file_name == "catalog.ttl":
        return open_data_pages.render_catalog(request, kb, triples, headers)
    if chosen == "text/html":
        return Response(
            _description_html(kb, title, triples, prefixes, file_name),
            media_type="text/html",
            headers=headers,
        )
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
    import io

    from kb.publish import dump_writers as serialize  # on the first JSON-LD or RDF/XML asked

    dump = serialize.SortedDump.from_quads(quads, default_graph=True)

    out = io.BytesIO()
    if chosen == "application/ld+json":
        serialize.write_jsonld(dump, out, {"@context": prefixes})
    elif chosen == "application/rdf+xml":
        serialize.write_rdfxml(dump, out, prefixes)
    else:
        out.write(b"".join(dump.lexical))
    media = chosen if chosen != "application/rdf+xml" else "application/rdf+xml; charset=utf-8"
    return Response(out.getvalue(), media_type=media, headers=headers)


@router.api_route("/catalog", methods=["GET", "HEAD"])
def catalog(request: Request, kb: KB, format: str | None = None) -> Response:
    """The DCAT-AP 3 catalog of the distributions (Turtle, JSON-LD, RDF/XML, N-Triples, HTML)."""
    from kb.publish.catalog import CATALOG_PREFIXES  # the exporter's: on first use

    return _description(request, kb, "catalog.ttl", CATALOG_PREFIXES, "DCAT-AP catalog", format)


@router.api_route("/.well-known/void", methods=["GET", "HEAD"])
def void(request: Request, kb: KB, format: str | None = None) -> Response:
    """The VoID description with statistics (Turtle, JSON-LD, RDF/XML, N-Triples, HTML)."""
    return _description(request, kb, "void.ttl", VOID_PREFIXES, "VoID description", format)


@router.api_route("/context.jsonld", methods=["GET", "HEAD"])
def context(request: Request, kb: KB) -> Response:
    """The JSON-LD context of alliance.jsonld (CORS-enabled, as JSON-LD processors need)."""
    dumps = get_dumps(kb)
    response = serve_file(request, dumps, dumps.files["context.jsonld"])
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Content-Type"] = "application/ld+json"
    return response


# -- HTML -------------------------------------------------------------------------------------


def _public(kb: KnowledgeBase) -> str:
    from kb.publish.distribution import public_base

    return public_base(kb.settings)


def _release_of(kb: KnowledgeBase) -> dict[str, str]:
    from kb.publish.distribution import NoReleaseError, current_release

    try:
        release = current_release(kb.store, kb.settings)
    except NoReleaseError:
        return {"version": "", "issued": ""}
    return {"version": release.version, "issued": release.issued, "iri": release.iri}


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        '<link rel=stylesheet href="/static/site.css"></head><body><main>'
        f'<p><a href="/">Home</a></p><h1>{html.escape(title)}</h1>{body}</main></body></html>'
    )


def _short(term: Any, prefixes: dict[str, str]) -> str:
    if isinstance(term, ox.Literal):
        suffix = f" @{term.language}" if term.language else ""
        return html.escape(term.value) + (f"<small>{html.escape(suffix)}</small>" if suffix else "")
    value = str(term.value)
    label = value
    for prefix, ns in prefixes.items():
        if value.startswith(ns):
            label = f"{prefix}:{value[len(ns) :]}"
            break
    if value.startswith(("http://", "https://")):
        return f'<a href="{html.escape(value)}">{html.escape(label)}</a>'
    return html.escape(label)


def _description_html(
    kb: KnowledgeBase,
    title: str,
    triples: list[ox.Triple],
    prefixes: dict[str, str],
    file_name: str,
) -> str:
    by_subject: dict[str, list[ox.Triple]] = {}
    for t in triples:
        by_subject.setdefault(str(getattr(t.subject, "value", t.subject)), []).append(t)
    sections = []
    for subject in sorted(by_subject):
        rows = "".join(
            f"<tr><th>{_short(t.predicate, prefixes)}</th>"
            f"<td>{_short(t.object, prefixes)}</td></tr>"
            for t in sorted(by_subject[subject], key=lambda t: (t.predicate.value, str(t.object)))
        )
        sections.append(
            f'<section id="{html.escape(subject)}"><h2>{_short(ox.NamedNode(subject), prefixes)}'
            f"</h2><table>{rows}</table></section>"
        )
    intro = (
        f'<p>Also as <a href="?format=ttl">Turtle</a>, <a href="?format=jsonld">JSON-LD</a>, '
        f'<a href="?format=rdf">RDF/XML</a>, <a href="?format=nt">N-Triples</a>; the file '
        f'<a href="/dumps/{file_name}">{file_name}</a>.</p>'
    )
    return _page(title, intro + "".join(sections))
