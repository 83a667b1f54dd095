"""SHACL validation of the knowledge base: the API and the engines.

The data graph is the union of the ontology, the vocabularies and the records (no RDFS
inference: the ontology is there so `sh:class` checks see `rdfs:subClassOf` and the SKOS
concepts); the shapes graph is every file of `shapes/`.

Two engines give the same results (a test holds them to it):

* ``pyshacl``: the reference, slow on large graphs;
* ``fast`` (`kb.validation.shacl_engine`): each shape compiled to SPARQL queries run by
  Oxigraph. It refuses shapes that use a constraint it has not compiled
  (`UnsupportedShapeError`); ``auto`` then falls back to pyshacl.

Ill-formed shapes (`InvalidShapeError`: a SPARQL constraint breaking SHACL's pre-binding
rules, or not parsing) are refused by ``fast`` and ``auto`` alike: no fallback, the shapes are
wrong. pySHACL failing on the shapes raises `ReferenceEngineError`. `alliance-kb validate`
reports either (and `UnsupportedShapeError` with ``fast``) on stderr and exits 2.
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from kb.config import Settings
from kb.namespaces import STANDARD_PREFIXES, kb_prefixes
from kb.sources.rdf_files import (
    DatasetFiles,
    InputError,
    data_files,
    dataset_files,
    discover_sources,
    iter_file,
    parse_file,
)
from kb.store.embedded import EmbeddedStore
from kb.validation.rdf_terms import ox_to_rdflib, rdflib_to_ox, triples_to_graph
from kb.validation.report import ValidationReport, ValidationResult
from kb.validation.shacl_engine import InvalidShapeError, ShapeError

__all__ = [
    "UPLOAD_MEDIA_TYPES",
    "InputError",
    "InvalidShapeError",
    "ReferenceEngineError",
    "UnsupportedMediaTypeError",
    "ValidationReport",
    "ValidationResult",
    "load_shapes",
    "validate_dataset",
    "validate_store",
    "validate_upload",
]

log = logging.getLogger(__name__)
# rdflib logs a traceback for every ill-typed literal ("abc"^^xsd:date) it converts; the
# validation report already names each one.
logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)

RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: Media types `validate_upload` accepts, and how they are parsed.
UPLOAD_MEDIA_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/json": ox.RdfFormat.JSON_LD,
}

UPLOAD_LABEL = "request body"


class UnsupportedMediaTypeError(InputError):
    """An upload in a format `validate_upload` does not read (HTTP 415)."""


class ReferenceEngineError(ShapeError):
    """pySHACL failed on the shapes graph (ill-formed or using what it does not support)."""


# -- shapes -------------------------------------------------------------------------

_SHAPES_CACHE: dict[tuple[Any, ...], Graph] = {}


def shape_files(settings: Settings) -> list[Path]:
    if not settings.shapes_dir.is_dir():
        return []
    return data_files(settings.shapes_dir)


def load_shapes(settings: Settings) -> Graph:
    """Every file of `shapes/` as one rdflib graph, shape blank nodes given stable IRIs.

    Cached until a shapes file changes. Syntax errors raise `InputError` (file:line:col).
    """
    files = shape_files(settings)
    key = (settings.base_iri, *((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files))
    cached = _SHAPES_CACHE.get(key)
    if cached is not None:
        return cached
    graph_name = settings.graph_iri("shapes")
    quads = [q for path in files for q in parse_file(path, graph_name, settings.base_iri)]
    graph = skolemize_shapes(triples_to_graph(quads))
    _SHAPES_CACHE.clear()
    _SHAPES_CACHE[key] = graph
    return graph


def _syntax_message(exc: SyntaxError) -> str:
    message = str(exc.msg) if exc.msg else str(exc)
    if message.startswith("Parser error") and ": " in message:
        return message.split(": ", 1)[1]
    return message


def _local_name(node: Node) -> str:
    text = str(node)
    for sep in ("#", "/", ":"):
        text = text.rsplit(sep, 1)[-1]
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text) or "x"


def skolemize_shapes(graph: Graph) -> Graph:
    """The same graph, with every blank-node *shape* renamed to an IRI under its parent.

    A property shape written `[ sh:path alliance:rank ]` inside `shapes:AwardShape` becomes
    `shapes:AwardShape-rank`: reports then name it, and pySHACL (which copies blank nodes into
    its report) and the fast engine name the same shape the same way. Paths and lists stay
    blank nodes.
    """
    parents: dict[Node, Node] = {}
    for pred in (SH.property, SH.node, SH.qualifiedValueShape, SH["not"]):
        for s, o in graph.subject_objects(pred):
            if isinstance(o, BNode):
                parents.setdefault(o, s)
    for pred in (SH["or"], SH["and"], SH.xone):
        for s, lst in graph.subject_objects(pred):
            for member in graph.items(lst):
                if isinstance(member, BNode):
                    parents.setdefault(member, s)
    for kind in (SH.NodeShape, SH.PropertyShape):
        for s in graph.subjects(RDF.type, kind):
            if isinstance(s, BNode):
                parents.setdefault(s, s)
    if not parents:
        return graph
    names: dict[Node, URIRef] = {}
    used: set[str] = {str(s) for s in graph.subjects() if isinstance(s, URIRef)}

    def name(node: Node, depth: int = 0) -> URIRef:
        if node in names:
            return names[node]
        parent = parents.get(node)
        if isinstance(parent, URIRef):
            base = str(parent)
        elif parent is not None and parent != node and depth < 20:
            base = str(name(parent, depth + 1))
        else:
            base = "urn:alliance-kb:shape"
        path = graph.value(node, SH.path)
        stem = f"{base}-{_local_name(path) if isinstance(path, URIRef) else 'shape'}"
        candidate, i = stem, 2
        while candidate in used:
            candidate, i = f"{stem}-{i}", i + 1
        used.add(candidate)
        names[node] = URIRef(candidate)
        return names[node]

    def signature(node: Node) -> str:
        """What the blank node says (blank objects blanked): a stable order for naming."""
        return " ".join(
            sorted(
                f"{p.n3()} {'_' if isinstance(o, BNode) else o.n3()}"
                for p, o in graph.predicate_objects(node)
            )
        )

    for node in sorted(parents, key=lambda n: (str(parents[n]), signature(n))):
        name(node)
    out = Graph()
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns)
    for s, p, o in graph:
        out.add((names.get(s, s), p, names.get(o, o)))
    return out


# -- engines ------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _prepared(text: str) -> Query:
    return prepareQuery(text)


class PreparedQueryGraph(Graph):
    """An rdflib graph that parses each SPARQL text once.

    pySHACL runs a SHACL-SPARQL constraint once per focus node, passing the same text
    each time with `$this` pre-bound; rdflib's parser takes about 40 ms a query, so a
    constraint on the ~650 statement nodes of the shipped data would spend most of the
    validation parsing. The parsed query is the one rdflib would build anyway: results
    are unchanged.
    """

    def query(
        self,
        query_object: Any,
        processor: Any = "sparql",
        result: Any = "sparql",
        initNs: Any = None,
        initBindings: Any = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Any:
        if isinstance(query_object, str) and processor == "sparql" and not initNs:
            query_object = _prepared(query_object)
        return super().query(
            query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
        )


def run_pyshacl(data_graph: Graph, shapes_graph: Graph) -> list[ValidationResult]:
    """Validate with pySHACL (no inference) and read its report back into results."""
    import pyshacl

    graph = PreparedQueryGraph()  # a copy pySHACL may change (rules, in advanced mode)
    for triple in data_graph:
        graph.add(triple)
    try:
        _conforms, report_graph, _text = pyshacl.validate(
            graph,
            shacl_graph=shapes_graph,
            inference="none",
            abort_on_first=False,
            allow_infos=True,
            allow_warnings=True,
            advanced=True,
            inplace=True,
        )
    except Exception as exc:  # pySHACL refuses the shapes (AssertionError, NotImplemented...)
        detail = f": {exc}" if str(exc).strip() else ""
        raise ReferenceEngineError(
            f"pySHACL cannot validate with these shapes ({type(exc).__name__}{detail})"
        ) from exc
    if not isinstance(report_graph, Graph):  # pySHACL's ValidationFailure: ill-formed shapes
        raise ReferenceEngineError(f"pySHACL refuses the shapes: {report_graph}")
    results = []
    # Only top-level results: pySHACL also attaches nested ones with sh:detail.
    for node in report_graph.objects(None, SH.result):
        focus = report_graph.value(node, SH.focusNode)
        shape = report_graph.value(node, SH.sourceShape)
        path = report_graph.value(node, SH.resultPath)
        if isinstance(path, BNode) and shape is not None:
            shape_path = shapes_graph.value(shape, SH.path)
            path = shape_path if shape_path is not None else path
        severity = report_graph.value(node, SH.resultSeverity)
        component = report_graph.value(node, SH.sourceConstraintComponent)
        messages: dict[str, str] = {}
        for m in report_graph.objects(node, SH.resultMessage):
            lang = m.language if isinstance(m, Literal) and m.language else ""
            messages.setdefault(lang, str(m))
        assert focus is not None
        results.append(
            ValidationResult(
                focus_node=focus,
                result_path=path,
                value=report_graph.value(node, SH.value),
                severity=_local_name(severity) if severity is not None else "Violation",
                messages=messages,
                source_shape=shape,
                constraint_component=component if isinstance(component, URIRef) else None,
                source_constraint=report_graph.value(node, SH.sourceConstraint),
            )
        )
    return results


def union_store(
    store: ox.Store, exclude: Collection[str] = (), extra: Iterable[ox.Quad] = ()
) -> ox.Store:
    """A scratch store with the RDF merge of `store`'s graphs (but the `exclude`d ones) and
    the `extra` quads in its default graph: Oxigraph answers the fast engine's queries
    about five times faster there than on the union of named graphs. Copied graph by graph
    as N-Triples, in Rust (no Python object per triple)."""
    scratch = ox.Store()
    graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [ox.DefaultGraph()]
    graphs += [g for g in store.named_graphs() if g.value not in exclude]
    for graph in graphs:
        blob = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
        if blob:
            scratch.bulk_load(blob, format=ox.RdfFormat.N_TRIPLES)
    scratch.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in extra)
    return scratch


def _engine_results(
    settings: Settings,
    shapes: Graph,
    data: ox.Store | list[ox.Quad],
    engine: str,
    focus_filter: set[Node] | None = None,
    originals: Callable[[], Iterable[ox.Quad]] | None = None,
) -> tuple[list[ValidationResult], str]:
    """Validate `data`: a scratch store (everything in its default graph, see
    `union_store`), or quads as parsed (small data: they are their own originals).

    `originals`: gives the data's quads as parsed (each call a new iterator), for the
    literals an Oxigraph store does not keep as written (see `kb.validation.shacl_engine`;
    pySHACL reads them instead of the store); without them, `sh:datatype` on a derived
    integer type is checked on the store's values and values are reported as the store
    gives them back.
    """
    if engine not in ("auto", "fast", "pyshacl"):
        raise ValueError(f"unknown engine {engine!r} (auto, fast or pyshacl)")
    if isinstance(data, list):
        parsed = data
        data = ox.Store()
        data.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in parsed)

        def originals() -> Iterable[ox.Quad]:
            return parsed

    if engine in ("auto", "fast"):
        from kb.validation.shacl_engine import FastEngine, UnsupportedShapeError

        try:
            compiled = FastEngine(shapes)
            return compiled.validate(data, focus_filter, originals and originals()), "fast"
        except UnsupportedShapeError as exc:
            if engine == "fast":
                raise
            log.info("fast engine unavailable (%s); validating with pySHACL", exc)
        except SyntaxError as exc:  # a rewritten sh:select Oxigraph does not parse
            if engine == "fast":
                raise InvalidShapeError(f"a SPARQL constraint Oxigraph rejects: {exc}") from exc
            log.warning("fast engine failed (%s); validating with pySHACL", exc)
    quads = originals() if originals else data.quads_for_pattern(None, None, None)
    results = run_pyshacl(triples_to_graph(quads), shapes)
    if focus_filter is not None:
        results = [r for r in results if r.focus_node in focus_filter]
    return results, "pyshacl"


def report_prefixes(settings: Settings) -> dict[str, str]:
    """Prefixes to shorten IRIs in reports: the standard ones and the knowledge base's own."""
    return {**STANDARD_PREFIXES, **kb_prefixes(settings.base_iri)}


