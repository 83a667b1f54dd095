"""Where the facts of a record come from, as its page shows them.

A record cites the pages all its facts share (`dcterms:source`). A fact whose page
differs has a statement node `{record}#name` (RDF reification: `rdf:subject`,
`rdf:predicate`, `rdf:object`, the page in `dcterms:source`, its words in `oa:exact`);
the project's own wording or translation cites `id:source/project-wording`. Where pages
disagree, a contested fact `{record}#{property}-claims` lists every claim
(`alliance:claim`: a statement node, or a stated figure) with its rank (`wikibase:rank`,
`alliance:rankReason`). docs/model.md, "Where a fact comes from", has the model.

`record_provenance` reads these from the record's description (`kb.web.record_view.describe`
brings the nodes a record owns) and, in one query, the source records of the pages cited
(data/sources.ttl: title, standing). The record templates show:

* next to each value, the pages that state it (`Provenance.citations`) or a mark when
  the words are the project's own (`Provenance.own_words`);
* "Sources differ": each contested fact with all its claims (`Provenance.disagreements`);
* the record's sources, by title and standing (`Provenance.record`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pyoxigraph as ox

from kb.web.context import KnowledgeBase
from kb.web.pages import Cell, Page, labels_of, property_label, sparql_iri, term_text
from kb.web.record_view import DCTERMS, RDF, SKOS, View, best_literal, human_date

OA = "http://www.w3.org/ns/oa#"
WIKIBASE = "http://wikiba.se/ontology#"
SCHEMA_URL = "http://schema.org/url"

#: wikibase:PreferredRank -> "preferred" (the words the templates show).
RANKS = {
    WIKIBASE + "PreferredRank": "preferred",
    WIKIBASE + "NormalRank": "normal",
    WIKIBASE + "DeprecatedRank": "deprecated",
}


@dataclass(frozen=True)
class Citation:
    """One page cited: its title, where to read it, who stands behind it, the words quoted."""

    title: str
    href: str  # the page's address, or the source record's page for a source without one
    record_href: str  # the source record's page ("" when the page has no record)
    standing: str  # official, third-party, project, request ("" when unknown)
    standing_label: str
    quote: str = ""
    quote_lang: str = ""

    @property
    def host(self) -> str:
        """The site of an outside page (coe.int), to tell pages of the same title apart."""
        if not self.href.startswith(("http://", "https://")):
            return ""
        host = urlsplit(self.href).hostname or ""
        return host.removeprefix("www.")


@dataclass(frozen=True)
class Claim:
    """What one page says of a contested fact."""

    value: Cell | None  # None: the page names the record without giving the value
    citations: tuple[Citation, ...]
    rank: str  # preferred, normal or deprecated
    reason: Cell | None  # the rule that ranks it (id:rank-reason/...)
    note: str
    date: str = ""  # a stated figure's date


@dataclass(frozen=True)
class Disagreement:
    """A contested fact: the property (or measure) and every claim, preferred first."""

    property: str
    note: str
    claims: tuple[Claim, ...]


@dataclass
class Provenance:
    """The sources of a record's facts, as its page shows them."""

    record: list[Citation] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    #: (property IRI, value as N-Triples) -> the pages stating it (statements not contested)
    facts: dict[tuple[str, str], list[Citation]] = field(default_factory=dict)
    #: (property IRI, value as N-Triples) of the project's own words
    own: set[tuple[str, str]] = field(default_factory=set)

    def citations(self, prop: str, value: object) -> list[Citation]:
        return self.facts.get((prop, str(value)), [])

    def own_words(self, prop: str, value: object) -> bool:
        return (prop, str(value)) in self.own


