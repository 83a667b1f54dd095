"""The open-data pages for people: `/dumps/` and `/catalog` in the site's frame.

`kb.web.dumps` serves the files and the machine-readable forms; for browsers it hands
the listing (`render_dumps_index`) and the DCAT-AP catalog's triples
(`render_catalog`) to this module, which lays them out as readable tables, in English
or French, with the site's header (search box, language switch). The catalog page reads
the catalog's own triples with SPARQL, so it shows exactly what harvesters get.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import Response

from kb.namespaces import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS
from kb.web.context import KnowledgeBase
from kb.web.pages import Page
from kb.web.record_view import best_literal, human_date

SPDX = "http://spdx.org/rdf/terms#"
VCARD = "http://www.w3.org/2006/vcard/ns#"
ADMS = "http://www.w3.org/ns/adms#"

#: French titles of the files (the catalog and `describe_file` give the English ones).
FILE_TITLES_FR = {
    "alliance.ttl": "Base de connaissances (Turtle)",
    "alliance.nt.gz": "Base de connaissances (N-Triples, gzip)",
    "alliance.jsonld": "Base de connaissances (JSON-LD)",
    "alliance.rdf": "Base de connaissances (RDF/XML)",
    "alliance.trig": "Base de connaissances avec graphes nommés (TriG)",
    "ontology.ttl": "Ontologie de l’Alliance (Turtle)",
    "shapes.ttl": "Formes SHACL (Turtle)",
    "context.jsonld": "Contexte JSON-LD",
    "csv/csv-metadata.json": "Métadonnées CSV on the Web",
    "void.ttl": "Description VoID",
    "feed.atom": "Versions (flux Atom)",
    "catalog.ttl": "Catalogue DCAT-AP",
    "SHA256SUMS": "Sommes de contrôle SHA-256",
}


def file_title(name: str, english: str, lang: str) -> str:
    if lang != "fr":
        return english
    if name in FILE_TITLES_FR:
        return FILE_TITLES_FR[name]
    if name.startswith("csv/") and name.endswith(".csv"):
        return f"Table « {name[4:-4]} » (CSV)"
    return english


def size_text(n: int, lang: str) -> str:
    units = ("o", "ko", "Mo", "Go") if lang == "fr" else ("B", "kB", "MB", "GB")
    value = float(n)
    for unit in units:
        if value < 1000 or unit == units[-1]:
            text = f"{value:.0f} {unit}" if unit == units[0] else f"{value:.1f} {unit}"
            return text.replace(".", ",") if lang == "fr" else text
        value /= 1000
    return f"{n}"


# -- /dumps/ ----------------------------------------------------------------------------------


def render_dumps_index(
    request: Request,
    kb: KnowledgeBase,
    files: list[dict[str, Any]],
    release: dict[str, str],
    headers: dict[str, str],
) -> Response:
    page = Page(request, kb.settings)
    rows = [
        {
            **f,
            "title": file_title(f["name"], f["title"], page.lang),
            "size_text": size_text(int(f["size"]), page.lang),
        }
        for f in files
    ]
    return page.render(
        "dumps.html",
        headers=headers,
        title=page.t("dumps_title"),
        files=rows,
        release={
            **release,
            "issued_text": human_date(release.get("issued", ""), page.lang),
        },
    )


# -- /catalog ---------------------------------------------------------------------------------


def _values(store: ox.Store, subject: str, prop: str) -> list[Any]:
    return _objects(store, ox.NamedNode(subject), prop)


def _objects(store: ox.Store, node: ox.NamedNode | ox.BlankNode, prop: str) -> list[Any]:
    return [q.object for q in store.quads_for_pattern(node, ox.NamedNode(prop), None)]


def _text(store: ox.Store, subject: str, prop: str, lang: str) -> str:
    """The literal in `lang` (else English); of several, the one meant for people:
    "JSON-LD" rather than the EU table's code "JSON_LD"."""
    lits = [v for v in _values(store, subject, prop) if isinstance(v, ox.Literal)]
    best = best_literal(lits, lang)
    if best is None:
        return ""
    same = [v for v in lits if v.language == best.language]
    return min(same, key=lambda v: ("_" in v.value, v.value)).value


def _name(store: ox.Store, node: Any, lang: str) -> str:
    """A label of an IRI the catalog describes (prefLabel, title, name, label), else the IRI."""
    if not isinstance(node, ox.NamedNode):
        return str(getattr(node, "value", node))
    for prop in (SKOS + "prefLabel", DCTERMS + "title", FOAF + "name", RDFS + "label"):
        found = _text(store, node.value, prop, lang)
        if found:
            return found
    return node.value


def _one(store: ox.Store, rdf_type: str) -> str:
    """The IRI of the (first) resource of a type in the catalog."""
    for q in store.quads_for_pattern(None, ox.NamedNode(RDF + "type"), ox.NamedNode(rdf_type)):
        if isinstance(q.subject, ox.NamedNode):
            return q.subject.value
    return ""


def _link(store: ox.Store, node: Any, lang: str, page: Page) -> dict[str, str]:
    href = page.href(node) if isinstance(node, ox.NamedNode) else ""
    return {"text": _name(store, node, lang), "href": href}