def _display_path(path: Path) -> str:
    """The path relative to the working directory when it lies under it, else absolute."""
    absolute = path.resolve()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def _with_files(results: list[ValidationResult], where: dict[Node, str]) -> list[ValidationResult]:
    out = []
    for r in results:
        source = where.get(r.focus_node)
        if source is not None and source != r.source_file:
            r = ValidationResult(
                r.focus_node,
                r.result_path,
                r.value,
                r.severity,
                r.messages,
                r.source_shape,
                r.constraint_component,
                source,
                r.source_constraint,
            )
        out.append(r)
    return out


def _subject_files(
    store: ox.Store, files: DatasetFiles, subjects: Iterable[Node]
) -> dict[Node, str]:
    """Each subject → the data file that describes it (the first in load order)."""
    order = {s.graph: i for i, s in enumerate(files.sources) if s.role == "data"}
    paths = {s.graph: _display_path(s.path) for s in files.sources if s.role == "data"}
    where: dict[Node, str] = {}
    for subject in set(subjects):
        term = rdflib_to_ox(subject)
        if not isinstance(term, ox.NamedNode | ox.BlankNode):
            continue
        graphs = {
            q.graph_name.value
            for q in store.quads_for_pattern(term, None, None)
            if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in order
        }
        if graphs:
            where[subject] = paths[min(graphs, key=order.__getitem__)]
    return where