def record_provenance(kb: KnowledgeBase, page: Page, view: View) -> Provenance:
    """The sources of the record `view` describes: its own, each fact's, the disagreements."""
    wording = kb.settings.record_iri("source", "project-wording")
    statements = _owned(view, RDF + "Statement")
    contested = _owned(view, kb.settings.ontology_ns + "ContestedFact")
    claimed = {
        c.value
        for fact in contested
        for c in view.properties_of(fact).get(kb.settings.ontology_ns + "claim", [])
        if isinstance(c, ox.NamedNode)
    }
    figures = _figures(kb, [ox.NamedNode(c) for c in claimed if "#" not in c])
    cited = [v for v in view.values(DCTERMS + "source") if isinstance(v, ox.NamedNode)]
    for node in statements:
        cited += _iris(view.properties_of(node).get(DCTERMS + "source", []))
    for rows in figures.values():
        cited += [r["source"] for r in rows if isinstance(r.get("source"), ox.NamedNode)]
    pages = _pages(kb, page, cited)

    def citations_of(sources: Iterable[Any], quote: ox.Literal | None = None) -> list[Citation]:
        out = []
        for src in _iris(sources):
            c = pages.get(src.value) or Citation(src.value, page.href(src), "", "", "")
            if quote is not None:
                c = Citation(
                    c.title, c.href, c.record_href, c.standing, c.standing_label,
                    quote.value, quote.language or "",
                )  # fmt: skip
            out.append(c)
        return sorted(out, key=lambda c: (c.standing != "official", c.title))

    found = Provenance(record=citations_of(view.values(DCTERMS + "source")))
    by_node: dict[str, Claim] = {}
    for node in statements:
        props = view.properties_of(node)
        prop = _first(props.get(RDF + "predicate"))
        value = _first(props.get(RDF + "object"))
        sources = props.get(DCTERMS + "source", [])
        quote = _first(props.get(OA + "exact"))
        rank = _first(props.get(WIKIBASE + "rank"))
        reason = _first(props.get(kb.settings.ontology_ns + "rankReason"))
        note = best_literal(_literals(props.get(SKOS + "note", [])), page.lang)
        cites = citations_of(sources, quote if isinstance(quote, ox.Literal) else None)
        by_node[node] = Claim(
            _cell(kb, page, view, value) if value is not None else None,
            tuple(cites),
            RANKS.get(term_text(rank), "normal"),
            Cell(view.label(reason), page.href(reason))
            if isinstance(reason, ox.NamedNode)
            else None,
            note.value if note else "",
        )
        if prop is None or value is None or (node in claimed and by_node[node].rank != "preferred"):
            continue  # a claim not preferred is shown only under "Sources differ"
        key = (term_text(prop), str(value))
        if any(s.value == wording for s in _iris(sources)):
            found.own.add(key)
        else:
            found.facts.setdefault(key, []).extend(cites)
    for fact in sorted(contested):
        props = view.properties_of(fact)
        prop = _first(props.get(RDF + "predicate"))
        measure = _first(props.get(kb.settings.ontology_ns + "measure"))
        note = best_literal(_literals(props.get(SKOS + "note", [])), page.lang)
        claims = []
        for c in sorted(_iris(props.get(kb.settings.ontology_ns + "claim", [])), key=str):
            if c.value in by_node:
                claims.append(by_node[c.value])
            elif c.value in figures:
                claims.append(_figure_claim(kb, page, c, figures[c.value], citations_of))
        claims.sort(key=lambda c: ("preferred", "normal", "deprecated").index(c.rank))
        if isinstance(prop, ox.NamedNode):
            name = property_label(kb, prop.value, page.lang)
        else:
            name = labels_of(kb.store, [measure], page.lang).get(term_text(measure), "")
        found.disagreements.append(Disagreement(name, note.value if note else "", tuple(claims)))
    return found


# -- reading ----------------------------------------------------------------------------------


def _owned(view: View, type_iri: str) -> list[str]:
    """The nodes `{record}#name` of the record of the given type."""
    prefix = view.iri + "#"
    return sorted(
        subject[1:-1]
        for subject, props in view.subjects().items()
        if subject.startswith("<" + prefix)
        and any(t.value == type_iri for t in _iris(props.get(RDF + "type", [])))
    )


