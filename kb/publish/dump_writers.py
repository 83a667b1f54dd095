"""Deterministic RDF serializations: the same quads always give the same bytes.

Oxigraph writes fast but in the order it is given, so every writer here is fed
quads in one canonical order: the lexical order of their canonical N-Triples
lines (graph first for TriG). Blank nodes, if any, are relabelled by Oxigraph's
canonicalization first, so labels never depend on parse order.

- `alliance.nt.gz`: sorted canonical N-Triples, gzip with mtime 0 and no name;
- `alliance.ttl`: prefixed Turtle grouped by subject, `rdf:type` first;
- `alliance.trig`: the same, per named graph;
- `alliance.rdf`: RDF/XML;
- `alliance.jsonld`: compact JSON-LD with the published context (`jsonld_context`),
  written here straight from the N-Triples lines (Oxigraph only writes expanded
  JSON-LD): canonical N-Triples string escapes are valid JSON escapes.

Python objects are the cost at a million triples: the sorted lines are parsed
back once (`SortedDump.triples`) and every Oxigraph writer reuses that list.
"""

from __future__ import annotations

import gzip
import io
import itertools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import IO, Any

import pyoxigraph as ox

from kb.namespaces import STANDARD_PREFIXES, kb_prefixes

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: Prefixes every dump uses (the knowledge base's own namespaces are added per base IRI).
COMMON_PREFIXES = STANDARD_PREFIXES

_PN_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def turtle_prefixes(base_iri: str, kinds: Iterable[str] = ()) -> dict[str, str]:
    """Prefixes for readable Turtle: the common ones, plus one per kind of record.

    Turtle local names may not contain an unescaped `/`, so `id:authority/ghent`
    would read `id:authority\\/ghent`: each kind of record gets its own prefix
    instead (`authority:ghent`).
    """
    prefixes = {**COMMON_PREFIXES, "alliance": f"{base_iri}ontology#"}
    for kind in sorted(kinds):
        if _PN_PREFIX.match(kind) and kind not in prefixes:
            prefixes[kind] = f"{base_iri}id/{kind}/"
    return dict(sorted(prefixes.items()))


def jsonld_context(base_iri: str) -> dict[str, Any]:
    """The published JSON-LD context (`/context.jsonld`): prefixes only, so nothing is hidden."""
    prefixes = {**COMMON_PREFIXES, **kb_prefixes(base_iri)}
    return {"@context": dict(sorted(prefixes.items()))}


# -- canonical order -----------------------------------------------------------------------


def has_blank_nodes(quads: Iterable[ox.Quad]) -> bool:
    return any(
        isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in quads
    )


def canonical_quads(quads: list[ox.Quad], blank_nodes: bool | None = None) -> list[ox.Quad]:
    """The quads, blank nodes relabelled canonically if there are any (else unchanged).

    `blank_nodes=False` promises there are none (the caller asked its store).
    """
    if blank_nodes is False or (blank_nodes is None and not has_blank_nodes(quads)):
        return quads
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return list(dataset)


_TYPE = b"> <" + RDF_TYPE.encode() + b"> "
_TYPE_MARK = b"> <\x01> "


def _unmark(lines: list[bytes]) -> list[bytes]:
    mark, real = _TYPE_MARK, _TYPE
    return [line.replace(mark, real) if mark in line else line for line in lines]


def _cut_graphs(blob: bytes, graphs: list[str]) -> dict[str, bytes] | None:
    """Each graph's lines as N-Triples, when each graph's N-Quads lines are contiguous
    (else None). Only bytes operations: `count`, `find`, `replace`."""
    out: dict[str, bytes] = {}
    total = 0
    for graph in graphs:
        suffix = f" <{graph}> .\n".encode()
        n = blob.count(suffix)
        if n == 0:
            continue
        first = blob.rfind(b"\n", 0, blob.find(suffix)) + 1
        end = blob.rfind(suffix) + len(suffix)
        region = blob[first:end]
        if region.count(b"\n") != n:  # (it holds the graph's n lines, first to last)
            return None  # interleaved with another graph's lines
        out[graph] = region.replace(suffix, b" .\n")
        total += n
    if total != blob.count(b"\n"):
        return None  # lines of graphs not in the list
    return out


@dataclass
class SortedDump:
    """Quads in canonical order, ready for every writer.

    `union`: canonical N-Triples lines of the RDF merge of all graphs (the SPARQL
    default graph), sorted by subject with `rdf:type` first, then predicate and
    object, without duplicates. `graphs`: each named graph's own lines, in the
    same order, graphs in IRI order.
    """

    union: list[bytes] = field(default_factory=list)
    #: each graph's lines with the rdf:type predicate still swapped for `_TYPE_MARK`
    marked_graphs: dict[str, list[bytes]] = field(default_factory=dict)
    lexical: list[bytes] = field(default_factory=list)  # the union in plain lexical order
    marked_union: list[bytes] = field(default_factory=list)

    @cached_property
    def graphs(self) -> dict[str, list[bytes]]:
        """Each named graph's own lines, in the union's order, graphs in IRI order."""
        return {g: _unmark(lines) for g, lines in self.marked_graphs.items()}

    def graph_lines(self, graph: str) -> list[bytes]:
        """One named graph's lines (empty if the graph is absent)."""
        return _unmark(self.marked_graphs.get(graph, []))

    @classmethod
    def from_lines(cls, lines: list[bytes]) -> SortedDump:
        """Lines already in readable order (one graph)."""
        marked = [line.replace(_TYPE, _TYPE_MARK) for line in lines]
        return cls(lines, {"": marked}, sorted(lines), marked)

    @classmethod
    def from_quads(
        cls,
        quads: list[ox.Quad],
        default_graph: bool | None = None,
        blank_nodes: bool | None = None,
        graphs: list[str] | None = None,
    ) -> SortedDump:
        """Sort the quads (see `from_nquads`)."""
        blob = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
        return cls.from_nquads(blob, default_graph, blank_nodes, graphs, quads)

    @classmethod
    def from_nquads(
        cls,
        blob: bytes,
        default_graph: bool | None = None,
        blank_nodes: bool | None = None,
        graphs: list[str] | None = None,
        quads: list[ox.Quad] | None = None,
    ) -> SortedDump:
        """Sort N-Quads text (a store's dump: `Store.dump(format=N_QUADS)`), with no Python
        object per quad unless there are blank nodes to relabel or default-graph quads.

        `default_graph=False` promises that every quad is in a named graph: each N-Quads
        line then ends with its graph IRI, cut off without parsing the line; with the list
        of `graphs` too, a graph whose lines are contiguous (one file each, as loaded, or
        a store's dump) is cut out of the N-Quads text whole, with no Python work per line.
        (An Oxigraph store gives literals back by value: `"02"^^xsd:integer` as `"2"`, a
        derived integer type as `xsd:integer`; the shipped data is written canonically.)
        """
        if quads is None and (
            default_graph is not False or (blank_nodes is not False and b"_:" in blob)
        ):
            quads = list(ox.parse(blob, format=ox.RdfFormat.N_QUADS))
        if blank_nodes is None and b"_:" not in blob:
            blank_nodes = False  # no blank node label anywhere: none to relabel
        if blank_nodes is not False and quads is not None and has_blank_nodes(quads):
            quads = canonical_quads(quads, True)
            blob = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
        if default_graph is None:
            assert quads is not None
            default_graph = any(isinstance(q.graph_name, ox.DefaultGraph) for q in quads)
        blobs: dict[str, bytes] = {}  # graph → its N-Triples lines (unsorted)
        if not default_graph and graphs is not None:
            blobs = _cut_graphs(blob, graphs) or {}
        if not blobs and blob:
            heads: dict[str, list[bytes]] = {}
            if default_graph:
                assert quads is not None
                for quad in quads:
                    line = (ox.serialize([quad], format=ox.RdfFormat.N_QUADS) or b"")[:-3]
                    key = ""
                    if isinstance(quad.graph_name, ox.NamedNode):
                        key = quad.graph_name.value
                        line = line[: -len(key) - 3]
                    heads.setdefault(key, []).append(line + b" .\n")
            else:
                for line in blob.splitlines(True):
                    head, _, tail = line.rpartition(b" <")  # tail: `graph-iri> .\n`
                    heads.setdefault(tail[:-4].decode(), []).append(head + b" .\n")
            blobs = {g: b"".join(lines) for g, lines in heads.items()}
        del blob
        by_graph: dict[str, list[bytes]] = {}
        runs: list[bytes] = []
        for graph in sorted(blobs):
            # rdf:type lines sort first within their subject: the predicate is swapped for
            # a byte that sorts lowest and cannot occur in N-Triples, then swapped back
            marked = sorted(set(blobs[graph].replace(_TYPE, _TYPE_MARK).splitlines(True)))
            runs += marked
            by_graph[graph] = marked
        del blobs
        if len(by_graph) == 1:
            union = runs
        else:
            # the graphs' sorted runs merge fast (Timsort); a triple in two graphs counts once
            union = [line for line, _ in itertools.groupby(sorted(runs))]
        del runs
        readable = b"".join(union).replace(_TYPE_MARK, _TYPE).splitlines(True)
        return cls(readable, by_graph, sorted(readable), union)

    @cached_property
    def triples(self) -> list[ox.Quad]:
        """The union's triples as Oxigraph objects (default-graph quads, which every
        triple writer takes), parsed once, in line order."""
        return list(ox.parse(b"".join(self.union), format=ox.RdfFormat.N_TRIPLES))


# -- writers -------------------------------------------------------------------------------


def write_ntriples_gz(dump: SortedDump, out: IO[bytes]) -> None:
    """Sorted N-Triples, gzip-compressed with no file name and mtime 0 (byte-identical)."""
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=6) as gz:
        gz.write(b"".join(dump.lexical))