def _originals(files: DatasetFiles | None, base_iri: str) -> Callable[[], Iterator[ox.Quad]] | None:
    """The data's quads as parsed (streamed from the files anew at each call), or None."""
    if files is None:
        return None
    sources = files.sources

    def stream() -> Iterator[ox.Quad]:
        return itertools.chain.from_iterable(iter_file(s.path, s.graph, base_iri) for s in sources)

    return stream


def validate_store(
    settings: Settings,
    store: ox.Store,
    files: DatasetFiles | None = None,
    engine: str = "auto",
) -> ValidationReport:
    """Validate the knowledge base held by `store` (its named graphs: ontology, vocabularies,
    records) against shapes/. With the `files` it was loaded from, results name the file
    of their record, and literals are checked as the files write them."""
    shapes = load_shapes(settings)
    data = union_store(store)
    results, used = _engine_results(
        settings, shapes, data, engine, originals=_originals(files, settings.base_iri)
    )
    del data
    if files is not None:
        results = _with_files(results, _subject_files(store, files, _focus_nodes(results)))
    return ValidationReport(results, shapes, used, report_prefixes(settings))


def _focus_nodes(results: list[ValidationResult]) -> list[Node]:
    return [r.focus_node for r in results]


def load_store(settings: Settings, files: DatasetFiles) -> ox.Store:
    """The files loaded into a new in-memory store, one named graph each."""
    return EmbeddedStore.from_files(files, settings.base_iri).oxigraph