def _pages(kb: KnowledgeBase, page: Page, cited: list[ox.NamedNode]) -> dict[str, Citation]:
    """The source record of each cited IRI (a page's address, or a source record itself)."""
    iris = sorted({c.value for c in cited})
    if not iris:
        return {}
    values = " ".join(sparql_iri(i) for i in iris)
    rows = kb.store.select(
        f"SELECT ?cited ?rec ?standing WHERE {{ VALUES ?cited {{ {values} }} "
        f"{{ ?rec <{SCHEMA_URL}> ?cited }} UNION "
        f"{{ ?cited a <{DCTERMS}BibliographicResource> . BIND(?cited AS ?rec) }} "
        f"OPTIONAL {{ ?rec <{DCTERMS}type> ?standing }} }}"
    )
    names = labels_of(kb.store, [r["rec"] for r in rows] + [r["standing"] for r in rows], page.lang)
    out: dict[str, Citation] = {}
    for r in sorted(rows, key=lambda r: term_text(r["rec"])):
        cited_iri, rec, standing = term_text(r["cited"]), term_text(r["rec"]), r["standing"]
        if cited_iri in out:
            continue
        out[cited_iri] = Citation(
            title=names.get(rec, cited_iri),
            href=page.href(cited_iri) if cited_iri != rec else page.href(rec),
            record_href=page.href(rec),
            standing=term_text(standing).rsplit("/", 1)[-1] if standing else "",
            standing_label=names.get(term_text(standing), "") if standing else "",
        )
    return out


def _figures(kb: KnowledgeBase, iris: list[ox.NamedNode]) -> dict[str, list[dict[str, Any]]]:
    """Stated figures claimed by a contested fact: value, bounds, date, pages, rank."""
    if not iris:
        return {}
    a = kb.settings.ontology_ns
    rows = kb.store.select(
        f"SELECT ?f ?value ?lower ?approx ?date ?source ?rank ?reason WHERE {{ "
        f"VALUES ?f {{ {' '.join(sparql_iri(i.value) for i in iris)} }} "
        f"?f <{RDF}value> ?value . "
        f"OPTIONAL {{ ?f <{a}lowerBound> ?lower }} OPTIONAL {{ ?f <{a}approximate> ?approx }} "
        f"OPTIONAL {{ ?f <{DCTERMS}date> ?date }} OPTIONAL {{ ?f <{DCTERMS}source> ?source }} "
        f"OPTIONAL {{ ?f <{WIKIBASE}rank> ?rank }} OPTIONAL {{ ?f <{a}rankReason> ?reason }} }}"
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(term_text(r["f"]), []).append(r)
    return out


def _figure_claim(
    kb: KnowledgeBase,
    page: Page,
    figure: ox.NamedNode,
    rows: list[dict[str, Any]],
    citations_of: Any,
) -> Claim:
    r = rows[0]
    text = term_text(r["value"])
    if term_text(r.get("lower")) == "true":
        text = f"{text}+"
    if term_text(r.get("approx")) == "true":
        text = f"~{text}"
    reason = r.get("reason")
    return Claim(
        Cell(text, page.href(figure)),
        tuple(citations_of([row["source"] for row in rows if row.get("source") is not None])),
        RANKS.get(term_text(r.get("rank")), "normal"),
        Cell(labels_of(kb.store, [reason], page.lang).get(term_text(reason), ""), page.href(reason))
        if isinstance(reason, ox.NamedNode)
        else None,
        "",
        human_date(r["date"], page.lang) if r.get("date") is not None else "",
    )


def _cell(kb: KnowledgeBase, page: Page, view: View, value: Any) -> Cell:
    if isinstance(value, ox.Literal):
        dtype = value.datatype.value if value.datatype else ""
        dated = dtype.endswith(("#date", "#gYearMonth"))
        return Cell(
            human_date(value, page.lang) if dated else value.value, "", value.language or ""
        )
    if isinstance(value, ox.NamedNode) and value.value.startswith(kb.settings.ontology_ns):
        return Cell(property_label(kb, value.value, page.lang), page.href(value))  # a class
    return Cell(view.label(value), page.href(value))


def _first(values: list[Any] | None) -> Any:
    return values[0] if values else None


def _iris(values: Iterable[Any]) -> list[ox.NamedNode]:
    return [v for v in values if isinstance(v, ox.NamedNode)]


def _literals(values: Iterable[Any]) -> list[ox.Literal]:
    return [v for v in values if isinstance(v, ox.Literal)]
