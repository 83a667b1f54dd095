"""VoID description with statistics computed from the store by SPARQL, never typed by hand.

`void:triples` counts distinct triples of the union graph (a triple stated in
two files counts once, as in the dumps); class and property partitions are
given IRIs derived from the class or property (no blank nodes, so the file is
byte-stable).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

from kb.config import Settings
from kb.namespaces import DQV
from kb.publish.distribution import LICENCE, FileInfo, Release, dump_url, public_base
from kb.store.embedded import KnowledgeStore

VOID = "http://rdfs.org/ns/void#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
FOAF = "http://xmlns.com/foaf/0.1/"

#: The RDF dumps a VoID consumer can load (void:dataDump).
TITLE = "European Alliance of Cities and Regions for Roma Inclusion: knowledge base"

RDF_DUMPS = ["alliance.nt.gz", "alliance.ttl", "alliance.trig", "alliance.rdf", "alliance.jsonld"]


@dataclass
class Statistics:
    triples: int = 0
    entities: int = 0
    distinct_subjects: int = 0
    distinct_objects: int = 0
    classes: dict[str, int] = field(default_factory=dict)  # class → instances
    properties: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    graphs: dict[str, int] = field(default_factory=dict)  # named graph → distinct triples

    @property
    def vocabularies(self) -> list[str]:
        """Namespaces of the classes and properties used (up to the last `#` or `/`)."""
        spaces = set()
        for iri in [*self.classes, *self.properties]:
            cut = max(iri.rfind("#"), iri.rfind("/"))
            if cut > 0:
                spaces.add(iri[: cut + 1])
        return sorted(spaces)


def _int(row: Mapping[str, object], name: str) -> int:
    term = row.get(name)
    return int(term.value) if isinstance(term, ox.Literal) else 0


def compute_statistics(
    store: KnowledgeStore, settings: Settings, shared_triples: bool = True
) -> Statistics:
    """The statistics of the union graph, by SPARQL.

    `shared_triples=False` says no triple is in two graphs (the caller counted the quads and
    the distinct triples): the union then needs no DISTINCT, which a million triples notice.
    """
    stats = Statistics()
    uri_space = f"{settings.base_iri}id/"
    triples = "{ SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }" if shared_triples else "?s ?p ?o"
    for row in store.select(
        "SELECT ?p (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?ds) (COUNT(DISTINCT ?o) AS ?do) "
        f"WHERE {{ {triples} }} GROUP BY ?p"
    ):
        p = row["p"]
        if p is not None:
            stats.properties[p.value] = (_int(row, "n"), _int(row, "ds"), _int(row, "do"))
    stats.triples = sum(n for n, _, _ in stats.properties.values())
    row = store.select(
        "SELECT (COUNT(DISTINCT ?s) AS ?ds) (COUNT(DISTINCT ?o) AS ?do) WHERE { ?s ?p ?o }"
    )[0]
    stats.distinct_subjects, stats.distinct_objects = _int(row, "ds"), _int(row, "do")
    row = store.select(
        f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{uri_space}")) }}"""
    )[0]
    stats.entities = _int(row, "n")
    for row in store.select(
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s <{RDF}type> ?c }} GROUP BY ?c"
    ):
        c = row["c"]
        if isinstance(c, ox.NamedNode):
            stats.classes[c.value] = _int(row, "n")
    for row in store.select(
        # a store holds each quad once: no DISTINCT needed within a graph
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    ):
        g = row["g"]
        if isinstance(g, ox.NamedNode):
            stats.graphs[g.value] = _int(row, "n")
    return stats


def _key(iri: str) -> str:
    return hashlib.sha256(iri.encode()).hexdigest()[:16]


def void_dataset_iri(settings: Settings) -> str:
    """The dataset's IRI, shared by the VoID description and the DCAT catalog."""
    return f"{settings.base_iri}catalog#dataset"


def void_triples(
    settings: Settings,
    stats: Statistics,
    release: Release,
    files: list[FileInfo],
    measurements: list[ox.Triple] | None = None,
) -> list[ox.Triple]:
    """The VoID description: dataset, dumps, endpoint, vocabularies, statistics, partitions.

    `measurements`: the dataset's coverage (`kb.publish.coverage.measurement_triples`).
    """
    doc = f"{settings.base_iri}void"
    ds = ox.NamedNode(void_dataset_iri(settings))
    out: list[ox.Triple] = []

    def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        out.append(ox.Triple(s, ox.NamedNode(p), o))

    def count(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))

    def iri(value: str) -> ox.NamedNode:
        return ox.NamedNode(value)

    add(ds, RDF + "type", iri(VOID + "Dataset"))
    add(ds, DCT + "title", ox.Literal(TITLE, language="en"))
    add(ds, DCT + "license", iri(LICENCE))
    add(ds, DCT + "modified", ox.Literal(release.issued, datatype=iri(XSD + "date")))
    add(ds, "http://www.w3.org/ns/dcat#version", ox.Literal(release.version))
    add(ds, FOAF + "homepage", iri(f"{public_base(settings)}/"))
    add(ds, VOID + "sparqlEndpoint", iri(f"{public_base(settings)}/sparql"))
    add(ds, VOID + "uriSpace", ox.Literal(f"{settings.base_iri}id/"))
    add(ds, VOID + "rootResource", iri(f"{settings.base_iri}id/organisation/alliance"))
    add(ds, VOID + "exampleResource", iri(f"{settings.base_iri}id/organisation/alliance"))
    add(ds, RDFS + "seeAlso", iri(f"{settings.base_iri}catalog"))
    names = {f.name for f in files}
    for name in RDF_DUMPS:
        if name in names:
            add(ds, VOID + "dataDump", iri(dump_url(settings, name)))
    for vocabulary in stats.vocabularies:
        add(ds, VOID + "vocabulary", iri(vocabulary))
    add(ds, VOID + "triples", count(stats.triples))
    add(ds, VOID + "entities", count(stats.entities))
    add(ds, VOID + "distinctSubjects", count(stats.distinct_subjects))
    add(ds, VOID + "distinctObjects", count(stats.distinct_objects))
    add(ds, VOID + "classes", count(len(stats.classes)))
    add(ds, VOID + "properties", count(len(stats.properties)))
    for cls, n in sorted(stats.classes.items()):
        part = iri(f"{doc}#class-{_key(cls)}")
        add(ds, VOID + "classPartition", part)
        add(part, VOID + "class", iri(cls))
        add(part, VOID + "entities", count(n))
    for prop, (n, ds_n, do_n) in sorted(stats.properties.items()):
        part = iri(f"{doc}#property-{_key(prop)}")
        add(ds, VOID + "propertyPartition", part)
        add(part, VOID + "property", iri(prop))
        add(part, VOID + "triples", count(n))
        add(part, VOID + "distinctSubjects", count(ds_n))
        add(part, VOID + "distinctObjects", count(do_n))
    for graph, n in sorted(stats.graphs.items()):
        part = iri(f"{doc}#graph-{_key(graph)}")
        add(ds, VOID + "subset", part)
        add(part, RDF + "type", iri(VOID + "Dataset"))
        add(part, "http://www.w3.org/ns/sparql-service-description#name", iri(graph))
        add(part, VOID + "triples", count(n))
    out += measurements or []
    return out


VOID_PREFIXES = {
    "void": VOID,
    "dcterms": DCT,
    "foaf": FOAF,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dqv": DQV,
}
