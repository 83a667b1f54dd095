"""Records: `/id/{kind}/` (every record of a kind) and `/id/{kind}/{name}` (one record).

Every record IRI `{base}id/{kind}/{slug}` dereferences here as `/id/{kind}/{slug}`:
HTML (one Jinja2 template per kind, with what each kind shows beyond its own
properties, and schema.org JSON-LD for search engines) for browsers, Turtle,
JSON-LD, N-Triples or RDF/XML by `Accept` or by suffix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from kb.curation.record_changes import record_etag
from kb.publish.citation import record_citation
from kb.web.context import KnowledgeBase
from kb.web.pages import (
    FOAF,
    KB,
    ORG,
    SCHEMA,
    Cell,
    Page,
    group_by,
    labels_of,
    link_header,
    not_acceptable,
    not_found,
    pick,
    property_label,
    sparql_iri,
    term_int,
    term_text,
)
from kb.web.record_forms import edit_href
from kb.web.record_sources import Provenance, record_provenance
from kb.web.record_view import (
    DCTERMS,
    FORMAT_BY_SUFFIX,
    FORMATS,
    RDF,
    SKOS,
    Format,
    View,
    best_literal,
    describe,
    human_date,
    local_name,
    negotiate,
    serialize,
)

router = APIRouter()

#: Templates by kind of record; the SKOS concept kinds share `concept.html`.
CONCEPT_KINDS = {
    "theme",
    "maturity",
    "group",
    "objective",
    "line-of-action",
    "role",
    "measure",
}
TEMPLATE_KINDS = {
    "authority",
    "membership",
    "country",
    "prize",
    "prize-edition",
    "award",
    "document",
    "signature",
    "practice",
    "database",
    "event",
    "person",
    "secondment",
    "post",
    "figure",
    "release",
    "organisation",
    "source",
    "scheme",
}
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


# -- record pages ---------------------------------------------------------------------------


def cells(page: Page, view: View, values: Iterable[Any]) -> list[Cell]:
    out = []
    for v in values:
        if isinstance(v, ox.Literal):
            dtype = v.datatype.value if v.datatype else ""
            text = human_date(v, page.lang) if dtype.endswith(HUMAN_DATES) else v.value
            if dtype.endswith("#boolean"):
                text = {"true": "✓", "false": "✗"}.get(v.value, v.value)
            out.append(Cell(text, "", v.language or ""))
        elif isinstance(v, ox.NamedNode):
            out.append(Cell(view.label(v), page.href(v)))
        elif isinstance(v, ox.BlankNode):
            props = view.properties_of(v)
            parts = [
                lit.value
                for values in props.values()
                for lit in values
                if isinstance(lit, ox.Literal)
            ]
            out.append(Cell(", ".join(parts)))
    return out


HUMAN_DATES = ("#date", "#gYearMonth")
#: Shown elsewhere on every page (title, lead paragraph, sources), so not in the table.
_HIDDEN = {
    RDF + "type",
    SKOS + "prefLabel",
    DCTERMS + "title",
    DCTERMS + "source",
    FOAF + "name",
    DCTERMS + "description",
    SKOS + "definition",
}


def property_rows(
    kb: KnowledgeBase, page: Page, view: View, provenance: Provenance
) -> list[tuple[str, list[Cell]]]:
    """The record's properties, each value with the pages that state it (when they differ
    from the record's) or the mark of the project's own words."""
    rows = []
    for prop in sorted(view.own, key=lambda p: property_label(kb, p, page.lang)):
        if prop in _HIDDEN:
            continue
        values = view.own[prop]
        lits = [v for v in values if isinstance(v, ox.Literal)]
        if lits and len(lits) == len(values) and any(v.language for v in lits):
            # The same text in several languages: show the reader's.
            best = best_literal(lits, page.lang)
            values = [best] if best is not None else values
        found = cells(page, view, values)
        for cell, value in zip(found, values, strict=True):
            cell.sources = tuple(provenance.citations(prop, value))
            cell.own_words = provenance.own_words(prop, value)
        rows.append((property_label(kb, prop, page.lang), found))
    return rows


def shown_own_words(view: View, provenance: Provenance, prop: str) -> bool:
    """Whether the text of `prop` shown (in the reader's language) is the project's words."""
    lits = [v for v in view.values(prop) if isinstance(v, ox.Literal)]
    best = best_literal(lits, view.lang)
    return best is not None and provenance.own_words(prop, best)


def inbound_rows(kb: KnowledgeBase, page: Page, view: View) -> list[tuple[str, list[Cell]]]:
    rows = []
    for prop, subjects in sorted(view.inbound.items()):
        # statements and contested facts ({record}#name) are shown with the sources
        named = sorted(
            {
                s.value: s for s in subjects if isinstance(s, ox.NamedNode) and "#" not in s.value
            }.values(),
            key=lambda s: view.label(s),
        )
        if named:
            found = cells(page, view, named)
            records = kb.settings.base_iri + "id/"
            for cell, node in zip(found, named, strict=True):
                # a record without a name of its own (a membership, an award): say which kind
                if view.label(node) == local_name(node.value) and node.value.startswith(records):
                    cell.text = node.value[len(records) :]
            rows.append((property_label(kb, prop, page.lang), found))
    return rows


def type_names(kb: KnowledgeBase, page: Page, view: View) -> list[Cell]:
    return [
        Cell(property_label(kb, t, page.lang), page.href(t))
        for t in view.types()
        if t.startswith(kb.settings.ontology_ns) or t.startswith(SKOS)
    ]


def alternate_links(path: str) -> list[tuple[Format, str]]:
    return [(f, f"{path}{f.suffix}") for f in FORMATS]


def split_suffix(name: str) -> tuple[str, Format | None]:
    for suffix, fmt in FORMAT_BY_SUFFIX.items():
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], fmt
    return name, None


@router.api_route("/id/{kind}/{name}", methods=["GET", "HEAD"], include_in_schema=True)
def record(kind: str, name: str, request: Request, kb: KB) -> Response:
    """A record of the knowledge base: HTML, Turtle, JSON-LD, N-Triples or RDF/XML."""
    slug, fmt = split_suffix(name)
    path = f"/id/{kind}/{slug}"
    if not SLUG.match(slug) or not SLUG.match(kind):
        return not_found(request, kb, path)
    if fmt is None:
        fmt = negotiate(request.headers.get("accept"))
        if fmt is None:
            return not_acceptable(FORMATS)
    iri = kb.settings.record_iri(kind, slug)
    page = Page(request, kb.settings)
    view = View(iri, page.lang, describe(kb.store, iri))
    if not view.exists:
        return not_found(request, kb, path)
    headers = {
        "Vary": "Accept",
        "Content-Location": f"{path}{fmt.suffix}",
        "Link": link_header(path),
    }
    etag = record_etag(kb.store, iri)  # the record's state, for If-Match on PUT / DELETE
    if etag:
        headers["ETag"] = etag
    if fmt.rdf_format is not None:
        body = serialize(view.triples, fmt, kb.settings.base_iri)
        return Response(body, media_type=fmt.media_type, headers=headers)
    template = (
        "concept.html"
        if kind in CONCEPT_KINDS
        else f"{kind}.html"
        if kind in TEMPLATE_KINDS
        else "record.html"
    )
    extra = KIND_CONTEXT.get(kind, lambda kb, page, view: {})(kb, page, view)
    title = title_for(kb, page, view, kind)
    provenance = record_provenance(kb, page, view)
    return page.render(
        template,
        headers=headers,
        kind=kind,
        view=view,
        title=title,
        citation=record_citation(kb.store, kb.settings, iri, title),
        path=path,
        iri=iri,
        types=type_names(kb, page, view),
        rows=property_rows(kb, page, view, provenance),
        inbound=inbound_rows(kb, page, view),
        sources=cells(page, view, view.values(DCTERMS + "source")),
        provenance=provenance,
        title_own_words=shown_own_words(view, provenance, SKOS + "prefLabel"),
        lead_own_words=shown_own_words(
            view,
            provenance,
            DCTERMS + "description"
            if view.values(DCTERMS + "description")
            else SKOS + "definition",
        ),
        alternates=alternate_links(path),
        jsonld=schema_org(kb, page, view, kind),
        edit_href=edit_href(request, kb, kind, path),
        **extra,
    )


def title_for(kb: KnowledgeBase, page: Page, view: View, kind: str) -> str:
    """The heading of a page: the record's name, or words made from what it links."""
    if any(view.labels_in().values()) or view.text(FOAF + "name"):
        return view.label()
    a = kb.settings.ontology_ns

    def name(prop: str) -> str:
        node = view.value(prop)
        return view.label(node) if isinstance(node, ox.NamedNode) else ""

    made = {
        "award": " · ".join(x for x in (name(a + "laureate"), name(a + "edition")) if x),
        "signature": " · ".join(
            x for x in (name(a + "onBehalfOf"), name(a + "signedDocument")) if x
        ),
        "membership": " · ".join(
            x for x in (name(ORG + "member"), name(ORG + "organization")) if x
        ),
        "secondment": " · ".join(
            x for x in (name(ORG + "member"), name(ORG + "organization")) if x
        ),
        "figure": " · ".join(
            x for x in (view.text(RDF + "value"), name(a + "measure"), name(a + "about")) if x
        ),
    }.get(kind, "")
    return made or view.label()


# -- what each kind of page shows beyond its own properties ---------------------------------


def _authority(kb: KnowledgeBase, page: Page, view: View) -> dict[str, Any]:
    a = kb.settings.ontology_ns
    node = sparql_iri(view.iri)
    store, lang = kb.store, page.lang
    alliance_org = sparql_iri(kb.settings.record_iri("organisation", "alliance"))
    memberships = store.select(
        f"SELECT ?m ?start ?reported ?number WHERE {{ ?m <{ORG}member> {node} ; "
        f"<{ORG}organization> {alliance_org} . "
        f"OPTIONAL {{ ?m <{SCHEMA}startDate> ?start }} "
        f"OPTIONAL {{ ?m <{a}reportedOn> ?reported }} "
        f"OPTIONAL {{ ?m <{a}participantNumber> ?number }} }}"
    )
    award_rows = store.select(
        f"SELECT ?award ?edition ?number ?year ?rank ?shared ?for WHERE {{ "
        f"?award <{a}laureate> {node} ; <{a}edition> ?edition . "
        f"OPTIONAL {{ ?edition <{a}editionNumber> ?number }} "
        f"OPTIONAL {{ ?edition <{a}labelYear> ?year }} "
        f"OPTIONAL {{ ?award <{a}rank> ?rank }} OPTIONAL {{ ?award <{a}sharedRank> ?shared }} "
        f"OPTIONAL {{ ?award <{a}awardedFor> ?for }} }}"
    )
    signature_rows = store.select(
        f"SELECT ?sig ?doc ?date ?person WHERE {{ ?sig <{a}onBehalfOf> {node} . "
        f"OPTIONAL {{ ?sig <{a}signedDocument> ?doc }} OPTIONAL {{ ?sig <{DCTERMS}date> ?date }} "
        f"OPTIONAL {{ ?sig <{a}signatory> ?person }} }}"
    )
    practice_rows = store.select(
        f"SELECT ?p ?theme ?maturity WHERE {{ ?p <{a}implementedBy> {node} . "
        f"OPTIONAL {{ ?p <http://www.w3.org/ns/dcat#theme> ?theme }} "
        f"OPTIONAL {{ ?p <{a}maturityLevel> ?maturity }} }}"
    )
    names = labels_of(
        store,
        [r["edition"] for r in award_rows]
        + [r[v] for r in signature_rows for v in ("doc", "person")]
        + [r[v] for r in practice_rows for v in ("p", "theme", "maturity")],
        lang,
    )
    awards: dict[str, dict[str, Any]] = {}
    for award_iri, rows in group_by(award_rows, "award").items():
        r = rows[0]
        awards[award_iri] = {
            "href": page.href(award_iri),
            "edition": names.get(term_text(r["edition"]), ""),
            "edition_href": page.href(r["edition"]),
            "number": term_int(r["number"]),
            "year": term_text(r["year"]),
            "rank": term_int(r["rank"]),
            "shared": term_text(r["shared"]) == "true",
            "project": pick(rows, "for", lang),
        }
    signatures = [
        {
            "href": page.href(sig),
            "document": names.get(term_text(rows[0]["doc"]), ""),
            "document_href": page.href(rows[0]["doc"]),
            "date": human_date(rows[0]["date"], lang) if rows[0]["date"] else "",
            "person": names.get(term_text(rows[0]["person"]), "") if rows[0]["person"] else "",
            "person_href": page.href(rows[0]["person"]),
        }
        for sig, rows in group_by(signature_rows, "sig").items()
    ]
    practices = [
        {
            "href": page.href(p),
            "title": names.get(p, local_name(p)),
            "themes": sorted({names.get(term_text(r["theme"]), "") for r in rows if r["theme"]}),
            "maturity": sorted(
                {names.get(term_text(r["maturity"]), "") for r in rows if r["maturity"]}
            ),
        }
        for p, rows in group_by(practice_rows, "p").items()
    ]
    membership = None
    if memberships:
        m = memberships[0]
        membership = {
            "href": page.href(m["m"]),
            "start": human_date(m["start"], lang) if m["start"] else "",
            # the day a page reported it, when no page gives the day it joined
            "reported": human_date(m["reported"], lang) if m["reported"] else "",
            "number": term_int(m["number"]),
        }
    country = view.value(a + "country")
    return {
        "membership": membership,
        "country": Cell(view.label(country), page.href(country)) if country else None,
        "awards": sorted(
            awards.values(), key=lambda x: (x["number"] is None, x["number"] or 0, x["year"])
        ),
        "signatures": signatures,
        "practices": sorted(practices, key=lambda x: x["title"]),
        "other_names": [v for v in view.texts(SKOS + "altLabel") if v != view.label()],
    }


def _prize_edition(kb: KnowledgeBase, page: Page, view: View) -> dict[str, Any]:
    a = kb.settings.ontology_ns
    rows = kb.store.select(
        f"SELECT ?award ?laureate ?rank ?shared ?for ?country WHERE {{ "
        f"?award <{a}edition> {sparql_iri(view.iri)} ; <{a}laureate> ?laureate . "
        f"OPTIONAL {{ ?award <{a}rank> ?rank }} OPTIONAL {{ ?award <{a}sharedRank> ?shared }} "
        f"OPTIONAL {{ ?award <{a}awardedFor> ?for }} "
        f"OPTIONAL {{ ?laureate <{a}country> ?country }} }}"
    )
    names = labels_of(kb.store, [r[v] for r in rows for v in ("laureate", "country")], page.lang)
    laureates = []
    for award_iri, group in group_by(rows, "award").items():
        r = group[0]
        laureates.append(
            {
                "href": page.href(award_iri),
                "name": names.get(term_text(r["laureate"]), ""),
                "laureate_href": page.href(r["laureate"]),
                "country": names.get(term_text(r["country"]), "") if r["country"] else "",
                "country_href": page.href(r["country"]),
                "rank": term_int(r["rank"]),
                "shared": term_text(r["shared"]) == "true",
                "project": pick(group, "for", page.lang),
            }
        )
    laureates.sort(key=lambda x: (x["rank"] is None, x["rank"] or 0, x["name"]))
    return {"laureates": laureates}


def _country(kb: KnowledgeBase, page: Page, view: View) -> dict[str, Any]:
    a = kb.settings.ontology_ns
    alliance_org = sparql_iri(kb.settings.record_iri("organisation", "alliance"))
    rows = kb.store.select(
        f"SELECT ?x ?participant ?laureate ?signatory WHERE {{ "
        f"?x <{a}country> {sparql_iri(view.iri)} . "
        f"BIND(EXISTS {{ ?m <{ORG}member> ?x ; <{ORG}organization> {alliance_org} }} "
        f"AS ?participant) "
        f"BIND(EXISTS {{ ?w <{a}laureate> ?x }} AS ?laureate) "
        f"BIND(EXISTS {{ ?s <{a}onBehalfOf> ?x }} AS ?signatory) }}"
    )
    names = labels_of(kb.store, [r["x"] for r in rows], page.lang)
    authorities = sorted(
        (
            {
                "href": page.href(r["x"]),
                "name": names.get(term_text(r["x"]), ""),
                "participant": term_text(r["participant"]) == "true",
                "laureate": term_text(r["laureate"]) == "true",
                "signatory": term_text(r["signatory"]) == "true",
            }
            for r in rows
        ),
        key=lambda x: str(x["name"]),
    )
    return {"authorities": authorities}


def _concept_list(kb: KnowledgeBase, page: Page, view: View) -> dict[str, Any]:
    rows = kb.store.select(
        f"SELECT ?c ?notation WHERE {{ ?c <{SKOS}inScheme> {sparql_iri(view.iri)} . "
        f"OPTIONAL {{ ?c <{SKOS}notation> ?notation }} }}"
    )
    names = labels_of(kb.store, [r["c"] for r in rows], page.lang)
    concepts = sorted(
        (
            {
                "href": page.href(r["c"]),
                "name": names.get(term_text(r["c"]), ""),
                "notation": term_text(r["notation"]),
            }
            for r in rows
        ),
        key=lambda x: (x["notation"].zfill(4), x["name"]),
    )
    return {"concepts": concepts}


KIND_CONTEXT = {
    "authority": _authority,
    "prize-edition": _prize_edition,
    "country": _country,
    "scheme": _concept_list,
}


# -- schema.org for search engines ----------------------------------------------------------

_SCHEMA_TYPES = {
    "authority": "GovernmentOrganization",
    "organisation": "Organization",
    "country": "Country",
    "event": "Event",
    "document": "CreativeWork",
    "person": "Person",
    "practice": "CreativeWork",
    "database": "Dataset",
    "prize": "Thing",
    "prize-edition": "Event",
    "scheme": "DefinedTermSet",
    "source": "CreativeWork",
    **dict.fromkeys(CONCEPT_KINDS, "DefinedTerm"),
}


def schema_org(kb: KnowledgeBase, page: Page, view: View, kind: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": _SCHEMA_TYPES.get(kind, "Thing"),
        "@id": view.iri,
        "name": view.label(),
        "inLanguage": page.lang,
    }
    description = view.text(DCTERMS + "description") or view.text(SKOS + "definition")
    if description:
        data["description"] = description
    same = [v.value for v in view.values(SKOS + "exactMatch") if isinstance(v, ox.NamedNode)]
    if same:
        data["sameAs"] = same
    country = view.value(kb.settings.ontology_ns + "country")
    if kind == "authority" and isinstance(country, ox.NamedNode):
        data["areaServed"] = {"@type": "Country", "@id": country.value, "name": view.label(country)}
    start = view.value(SCHEMA + "startDate")
    if kind == "event" and isinstance(start, ox.Literal):
        data["startDate"] = start.value
    sources = [v.value for v in view.values(DCTERMS + "source") if isinstance(v, ox.NamedNode)]
    if sources:
        data["isBasedOn"] = sources
    return data