def render_catalog(
    request: Request, kb: KnowledgeBase, triples: list[ox.Triple], headers: dict[str, str]
) -> Response:
    page = Page(request, kb.settings)
    lang = page.lang
    store = ox.Store()
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    cat = _one(store, DCAT + "Catalog")
    ds = _one(store, DCAT + "Dataset")
    service = _one(store, DCAT + "DataService")

    def date(subject: str, prop: str) -> str:
        values = _values(store, subject, prop)
        return human_date(values[0], lang) if values else ""

    def links(subject: str, prop: str) -> list[dict[str, str]]:
        found = [_link(store, v, lang, page) for v in _values(store, subject, prop)]
        return sorted(found, key=lambda x: x["text"].casefold())

    keywords = [
        v.value
        for v in _values(store, ds, DCAT + "keyword")
        if isinstance(v, ox.Literal) and (v.language or "en") == lang
    ]
    temporal = _values(store, ds, DCTERMS + "temporal")
    period = ""
    if temporal and isinstance(temporal[0], ox.NamedNode):
        start = date(temporal[0].value, DCAT + "startDate")
        end = date(temporal[0].value, DCAT + "endDate")
        period = f"{start} – {end}"
    distributions: list[dict[str, Any]] = []
    for d in _values(store, ds, DCAT + "distribution"):
        if not isinstance(d, ox.NamedNode):
            continue
        iri = d.value
        download = _values(store, iri, DCAT + "downloadURL")
        checksum = ""
        for c in _values(store, iri, SPDX + "checksum"):
            if isinstance(c, ox.NamedNode | ox.BlankNode):
                found = _objects(store, c, SPDX + "checksumValue")
                checksum = str(found[0].value) if found else ""
        size = _values(store, iri, DCAT + "byteSize")
        media = _values(store, iri, DCAT + "mediaType")
        url = download[0].value if download else ""
        name = url.split("/dumps/", 1)[-1] if "/dumps/" in url else url
        english = _text(store, iri, DCTERMS + "title", "en")
        distributions.append(
            {
                "title": file_title(name, english, lang),
                "format": _name(store, (_values(store, iri, DCTERMS + "format") or [""])[0], lang),
                "media_type": media[0].value.rsplit("/media-types/", 1)[-1] if media else "",
                "size": int(size[0].value) if size else None,
                "size_text": size_text(int(size[0].value), lang) if size else "",
                "checksum": checksum,
                "href": f"/dumps/{name}" if "/dumps/" in url else url,
                "name": name,
            }
        )
    distributions.sort(key=lambda x: (str(x["name"]).startswith("csv/"), str(x["name"])))
    contact = _values(store, ds, DCAT + "contactPoint")
    contact_info: dict[str, str] = {}
    if contact and isinstance(contact[0], ox.NamedNode | ox.BlankNode):
        node = contact[0]
        for key, prop in (
            ("name", VCARD + "fn"),
            ("email", VCARD + "hasEmail"),
            ("url", VCARD + "hasURL"),
        ):
            found = _objects(store, node, prop)
            if found:
                contact_info[key] = str(found[0].value).removeprefix("mailto:")
    by_service: dict[str, list[str]] = defaultdict(list)
    for key, prop in (
        ("endpoint", DCAT + "endpointURL"),
        ("conforms", DCTERMS + "conformsTo"),
    ):
        by_service[key] = [v.value for v in _values(store, service, prop)] if service else []
    return page.render(
        "catalog.html",
        headers=headers,
        title=page.t("catalog_title"),
        catalog={
            "iri": cat,
            "title": _text(store, cat, DCTERMS + "title", lang),
            "description": _text(store, cat, DCTERMS + "description", lang),
            "publisher": links(cat, DCTERMS + "publisher"),
            "licence": links(cat, DCTERMS + "license"),
            "issued": date(cat, DCTERMS + "issued"),
            "modified": date(cat, DCTERMS + "modified"),
            "languages": links(cat, DCTERMS + "language"),
        },
        dataset={
            "iri": ds,
            "title": _text(store, ds, DCTERMS + "title", lang),
            "description": _text(store, ds, DCTERMS + "description", lang),
            "version": _text(store, ds, DCAT + "version", lang),
            "version_notes": _text(store, ds, ADMS + "versionNotes", lang),
            "issued": date(ds, DCTERMS + "issued"),
            "modified": date(ds, DCTERMS + "modified"),
            "themes": links(ds, DCAT + "theme"),
            "keywords": sorted(keywords, key=str.casefold),
            "countries": len(_values(store, ds, DCTERMS + "spatial")),
            "period": period,
            "citation": _text(store, ds, DCTERMS + "bibliographicCitation", lang),
            "contact": contact_info,
        },
        distributions=distributions,
        service={
            "iri": service,
            "title": _text(store, service, DCTERMS + "title", lang) if service else "",
            "description": _text(store, service, DCTERMS + "description", lang) if service else "",
            "endpoint": by_service["endpoint"],
            "conforms": by_service["conforms"],
            "formats": links(service, DCTERMS + "format") if service else [],
        },
    )