def _prefix_header(prefixes: dict[str, str]) -> bytes:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(prefixes.items())).encode()


def _turtle_body(triples: list[ox.Quad], prefixes: dict[str, str]) -> bytes:
    """Turtle statements without Oxigraph's prefix lines (whose order is its own)."""
    if not triples:
        return b""
    text = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""
    start = 0
    for _ in prefixes:
        assert text.startswith(b"@prefix ", start), "Oxigraph writes every given prefix first"
        start = text.index(b"\n", start) + 1
    return text[start:]


def write_turtle(dump: SortedDump, out: IO[bytes], prefixes: dict[str, str]) -> None:
    out.write(_prefix_header(prefixes))
    out.write(_turtle_body(dump.triples, prefixes))


def write_trig(dump: SortedDump, out: IO[bytes], prefixes: dict[str, str]) -> None:
    """TriG: one block per named graph, each a Turtle body under the shared prefixes."""
    out.write(_prefix_header(prefixes))
    by_line = dict(zip(dump.marked_union, dump.triples, strict=True))
    for graph, lines in dump.marked_graphs.items():
        out.write(b"\n" + (f"<{graph}> " if graph else "").encode() + b"{\n")
        out.write(_turtle_body([by_line[line] for line in lines], prefixes))
        out.write(b"}\n")


