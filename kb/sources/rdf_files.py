"""Files → graphs: find the knowledge base's source files and load them into a store.

One named graph per source file of `data/` (`{base}graph/{stem}`), plus
`graph/ontology` for the ontology and `graph/vocabularies` for every SKOS
vocabulary. Files load straight into a pyoxigraph store (`load_into`: Oxigraph's
parsers, no Python object per triple); a syntax error becomes an `InputError`
that names the file, line and column. `DatasetFiles` is what the rest of the
knowledge base keeps of them: the list of files and graphs, and a content hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kb.config import CANONICAL_BASE_IRI, Settings

#: File suffixes the loader reads, and their Oxigraph format.
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
}


class InputError(Exception):
    """Input that cannot be read or parsed, located as `path:line:col: message`."""

    def __init__(
        self, path: Path | str, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.path = str(path)
        self.message = message
        self.line = line
        self.column = column
        super().__init__(self.located())

    def __reduce__(self) -> tuple[Any, ...]:  # pickled back from a trial process
        return (type(self), (self.path, self.message, self.line, self.column))

    def located(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class SourceFile:
    """One file of the knowledge base and the named graph it loads into."""

    path: Path
    graph: str
    role: str  # "ontology", "vocabularies" or "data"


@dataclass
class DatasetFiles:
    """The files of the knowledge base, the graph each loads into, and their content hash.

    The quads themselves live in the store (`kb.store.embedded`), never here.
    """

    sources: list[SourceFile]
    content_hash: str = field(default="")

    def graphs(self) -> list[str]:
        return sorted({s.graph for s in self.sources})

    def graphs_of(self, role: str) -> list[str]:
        """The graphs of one role: "ontology", "vocabularies" or "data"."""
        return sorted({s.graph for s in self.sources if s.role == role})

    def file_of(self, graph: str) -> Path | None:
        """The data file a graph is loaded from (curation writes a record's file back)."""
        return next((s.path for s in self.sources if s.graph == graph), None)


def data_files(directory: Path) -> list[Path]:
    """The RDF files directly in a directory, in a stable order (sub-folders are not records)."""
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in RDF_FORMATS)


def discover_sources(
    settings: Settings, data_paths: Iterable[Path] | None = None
) -> list[SourceFile]:
    """The ontology, the vocabularies and the data files (or the given paths instead of data/)."""
    sources = [
        SourceFile(p, settings.graph_iri("ontology"), "ontology")
        for p in data_files(settings.ontology_dir)
    ]
    sources += [
        SourceFile(p, settings.graph_iri("vocabularies"), "vocabularies")
        for p in data_files(settings.vocabularies_dir)
    ]
    paths: list[Path] = []
    for given in data_paths if data_paths is not None else [settings.data_dir]:
        given = Path(given)
        if given.is_dir():
            paths += data_files(given)
        elif given.is_file():
            paths.append(given)
        else:
            raise InputError(given, "no such file or directory")
    sources += [SourceFile(p, settings.graph_iri(p.stem), "data") for p in paths]
    return sources


def rdf_format(path: Path) -> ox.RdfFormat:
    fmt = RDF_FORMATS.get(path.suffix)
    if fmt is None:
        raise InputError(
            path,
            f"unknown RDF file type {path.suffix!r} (expected one of {', '.join(RDF_FORMATS)})",
        )
    return fmt


def iter_file(path: Path, graph: str, base_iri: str = CANONICAL_BASE_IRI) -> Iterator[ox.Quad]:
    """The quads of one file in `graph`, as parsed (streamed), the canonical base replaced
    by `base_iri`. A syntax error raises `InputError` when the parser reaches it."""
    fmt = rdf_format(path)
    graph_node = ox.NamedNode(graph)
    try:
        with open(path, "rb") as data:
            triples = ox.parse(
                data,
                format=fmt,
                base_iri=path.resolve().as_uri(),
                without_named_graphs=fmt not in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS),
            )
            for t in triples:
                quad = ox.Quad(t.subject, t.predicate, t.object, graph_node)
                yield quad if base_iri == CANONICAL_BASE_IRI else rebase_quad(quad, base_iri)
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from exc
    except SyntaxError as exc:
        raise InputError(path, _parser_message(exc), exc.lineno, exc.offset) from exc