def validate_dataset(
    settings: Settings, files: DatasetFiles, engine: str = "auto"
) -> ValidationReport:
    """Validate the knowledge base's files (ontology + vocabularies + records) against shapes/."""
    return validate_store(settings, load_store(settings, files), files, engine)


def validate_paths(
    settings: Settings, paths: list[Path], engine: str = "auto", standalone: bool = False
) -> ValidationReport:
    """Validate the records of some files, by default in the context of data/.

    In context, the files of data/ are loaded beside the given ones, except those the given
    files replace (same name, hence same named graph): links to records described elsewhere
    resolve, and the report holds the results about the given files' records plus any result
    they cause on other records (a fifth award makes its edition violate the four-award
    rule). Standalone, the files are validated with the ontology and vocabularies only.
    """
    if standalone:
        return validate_dataset(settings, dataset_files(settings, paths), engine)
    given = [s.path for s in discover_sources(settings, paths) if s.role == "data"]
    replaced = {path.stem for path in given}
    context = [path for path in data_files(settings.data_dir) if path.stem not in replaced]
    files = dataset_files(settings, [*given, *context])
    store = load_store(settings, files)
    given_graphs = {settings.graph_iri(stem) for stem in replaced}
    focus: set[Node] = set()
    for graph in given_graphs:
        focus |= {
            ox_to_rdflib(q.subject)
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        }
    shapes = load_shapes(settings)
    originals = _originals(files, settings.base_iri)
    results, used = _engine_results(settings, shapes, union_store(store), engine, None, originals)
    without_given = union_store(store, exclude=given_graphs)
    context_files = DatasetFiles([s for s in files.sources if s.graph not in given_graphs])
    already, _ = _engine_results(
        settings,
        shapes,
        without_given,
        engine,
        None,
        _originals(context_files, settings.base_iri),
    )
    del without_given
    known = set(already)
    results = [r for r in results if r.focus_node in focus or r not in known]
    results = _with_files(results, _subject_files(store, files, _focus_nodes(results)))
    return ValidationReport(results, shapes, used, report_prefixes(settings))


