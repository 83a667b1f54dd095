"""The description of one resource, for people (HTML) and machines (RDF).

A description holds the resource's own triples (with the blank nodes they point
to), the labels of what it links to, and the links into it (with the labels and
types of the resources that link). It is read from the store with one CONSTRUCT
query, so an external SPARQL store serves the same descriptions.

Content negotiation (`negotiate`) picks HTML, Turtle, JSON-LD, N-Triples or
RDF/XML from an Accept header; a suffix (`.ttl`, `.jsonld`, `.nt`, `.rdf`,
`.html`) picks one directly (`FORMAT_BY_SUFFIX`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kb.namespaces import STANDARD_PREFIXES
from kb.store.embedded import KnowledgeStore

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
SCHEMA = "http://schema.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"

#: Properties whose value names a thing, best first.
LABEL_PROPERTIES = (
    SKOS + "prefLabel",
    DCTERMS + "title",
    FOAF + "name",
    RDFS + "label",
    SCHEMA + "name",
)

PREFIXES = STANDARD_PREFIXES


@dataclass(frozen=True)
class Format:
    key: str
    media_type: str
    suffix: str
    rdf_format: ox.RdfFormat | None  # None: HTML


FORMATS: tuple[Format, ...] = (
    Format("html", "text/html", ".html", None),
    Format("turtle", "text/turtle", ".ttl", ox.RdfFormat.TURTLE),
    Format("jsonld", "application/ld+json", ".jsonld", ox.RdfFormat.JSON_LD),
    Format("ntriples", "application/n-triples", ".nt", ox.RdfFormat.N_TRIPLES),
    Format("rdfxml", "application/rdf+xml", ".rdf", ox.RdfFormat.RDF_XML),
)
FORMAT_BY_SUFFIX = {f.suffix: f for f in FORMATS}
FORMAT_BY_KEY = {f.key: f for f in FORMATS}
#: Media types also understood in Accept headers, and the format they mean.
MEDIA_ALIASES = {
    "application/xhtml+xml": "html",
    "application/x-turtle": "turtle",
    "application/json": "jsonld",
    "text/plain": "ntriples",
    "application/xml": "rdfxml",
    "text/xml": "rdfxml",
}


def _accept_ranges(accept: str) -> list[tuple[str, float, int]]:
    out = []
    for position, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        q = 1.0
        for param in pieces[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        out.append((media, q, position))
    return out


def negotiate(accept: str | None, formats: Iterable[Format] = FORMATS) -> Format | None:
    """The best format for an Accept header (HTML when there is none); None: not acceptable.

    Ties go to the more specific media range, then to the order of `formats` (HTML first).
    """
    offered = list(formats)
    if not accept or not accept.strip():
        return offered[0]
    best: tuple[float, int, int] | None = None
    chosen: Format | None = None
    ranges = _accept_ranges(accept)
    for index, fmt in enumerate(offered):
        q_best, specificity = -1.0, -1
        for media, q, _ in ranges:
            key = MEDIA_ALIASES.get(media)
            if media == fmt.media_type or key == fmt.key:
                spec = 2 if media == fmt.media_type else 1
            elif media == "*/*" or (media.endswith("/*") and fmt.media_type.startswith(media[:-1])):
                spec = 0
            else:
                continue
            if spec > specificity:
                q_best, specificity = q, spec
        if q_best <= 0:
            continue
        rank = (q_best, specificity, -index)
        if best is None or rank > best:
            best, chosen = rank, fmt
    return chosen


def _iri(value: str) -> str:
    return "<" + value.replace(">", "%3E") + ">"


def describe_query(iri: str) -> str:
    """The record, the labels of what it links, what links to it, and the nodes it owns:
    `{iri}#name`, its statements and contested facts, with the labels of their values."""
    labels = ", ".join(_iri(p) for p in LABEL_PROPERTIES)
    node = _iri(iri)
    owned = json.dumps(iri + "#")
    return f"""