def write_rdfxml(dump: SortedDump, out: IO[bytes], prefixes: dict[str, str]) -> None:
    usable = {p: ns for p, ns in prefixes.items() if ns.endswith(("#", "/"))}
    ox.serialize(dump.triples, out, format=ox.RdfFormat.RDF_XML, prefixes=usable)


class _Compactor:
    """`<iri>` (N-Triples bytes) → JSON string bytes of the compact IRI, with the context's
    prefixes (longest namespace first)."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = sorted(
            ((p.encode(), ns.encode()) for p, ns in prefixes.items()),
            key=lambda kv: (-len(kv[1]), kv[0]),
        )
        self.cache: dict[bytes, bytes] = {}

    def __call__(self, term: bytes) -> bytes:
        found = self.cache.get(term)
        if found is not None:
            return found
        if term.startswith(b"_:"):
            return b'"' + term + b'"'
        iri = term[1:-1]
        compact = iri
        for prefix, ns in self.prefixes:
            if iri.startswith(ns):
                local = iri[len(ns) :]
                # JSON-LD reads `p://...` as an absolute IRI: keep such IRIs whole
                if not local.startswith(b"//"):
                    compact = prefix + b":" + local
                break
        # IRIs in canonical N-Triples escape nothing JSON needs escaped but `\\` and `"`,
        # which IRIs cannot contain
        result = b'"' + compact + b'"'
        if len(self.cache) < 200_000:
            self.cache[term] = result
        return result


def write_jsonld(dump: SortedDump, out: IO[bytes], context: dict[str, Any]) -> None:
    """Compact JSON-LD: one node object per subject, in the Turtle file's order.

    The context is embedded, so the file reads offline; it is the very object
    published at `/context.jsonld` (and `context.jsonld` in the dumps). Written
    straight from the N-Triples lines: a literal's canonical N-Triples escapes
    (`\\"`, `\\\\`, `\\n`, `\\uXXXX`...) are JSON escapes too.
    """
    compact = _Compactor(context["@context"])
    rdf_type = b"<" + RDF_TYPE.encode() + b">"
    out.write(b'{\n"@context": ')
    out.write(json.dumps(context["@context"], ensure_ascii=False, sort_keys=True).encode())
    out.write(b',\n"@graph": [')
    chunk: list[bytes] = []
    subject: bytes | None = None
    predicate: bytes | None = None
    as_types = False  # the current key is "@type" (values are bare compact IRIs)
    for line in dump.union:
        s, p, o = line.split(b" ", 2)
        o = o[:-3]  # ` .\n`
        if s != subject:
            if subject is not None:
                chunk.append(b"]}")
            chunk.append(b"\n{" if subject is None else b",\n{")
            chunk.append(b'"@id":' + compact(s))
            subject, predicate = s, None
        first_o = o[:1]
        if p != predicate:
            if predicate is not None:
                chunk.append(b"]")
            as_types = p == rdf_type and first_o != b'"'
            chunk.append(b',"@type":[' if as_types else b"," + compact(p) + b":[")
            predicate = p
        else:
            chunk.append(b",")
        if first_o == b'"':
            end = o.rindex(b'"')
            value = o[: end + 1]
            suffix = o[end + 1 :]
            if not suffix:
                chunk.append(value)
            elif suffix[:1] == b"@":
                chunk.append(b'{"@language":"' + suffix[1:] + b'","@value":' + value + b"}")
            else:  # ^^<datatype>
                chunk.append(b'{"@type":' + compact(suffix[2:]) + b',"@value":' + value + b"}")
        elif as_types:
            chunk.append(compact(o))
        else:
            chunk.append(b'{"@id":' + compact(o) + b"}")
        if len(chunk) > 50_000:
            out.write(b"".join(chunk))
            chunk.clear()
    if subject is not None:
        chunk.append(b"]}")
    out.write(b"".join(chunk))
    out.write(b"\n]\n}\n")


def triples_to_turtle(triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> bytes:
    """A small graph as deterministic Turtle (the catalog, VoID)."""
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
    buffer = io.BytesIO()
    write_turtle(SortedDump.from_quads(quads, default_graph=True), buffer, prefixes)
    return buffer.getvalue()


def quads_to_turtle(quads: Iterable[ox.Quad], prefixes: dict[str, str]) -> bytes:
    """The RDF merge of the quads' graphs as deterministic Turtle."""
    return triples_to_turtle((q.triple for q in quads), prefixes)


def lines_to_turtle(lines: list[bytes], prefixes: dict[str, str]) -> bytes:
    """Lines of a `SortedDump` (already in order) as Turtle."""
    buffer = io.BytesIO()
    write_turtle(SortedDump.from_lines(lines), buffer, prefixes)
    return buffer.getvalue()
