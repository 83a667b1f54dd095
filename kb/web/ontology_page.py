"""The ontology `/ontology`: documentation for people, Turtle, JSON-LD, RDF/XML, N-Triples."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from kb.web.context import KnowledgeBase
from kb.web.pages import (
    FOAF,
    KB,
    SCHEMA,
    Cell,
    Page,
    labels_of,
    link_header,
    not_acceptable,
    sparql_iri,
    term_text,
)
from kb.web.record_view import (
    DCTERMS,
    FORMAT_BY_KEY,
    FORMAT_BY_SUFFIX,
    OWL,
    RDF,
    RDFS,
    SKOS,
    Format,
    View,
    negotiate,
    serialize,
)

router = APIRouter()

ONTOLOGY_FORMATS = [FORMAT_BY_KEY[k] for k in ("html", "turtle", "jsonld", "rdfxml", "ntriples")]


@router.api_route("/ontology", methods=["GET", "HEAD"])
def ontology(request: Request, kb: KB) -> Response:
    fmt = negotiate(request.headers.get("accept"), ONTOLOGY_FORMATS)
    if fmt is None:
        return not_acceptable(ONTOLOGY_FORMATS)
    return _ontology(request, kb, fmt)


@router.api_route("/ontology{suffix}", methods=["GET", "HEAD"], include_in_schema=False)
def ontology_file(suffix: str, request: Request, kb: KB) -> Response:
    fmt = FORMAT_BY_SUFFIX.get(suffix)
    if fmt is None:
        raise HTTPException(404, f"no ontology document /ontology{suffix}")
    return _ontology(request, kb, fmt)


def _ontology(request: Request, kb: KnowledgeBase, fmt: Format) -> Response:
    graph = kb.settings.graph_iri("ontology")
    triples = kb.store.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {sparql_iri(graph)} {{ ?s ?p ?o }} }}"
    )
    headers = {
        "Vary": "Accept",
        "Content-Location": f"/ontology{fmt.suffix}",
        "Link": link_header("/ontology"),
    }
    if fmt.rdf_format is not None:
        return Response(
            serialize(triples, fmt, kb.settings.base_iri),
            media_type=fmt.media_type,
            headers=headers,
        )
    page = Page(request, kb.settings)
    ns = kb.settings.ontology_ns
    onto_iri = ns.rstrip("#")
    view = View(onto_iri, page.lang, triples)
    by_subject: dict[str, View] = {}
    sections: dict[str, list[dict[str, Any]]] = {
        "classes": [],
        "object_properties": [],
        "datatype_properties": [],
        "other_terms": [],
    }
    subjects = sorted({t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)})
    for s in subjects:
        if not s.startswith(ns):
            continue
        term = by_subject.setdefault(s, View(s, page.lang, triples))
        types = set(term.types())
        section = (
            "classes"
            if OWL + "Class" in types or RDFS + "Class" in types
            else "object_properties"
            if OWL + "ObjectProperty" in types
            else "datatype_properties"
            if OWL + "DatatypeProperty" in types
            else "other_terms"
        )

        def links(prop: str, term: View = term) -> list[Cell]:
            return [
                Cell(term.label(v) if v.value.startswith(ns) else _curie(v.value), page.href(v))
                for v in term.values(prop)
                if isinstance(v, ox.NamedNode)
            ]

        sections[section].append(
            {
                "id": s[len(ns) :],
                "iri": s,
                "label": term.label(),
                "comment": term.text(RDFS + "comment") or term.text(SKOS + "definition"),
                "super": links(RDFS + "subClassOf") + links(RDFS + "subPropertyOf"),
                "domain": links(RDFS + "domain"),
                "range": links(RDFS + "range"),
                "equivalent": links(OWL + "equivalentClass") + links(OWL + "equivalentProperty"),
            }
        )
    for items in sections.values():
        items.sort(key=lambda x: x["id"].lower())
    schemes = kb.store.select(f"SELECT DISTINCT ?s WHERE {{ ?s a <{SKOS}ConceptScheme> }}")
    scheme_names = labels_of(kb.store, [r["s"] for r in schemes], page.lang)
    return page.render(
        "ontology.html",
        headers=headers,
        view=view,
        title=view.label() if view.exists else page.t("ontology_title"),
        description=view.text(RDFS + "comment") or view.text(DCTERMS + "description"),
        sections=sections,
        schemes=sorted(
            (
                {"href": page.href(r["s"]), "name": scheme_names.get(term_text(r["s"]), "")}
                for r in schemes
            ),
            key=lambda x: x["name"],
        ),
        alternates=[(f, f"/ontology{f.suffix}") for f in ONTOLOGY_FORMATS],
    )


_CURIES = {
    "http://www.w3.org/ns/org#": "org:",
    "http://data.europa.eu/m8g/": "cpov:",
    "http://www.w3.org/ns/prov#": "prov:",
    SCHEMA: "schema:",
    "http://www.w3.org/2001/XMLSchema#": "xsd:",
    SKOS: "skos:",
    DCTERMS: "dcterms:",
    FOAF: "foaf:",
    "http://www.w3.org/ns/dcat#": "dcat:",
    RDFS: "rdfs:",
    RDF: "rdf:",
    OWL: "owl:",
}


def _curie(iri: str) -> str:
    for ns, prefix in _CURIES.items():
        if iri.startswith(ns):
            return prefix + iri[len(ns) :]
    return iri