def parse_file(path: Path, graph: str, base_iri: str = CANONICAL_BASE_IRI) -> list[ox.Quad]:
    """Every quad of one (small) file: shapes, an upload, a file under review."""
    return list(iter_file(path, graph, base_iri))


def load_into(store: ox.Store, source: SourceFile, base_iri: str = CANONICAL_BASE_IRI) -> None:
    """Load one file into `store`, in its graph, without a Python object per triple.

    Oxigraph's bulk loader parses and inserts in Rust. Files of quads (TriG, N-Quads),
    whose own graphs the loader would keep, and a base IRI other than the canonical one
    (every IRI rewritten) go through `iter_file` instead, a batch at a time.
    """
    fmt = rdf_format(source.path)
    if base_iri != CANONICAL_BASE_IRI or fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
        batch: list[ox.Quad] = []
        for quad in iter_file(source.path, source.graph, base_iri):
            batch.append(quad)
            if len(batch) >= 100_000:
                store.bulk_extend(batch)
                batch.clear()
        store.bulk_extend(batch)
        return
    try:
        store.bulk_load(
            path=source.path,
            format=fmt,
            base_iri=source.path.resolve().as_uri(),
            to_graph=ox.NamedNode(source.graph),
        )
    except SyntaxError as exc:
        raise InputError(source.path, _parser_message(exc), exc.lineno, exc.offset) from exc
    except OSError as exc:
        raise InputError(source.path, exc.strerror or str(exc)) from exc


def _parser_message(exc: SyntaxError) -> str:
    message = str(exc.msg) if exc.msg else str(exc)
    # Oxigraph says "Parser error between line 3 column 11 and line 4 column 1: why"
    return (
        message.split(": ", 1)[1]
        if message.startswith("Parser error") and ": " in message
        else message
    )


def rebase_quad(quad: ox.Quad, base_iri: str) -> ox.Quad:
    """The same quad with the canonical base replaced by `base_iri`.

    IRIs under the canonical base move, and so does the base where a literal quotes it
    (the IRI patterns and SPARQL prefixes of the shapes, a description citing a record).
    """

    def move(term: Any) -> Any:
        if isinstance(term, ox.NamedNode) and term.value.startswith(CANONICAL_BASE_IRI):
            return ox.NamedNode(base_iri + term.value[len(CANONICAL_BASE_IRI) :])
        if isinstance(term, ox.Literal) and CANONICAL_BASE_IRI in term.value:
            value = term.value.replace(CANONICAL_BASE_IRI, base_iri)
            if term.language:
                return ox.Literal(value, language=term.language)
            return ox.Literal(value, datatype=term.datatype)
        return term

    return ox.Quad(
        move(quad.subject), move(quad.predicate), move(quad.object), move(quad.graph_name)
    )


def dataset_files(settings: Settings, data_paths: Iterable[Path] | None = None) -> DatasetFiles:
    """The knowledge base's files (see `discover_sources`) and their content hash.

    The hash covers the base IRI and each file's name, graph, size and modification time
    (in nanoseconds), not its bytes: a store on disk built from the same files is reused
    without reading them (160 MB at a million triples would take longer than the whole
    start). An edit changes the time; `touch` forces a rebuild.
    """
    sources = discover_sources(settings, data_paths)
    digest = hashlib.sha256(settings.base_iri.encode())
    for source in sources:
        try:
            stat = source.path.stat()
        except OSError as exc:
            raise InputError(source.path, exc.strerror or str(exc)) from exc
        digest.update(
            f"\0{source.path.name}\0{source.graph}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()
        )
    return DatasetFiles(sources, digest.hexdigest())