CONSTRUCT {{
  {node} ?p ?o . ?o ?lp ?ol . ?o ?bp ?bo . ?bo ?blp ?bol .
  ?s ?ip {node} . ?s ?slp ?sl .
  ?n ?np ?no . ?no ?nlp ?nol .
}} WHERE {{
  {{ {node} ?p ?o }}
  UNION {{ ?n <{RDF}subject> {node} . FILTER(STRSTARTS(STR(?n), {owned})) ?n ?np ?no .
           OPTIONAL {{ ?no ?nlp ?nol . FILTER(isIRI(?no) && ?nlp IN ({labels})) }} }}
  UNION {{ {node} ?p ?o . ?o ?lp ?ol . FILTER(?lp IN ({labels})) }}
  UNION {{ {node} ?p ?o . FILTER(isBlank(?o)) ?o ?bp ?bo .
           OPTIONAL {{ ?bo ?blp ?bol . FILTER(?blp IN ({labels})) }} }}
  UNION {{ ?s ?ip {node} }}
  UNION {{ ?s ?ip {node} . ?s ?slp ?sl . FILTER(?slp IN ({labels}, <{RDF}type>)) }}
}}"""


def describe(store: KnowledgeStore, iri: str) -> list[ox.Triple]:
    """The description of `iri` (empty when the knowledge base says nothing about it)."""
    triples = store.construct(describe_query(iri))
    # Deduplicate, keep a stable order for byte-identical answers.
    unique = {(str(t.subject), str(t.predicate), str(t.object)): t for t in triples}
    return [unique[k] for k in sorted(unique)]


def serialize(triples: Iterable[ox.Triple], fmt: Format, base_iri: str) -> bytes:
    assert fmt.rdf_format is not None, "HTML is rendered by templates"
    triples = list(triples)
    prefixes = {**PREFIXES, "alliance": f"{base_iri}ontology#"}
    # One prefix per kind of record (authority:, prize-edition:, ...), for readable Turtle.
    records = f"{base_iri}id/"
    for t in triples:
        for term in (t.subject, t.object):
            if isinstance(term, ox.NamedNode) and term.value.startswith(records):
                kind = term.value[len(records) :].split("/", 1)[0]
                if re.fullmatch(r"[a-z][a-z0-9-]*", kind) and kind not in prefixes:
                    prefixes[kind] = f"{records}{kind}/"
    used = {
        term.value
        for t in triples
        for term in (t.subject, t.predicate, t.object)
        if isinstance(term, ox.NamedNode)
    } | {t.object.datatype.value for t in triples if isinstance(t.object, ox.Literal)}
    prefixes = {
        name: ns for name, ns in prefixes.items() if any(iri.startswith(ns) for iri in used)
    }
    if fmt.rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
        body = ox.serialize(triples, format=fmt.rdf_format, prefixes=prefixes)
    else:
        body = ox.serialize(triples, format=fmt.rdf_format)
    assert body is not None
    if fmt.rdf_format == ox.RdfFormat.JSON_LD:
        body = _compact_jsonld(body, prefixes)
    return body


def _refuse_remote(url: str, options: object = None) -> None:
    raise ValueError(f"remote JSON-LD documents are not loaded ({url})")


def _compact_jsonld(expanded: bytes, prefixes: dict[str, str]) -> bytes:
    """JSON-LD compacted with the prefixes (the same triples, readable keys)."""
    from pyld import jsonld

    compacted = jsonld.compact(
        json.loads(expanded), {"@context": prefixes}, {"documentLoader": _refuse_remote}
    )
    return json.dumps(compacted, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


# -- a description as templates read it ----------------------------------------------------


def best_literal(literals: Iterable[ox.Literal], lang: str) -> ox.Literal | None:
    """The literal in `lang`, else English, else without language, else any."""
    items = list(literals)
    for wanted in (lang, "en", None):
        for lit in items:
            if (lit.language or None) == wanted:
                return lit
    return items[0] if items else None


def local_name(iri: str) -> str:
    for sep in ("#", "/"):
        if sep in iri:
            iri = iri.rsplit(sep, 1)[1] or iri
    return iri


@dataclass
class View:
    """One resource's description, with the lookups a template needs."""

    iri: str
    lang: str
    triples: list[ox.Triple]
    own: dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]] = field(default_factory=dict)
    inbound: dict[str, list[ox.NamedNode | ox.BlankNode]] = field(default_factory=dict)
    _by_subject: dict[str, dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]] = field(
        default_factory=dict
    )

    def __post_init__(self) -> None:
        for t in self.triples:
            s, p, o = t.subject, t.predicate.value, t.object
            if isinstance(s, ox.Triple) or isinstance(o, ox.Triple):
                continue
            self._by_subject.setdefault(str(s), {}).setdefault(p, []).append(o)
            if isinstance(s, ox.NamedNode) and s.value == self.iri:
                self.own.setdefault(p, []).append(o)
            if isinstance(o, ox.NamedNode) and o.value == self.iri:
                self.inbound.setdefault(p, []).append(s)

    @property
    def exists(self) -> bool:
        return bool(self.own)

    def values(self, prop: str) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
        return self.own.get(prop, [])

    def value(self, prop: str) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
        found = self.own.get(prop)
        return found[0] if found else None

    def types(self) -> list[str]:
        return [t.value for t in self.values(RDF + "type") if isinstance(t, ox.NamedNode)]

    def text(self, prop: str, node: ox.NamedNode | ox.BlankNode | None = None) -> str:
        """The value of a literal property in the chosen language ("" if absent)."""
        props = self._by_subject.get(str(node), {}) if node is not None else self.own
        lits = [v for v in props.get(prop, []) if isinstance(v, ox.Literal)]
        lit = best_literal(lits, self.lang)
        return lit.value if lit else ""

    def texts(self, prop: str) -> list[str]:
        return [v.value for v in self.values(prop) if isinstance(v, ox.Literal)]

    def label(self, node: ox.NamedNode | ox.BlankNode | ox.Literal | str | None = None) -> str:
        """A name for `node` (the resource itself by default) from its labels, in the language."""
        if node is None:
            node = ox.NamedNode(self.iri)
        if isinstance(node, ox.Literal):
            return node.value
        key = f"<{node}>" if isinstance(node, str) else str(node)
        props = self._by_subject.get(key, {})
        for p in LABEL_PROPERTIES:
            lits = [v for v in props.get(p, []) if isinstance(v, ox.Literal)]
            lit = best_literal(lits, self.lang)
            if lit:
                return lit.value
        value = node if isinstance(node, str) else node.value
        return local_name(value)

    def labels_in(self, node: ox.NamedNode | None = None) -> dict[str, str]:
        """Every preferred label, by language (for the other-language names)."""
        key = str(node) if node is not None else f"<{self.iri}>"
        props = self._by_subject.get(key, {})
        out: dict[str, str] = {}
        for p in LABEL_PROPERTIES:
            for v in props.get(p, []):
                if isinstance(v, ox.Literal) and v.language and v.language not in out:
                    out[v.language] = v.value
        return out

    def properties_of(
        self, node: ox.NamedNode | ox.BlankNode | str
    ) -> dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]:
        """What the description says of `node` (an IRI string is read as a named node)."""
        return self._by_subject.get(f"<{node}>" if isinstance(node, str) else str(node), {})

    def subjects(self) -> dict[str, dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]]:
        """Every subject of the description (as N-Triples) with its properties."""
        return self._by_subject


# -- dates for people -----------------------------------------------------------------------

_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
}


def human_date(value: object, lang: str) -> str:
    """xsd:date, xsd:gYearMonth and xsd:gYear as a reader writes them; others unchanged."""
    if value is None:
        return ""
    text = value.value if isinstance(value, ox.Literal | ox.NamedNode) else str(value)
    months = _MONTHS.get(lang, _MONTHS["en"]).split()
    try:
        if len(text) == 10:
            d = dt.date.fromisoformat(text)
            day = "1er" if lang == "fr" and d.day == 1 else str(d.day)
            return f"{day} {months[d.month - 1]} {d.year}"
        if len(text) == 7 and text[4] == "-":
            return f"{months[int(text[5:7]) - 1]} {text[:4]}"
    except (ValueError, IndexError):
        return text
    return text