def parse_upload(settings: Settings, data: bytes, media_type: str) -> list[ox.Quad]:
    """Parse an uploaded document (Turtle, N-Triples or JSON-LD), never touching the network."""
    mime = media_type.split(";", 1)[0].strip().lower()
    fmt = UPLOAD_MEDIA_TYPES.get(mime)
    if fmt is None:
        raise UnsupportedMediaTypeError(
            UPLOAD_LABEL,
            f"unsupported media type {mime or '(none)'!r}; send one of "
            + ", ".join(sorted(UPLOAD_MEDIA_TYPES)),
        )
    graph = ox.NamedNode(settings.graph_iri("upload"))
    try:
        # Oxigraph's JSON-LD parser has no document loader: a remote @context is refused.
        triples = ox.parse(data, format=fmt, base_iri=settings.base_iri, without_named_graphs=True)
        return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
    except SyntaxError as exc:
        raise InputError(UPLOAD_LABEL, _syntax_message(exc), exc.lineno, exc.offset) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(UPLOAD_LABEL, str(exc)) from exc


def validate_upload(
    settings: Settings,
    data: bytes,
    media_type: str,
    context: ox.Store,
    engine: str = "auto",
) -> ValidationReport:
    """Validate uploaded records in the context of the knowledge base; changes nothing.

    The data graph is the knowledge base (`context`: a store holding its named graphs; the
    caller keeps it from changing meanwhile) plus the upload; only results about the
    upload's subjects are reported. Unparsable input raises `InputError` with line and
    column.
    """
    uploaded = parse_upload(settings, data, media_type)
    focus = {ox_to_rdflib(q.subject) for q in uploaded}
    shapes = load_shapes(settings)
    scratch = union_store(context, extra=uploaded)

    def originals() -> Iterator[ox.Quad]:  # the knowledge base as stored, the upload as parsed
        return itertools.chain(context.quads_for_pattern(None, None, None), uploaded)

    results, used = _engine_results(settings, shapes, scratch, engine, focus, originals)
    results = _with_files(results, dict.fromkeys(focus, UPLOAD_LABEL))
    return ValidationReport(results, shapes, used, report_prefixes(settings))
