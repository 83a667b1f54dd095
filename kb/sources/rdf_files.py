"""Files → graphs: find the knowledge base's source files and parse them.

One named graph per source file of `data/` (`{base}graph/{stem}`), plus
`graph/ontology` for the ontology and `graph/vocabularies` for every SKOS
vocabulary. Parsing is done by Oxigraph's parsers; a syntax error becomes an
`InputError` that names the file, line and column.
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
class LoadedDataset:
    """Every quad of the knowledge base, with where each graph came from."""

    sources: list[SourceFile]
    quads: list[ox.Quad] = field(default_factory=list)
    content_hash: str = ""

    def graphs(self) -> list[str]:
        return sorted({s.graph for s in self.sources})

    def quads_in(self, role: str) -> Iterator[ox.Quad]:
        graphs = {s.graph for s in self.sources if s.role == role}
        return (
            q
            for q in self.quads
            if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in graphs
        )


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


def parse_file(path: Path, graph: str, base_iri: str = CANONICAL_BASE_IRI) -> list[ox.Quad]:
    """Parse one file into quads of `graph`, rewriting the canonical base to `base_iri`."""
    fmt = RDF_FORMATS.get(path.suffix)
    if fmt is None:
        raise InputError(
            path,
            f"unknown RDF file type {path.suffix!r} (expected one of {', '.join(RDF_FORMATS)})",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, exc.strerror or str(exc)) from exc
    graph_node = ox.NamedNode(graph)
    try:
        triples = ox.parse(
            data,
            format=fmt,
            base_iri=path.resolve().as_uri(),
            without_named_graphs=fmt not in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS),
        )
        quads = [ox.Quad(t.subject, t.predicate, t.object, graph_node) for t in triples]
    except SyntaxError as exc:
        raise InputError(path, _parser_message(exc), exc.lineno, exc.offset) from exc
    if base_iri != CANONICAL_BASE_IRI:
        quads = [rebase_quad(q, base_iri) for q in quads]
    return quads


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


def load_dataset(settings: Settings, data_paths: Iterable[Path] | None = None) -> LoadedDataset:
    """Parse every source file; the first syntax error stops the load with an `InputError`."""
    sources = discover_sources(settings, data_paths)
    dataset = LoadedDataset(sources)
    digest = hashlib.sha256(settings.base_iri.encode())
    for source in sources:
        digest.update(str(source.path.name).encode() + b"\0" + source.path.read_bytes())
        dataset.quads += parse_file(source.path, source.graph, settings.base_iri)
    dataset.content_hash = digest.hexdigest()
    return dataset
